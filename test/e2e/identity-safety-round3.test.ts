// Issue 21 items 1, 2, 3, 4 and 6 end to end: the local stack (emulated API Gateway with its authorizer result
// cache, the real functions through their composition roots, dynalite with transactions, the development
// CIAM, the Capillary simulator) driven with real oidc-provider logins. The emulator's authorizer cache holds
// every Allow for an hour: what must change a decision has to do so under a cached Allow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAPILLARY_CREDENTIALS } from '../../local/demo-brand.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { Routes } from '../../shared/routes.js';

const TTL_SECONDS = 3600;

describe('identity safety, round 3, on the local stack', () => {
  let stack: LocalStack;
  let gateway: string;
  const adminHeaders = () => ({ 'x-admin-key': stack.adminKey, 'content-type': 'application/json' });
  const brandUrl = (id: string) => `${gateway}/v1/admin/brands/${id}`;

  beforeAll(async () => {
    stack = await startLocalStack({
      quiet: true,
      authorizerCacheTtlSeconds: TTL_SECONDS,
      configCacheTtlSeconds: 0,
      revocationCacheTtlSeconds: 0,
      playground: false,
    });
    gateway = stack.urls.gateway;
  }, 60_000);
  afterAll(async () => stack?.close());

  function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
    return fetch(`${gateway}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** The demo brand as GET returns it (the shape PUT takes, with its version). */
  async function demoBrand(): Promise<Record<string, unknown> & { version: number }> {
    return (await (await fetch(brandUrl(stack.brandId), { headers: adminHeaders() })).json()) as Record<
      string,
      unknown
    > & { version: number };
  }

  async function editDemo(changes: Record<string, unknown>): Promise<Response> {
    const current = await demoBrand();
    return fetch(brandUrl(stack.brandId), {
      method: 'PUT',
      headers: adminHeaders(),
      body: JSON.stringify({ ...current, ...changes }),
    });
  }

  const login = (user: string) => loginWithCode({ issuer: stack.urls.ciam }, stack.clients.app, user);

  it('item 4: a brand change ends a cached Allow on every authenticated route at once, not after the TTL', async () => {
    const { accessToken } = await login('alice');
    const before = await call('GET', '/v1/me', accessToken);
    expect([200, 404]).toContain(before.status);
    expect((await call('GET', '/v1/me', accessToken)).headers.get('x-local-authorizer-cache')).toBe('hit');
    // The operator stops accepting the API audience the token carries.
    const original = await demoBrand();
    expect((await editDemo({ acceptedAudiences: ['https://api.elsewhere.example'] })).status).toBe(200);
    try {
      // Every route behind the CIAM authorizer, through its own function's composition root.
      for (const route of Routes.filter((r) => r.auth === 'ciam')) {
        const answer = await call(route.method, route.path, accessToken, route.method === 'GET' ? undefined : {});
        expect([route.path, answer.headers.get('x-local-authorizer-cache')]).toEqual([route.path, 'hit']);
        expect([route.path, answer.status]).toEqual([route.path, 401]);
      }
    } finally {
      const { version: _old, ...document } = original;
      const restored = await editDemo({ ...document, acceptedAudiences: undefined });
      expect(restored.status).toBe(200);
    }
    // Back under rules that accept it, the same cached Allow works again.
    expect([200, 404]).toContain((await call('GET', '/v1/me', accessToken)).status);
  });

  it('item 1: a userinfo e-mail changed to a member address without its flag never links to that member', async () => {
    // Dave's ID token says email_verified for dave@demo.example; then at the CIAM he switches to Bob's address,
    // and userinfo returns it without email_verified.
    const tokens = await login('dave');
    const bobBefore = (await (await fetch(`${stack.urls.capillary}/__sim/customers`)).json()) as {
      customers: { id: number; profiles: { identifiers: { type: string; value: string }[] }[] }[];
    };
    const bob = bobBefore.customers.find((c) =>
      c.profiles.some((p) => p.identifiers.some((i) => i.value === 'bob@demo.example')),
    );
    const { email_verified: _flag, ...claims } = stack.ciam.accounts.dave ?? {};
    stack.ciam.accounts.dave = { ...claims, email: 'bob@demo.example' };

    const session = await call('POST', '/v1/auth/session', tokens.accessToken, { idToken: tokens.idToken });
    const body = (await session.json()) as { customerId?: number };
    expect(body.customerId).not.toBe(bob?.id);
    const after = (await (await fetch(`${stack.urls.capillary}/__sim/customers`)).json()) as typeof bobBefore;
    const bobNow = after.customers.find((c) => c.id === bob?.id);
    expect(bobNow?.profiles.some((p) => p.identifiers.some((i) => i.type === 'cuid' && i.value === 'dave'))).toBe(
      false,
    );
  });

  it('item 2: of two parallel brand PUTs on one issuer and audience one wins; a client_id brand cannot take the demo client', async () => {
    const demo = await demoBrand();
    const { version: _v, ...document } = demo;
    const capillary = document.capillary as Record<string, unknown>;
    const rival = (id: string, changes: Record<string, unknown>) => ({
      ...document,
      brandId: id,
      clientId: `${id}-app`,
      capillary: { ...capillary, credentialsParameter: undefined },
      // The local org's credentials: every save obtains a Capillary token with them (issue 24 item 3).
      secrets: { capillary: { ...DEMO_CAPILLARY_CREDENTIALS } },
      ...changes,
    });
    const put = (id: string, changes: Record<string, unknown>) =>
      fetch(brandUrl(id), { method: 'PUT', headers: adminHeaders(), body: JSON.stringify(rival(id, changes)) });

    const raced = await Promise.all([
      put('race-x', { applicationId: 'https://api.race.example' }),
      put('race-y', { applicationId: 'https://api.race.example' }),
    ]);
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409]);

    const taker = await put('cid-taker', {
      audienceClaim: 'client_id',
      acceptedAudiences: [stack.clients.brandClientId],
    });
    expect(taker.status).toBe(409);
    expect(((await taker.json()) as { error: { code: string } }).error.code).toBe('BRAND_ISSUER_CLIENT_TAKEN');
    // Demo logins keep working.
    const { accessToken } = await login('alice');
    expect([200, 404]).toContain((await call('GET', '/v1/me', accessToken)).status);
  });

  it('items 3 and 6: a brand with two apps and ID tokens: logout with either credential ends the login, and the refresh token at the CIAM', async () => {
    const app = stack.clients.app;
    const saved = await editDemo({
      clientIds: [stack.clients.brandClientId, app.clientId],
      acceptIdTokens: true,
      secrets: { ciamClients: { [app.clientId]: app.clientSecret } },
    });
    expect(saved.status).toBe(200);
    try {
      const first = await login('carol');
      expect(first.refreshToken).toBeDefined();
      // Both credentials of the login are accepted (the app's client id is one of the brand's).
      expect((await call('GET', '/v1/me', first.idToken)).status).not.toBe(401);
      const out = await call('POST', '/v1/auth/logout', first.accessToken, { refresh_token: first.refreshToken });
      expect(out.status).toBe(200);
      expect(await out.json()).toEqual({ refreshToken: { revoked: true } });
      for (const token of [first.accessToken, first.idToken]) {
        const after = await call('GET', '/v1/me', token);
        expect(after.status).toBe(401);
        expect(await after.json()).toMatchObject({ error: { code: 'TOKEN_REVOKED' } });
      }
      const refreshed = await fetch(`${stack.urls.ciam}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: first.refreshToken ?? '' }),
      });
      expect(refreshed.status).toBe(400);

      // The other way round: a logout made with the ID token ends the access token of the login.
      const second = await login('bob');
      expect((await call('POST', '/v1/auth/logout', second.idToken, {})).status).toBe(204);
      expect((await call('GET', '/v1/me', second.accessToken)).status).toBe(401);
    } finally {
      const restored = await editDemo({
        clientIds: undefined,
        acceptIdTokens: false,
        clientSecretsParameter: undefined,
      });
      expect(restored.status).toBe(200);
    }
  });
});
