// The local stack started in-process and driven as a real app would: openid-client performs authorization
// code + PKCE against the development CIAM (the browser part is followRedirects), then the app calls the
// gateway with the tokens. Checks 401/200, 403 for a disabled brand, API Gateway's authorizer cache within
// and after its TTL (the emulator's clock is moved, never slept on), and issue 5's logout journey.
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followRedirects } from '../../local/dev-ciam-client.js';
import { logoutAtCiam } from '../support/dev-ciam-session.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

const TTL_SECONDS = 30;

// The simulated Capillary org under both readings of the cuid lookup (refused as documented, or answered).
const CUID_LOOKUP = ['documented', 'permissive'] as const;

describe.each(CUID_LOOKUP)('the local stack driven by an openid-client app (cuid lookup %s)', (cuidLookup) => {
  let stack: LocalStack;
  let gateway: string;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    stack = await startLocalStack({
      quiet: true,
      capillaryCuidLookup: cuidLookup,
      authorizerCacheTtlSeconds: TTL_SECONDS,
      // Brand changes and revocations reach the authorizer at once; the gateway cache is the only delay.
      configCacheTtlSeconds: 0,
      revocationCacheTtlSeconds: 0,
      now: () => Date.now() + clockOffsetMs,
    });
    gateway = stack.urls.gateway;
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
  });

  /** Authorization code + PKCE with openid-client, as a confidential web app (demo-app) would do it. */
  async function signIn(user: string, as: 'app' | 'spa' = 'app') {
    const demo = stack.clients[as];
    const config = await client.discovery(
      new URL(stack.urls.ciam),
      demo.clientId,
      demo.clientSecret,
      demo.clientSecret ? undefined : client.None(),
      { execute: [client.allowInsecureRequests] },
    );
    const verifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: demo.redirectUri,
      scope: 'openid email phone profile loyalty:read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state,
      login_hint: user,
    });
    const cookies = new Map<string, string>();
    const callback = await followRedirects(url.href, demo.redirectUri, cookies);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: state,
      idTokenExpected: true,
    });
    return { accessToken: tokens.access_token, idToken: tokens.id_token ?? '', claims: tokens.claims(), cookies };
  }

  function call(method: string, path: string, token?: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    return fetch(`${gateway}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async function setBrandStatus(status: 'active' | 'disabled'): Promise<void> {
    const url = `${gateway}/v1/admin/brands/${stack.brandId}`;
    const headers = { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' };
    const current = (await (await fetch(url, { headers })).json()) as Record<string, unknown>;
    const saved = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ ...current, status }) });
    expect(saved.status).toBe(200);
  }

  it('answers GET /health without a token', async () => {
    // Act
    const response = await call('GET', '/health');

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('refuses an authorized route without a token (401) and never calls the authorizer', async () => {
    // Arrange
    const before = stack.emulator.counters.authorizerInvocations;

    // Act
    const response = await call('GET', '/v1/me');

    // Assert
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } });
    expect(stack.emulator.counters.authorizerInvocations).toBe(before);
  });

  it('refuses a forged token with 401 from the authorizer', async () => {
    // Act
    const response = await call('GET', '/v1/me', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln');

    // Assert
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('signs in with code + PKCE, links the session and reads the customer (200)', async () => {
    // Arrange
    const { accessToken, claims } = await signIn('alice');
    expect(claims?.sub).toBe('alice');

    // Act
    const session = await call('POST', '/v1/auth/session', accessToken, {});
    const me = await call('GET', '/v1/me', accessToken);

    // Assert
    expect(session.status).toBe(201);
    expect(await session.json()).toMatchObject({ cuid: 'alice', status: 'created' });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ cuid: 'alice', firstName: 'Alice', lastName: 'Martin' });
    const context = JSON.parse(me.headers.get('x-local-authorizer-context') ?? '{}') as Record<string, unknown>;
    expect(context).toMatchObject({
      brandId: 'demo',
      sub: 'alice',
      principalType: 'user',
      principalId: expect.stringMatching(/^demo\|[0-9a-f]{16}$/),
    });
    // Keyed: not the plain digest anyone holding the sub could recompute.
    expect(context.principalId).not.toBe(
      `demo|${createHash('sha256').update('demo\u0000alice').digest('hex').slice(0, 16)}`,
    );
  });

  it('links the seeded INSTORE member and accepts the brand client ID token (public SPA client)', async () => {
    // Arrange
    const { accessToken, idToken } = await signIn('bob', 'spa');

    // Act
    const session = await call('POST', '/v1/auth/session', accessToken, { idToken });

    // Assert
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ cuid: 'bob', status: 'linked' });
  });

  it('answers a second call with the same token from the authorizer cache, and asks again after the TTL', async () => {
    // Arrange
    const { accessToken } = await signIn('carol');
    const first = await call('GET', '/health', accessToken);
    expect(first.status).toBe(200);
    const before = stack.emulator.counters.authorizerInvocations;

    // Act
    const miss = await call('POST', '/v1/auth/session', accessToken, {});
    const hit = await call('GET', '/v1/me', accessToken);
    const afterHit = stack.emulator.counters.authorizerInvocations;
    clockOffsetMs += (TTL_SECONDS + 1) * 1000;
    const expired = await call('GET', '/v1/me', accessToken);

    // Assert
    expect(miss.status).toBe(201);
    expect(miss.headers.get('x-local-authorizer-cache')).toBe('miss');
    expect(hit.status).toBe(200);
    expect(hit.headers.get('x-local-authorizer-cache')).toBe('hit');
    expect(afterHit).toBe(before + 1);
    expect(expired.status).toBe(200);
    expect(expired.headers.get('x-local-authorizer-cache')).toBe('miss');
    expect(stack.emulator.counters.authorizerInvocations).toBe(before + 2);
  });

  it('refuses every token of a brand disabled through the admin API (403), and serves it again once enabled', async () => {
    // Arrange
    const { accessToken } = await signIn('dave');
    expect((await call('GET', '/v1/me', accessToken)).status).toBe(404);

    // Act
    await setBrandStatus('disabled');
    clockOffsetMs += (TTL_SECONDS + 1) * 1000;
    const refused = await call('GET', '/v1/me', accessToken);
    const fresh = await signIn('alice');
    const refusedFresh = await call('GET', '/v1/me', fresh.accessToken);
    await setBrandStatus('active');
    clockOffsetMs += (TTL_SECONDS + 1) * 1000;
    const back = await call('GET', '/v1/me', fresh.accessToken);

    // Assert
    // The handlers refuse it (brand status is not a property of the token, so the authorizer never denies it).
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'BRAND_DISABLED' } });
    expect(refusedFresh.status).toBe(403);
    expect(back.status).toBe(200);
  });

  it('logs out: the token is refused by the handlers at once, by the gateway after its cache TTL; a fresh login works', async () => {
    // Arrange: issue 5's journey
    const { accessToken } = await signIn('alice');
    const linked = await call('POST', '/v1/auth/session', accessToken, {});
    expect(linked.status).toBe(200);

    // Act
    const logout = await call('POST', '/v1/auth/logout', accessToken);
    const atOnce = await call('GET', '/v1/me', accessToken);
    clockOffsetMs += (TTL_SECONDS + 1) * 1000;
    const afterTtl = await call('GET', '/v1/me', accessToken);
    const again = await signIn('alice');
    const fresh = await call('GET', '/v1/me', again.accessToken);

    // Assert
    expect(logout.status).toBe(204);
    expect(atOnce.status).toBe(401);
    expect(atOnce.headers.get('x-local-authorizer-cache')).toBe('hit');
    expect(await atOnce.json()).toMatchObject({ error: { code: 'TOKEN_REVOKED' } });
    // The authorizer's own fresh decision: the same 401 TOKEN_REVOKED as the handler's guard (issue 13).
    expect(afterTtl.status).toBe(401);
    expect(afterTtl.headers.get('x-local-authorizer-cache')).toBe('miss');
    expect(await afterTtl.json()).toMatchObject({ error: { code: 'TOKEN_REVOKED' } });
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toMatchObject({ cuid: 'alice' });
  });

  it("logs out at the CIAM: its back-channel call to the gateway makes the handlers refuse the user's token", async () => {
    // Arrange: the SPA is the demo brand's own client, so its logout token's aud is the brand's clientId.
    const { accessToken, idToken, cookies } = await signIn('bob', 'spa');
    expect((await call('GET', '/v1/me', accessToken)).status).toBe(200);
    const before = stack.emulator.counters.integrationInvocations['backchannel-logout'] ?? 0;

    // Act
    await logoutAtCiam(stack.ciam, cookies, idToken);
    const after = await call('GET', '/v1/me', accessToken);

    // Assert
    expect(stack.emulator.counters.integrationInvocations['backchannel-logout']).toBe(before + 1);
    expect(after.status).toBe(401);
    expect(await after.json()).toMatchObject({ error: { code: 'TOKEN_REVOKED' } });
  });

  it('protects the admin API with the admin key (403 without it)', async () => {
    // Act
    const without = await fetch(`${gateway}/v1/admin/brands`);
    const wrong = await fetch(`${gateway}/v1/admin/brands`, { headers: { 'x-admin-key': 'wrong' } });
    const right = await fetch(`${gateway}/v1/admin/brands`, { headers: { 'x-admin-key': stack.adminKey } });

    // Assert
    expect(without.status).toBe(403);
    expect(wrong.status).toBe(403);
    expect(right.status).toBe(200);
    expect(await right.json()).toMatchObject({ brands: [{ brandId: 'demo' }] });
  });

  it('serves the OpenAPI document and the playground, and a JSON 404 for unknown paths', async () => {
    // Act
    const openapi = await fetch(stack.urls.openapi);
    const page = await fetch(`${gateway}/`);
    const config = await fetch(`${gateway}/playground-config.json`);
    const unknown = await fetch(`${gateway}/v1/nope`);

    // Assert
    expect(openapi.status).toBe(200);
    expect(await openapi.json()).toHaveProperty('openapi');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await config.json()).toMatchObject({ issuer: stack.urls.ciam, clientId: 'demo-spa', brandId: 'demo' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });
});
