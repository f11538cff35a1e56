// Issue 14 items 3, 5 and 6 end to end: the local stack (emulated API Gateway with its authorizer result
// cache, the functions, dynalite, the development CIAM) driven with real oidc-provider logins. The
// emulator's cache clock is moved, never slept on.
import { request } from 'node:http';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { createGatewayTables } from '../../local/local-dynamo.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { EnvNames } from '../../shared/env.js';

// API Gateway's longest authorizer cache TTL: longer than the development CIAM's 900 s tokens.
const TTL_SECONDS = 3600;

describe('identity safety on the local stack', () => {
  let stack: LocalStack;
  let gateway: string;
  let dynamo: DynamoDBClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      quiet: true,
      authorizerCacheTtlSeconds: TTL_SECONDS,
      configCacheTtlSeconds: 0,
      revocationCacheTtlSeconds: 0,
      playground: false,
    });
    gateway = stack.urls.gateway;
    dynamo = new DynamoDBClient({
      endpoint: stack.urls.dynamodb,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  }, 60_000);

  afterAll(async () => {
    dynamo?.destroy();
    await stack?.close();
  });

  async function signIn(user: string): Promise<string> {
    const login = await loginWithCode({ issuer: stack.urls.ciam }, stack.clients.app, user);
    return login.accessToken;
  }

  function call(path: string, headers: Record<string, string>, method = 'GET', body?: unknown): Promise<Response> {
    return fetch(`${gateway}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  /** Sends the header lines exactly as given (fetch would join repeated headers into one). */
  function rawGet(path: string, lines: [string, string][]): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const target = new URL(`${gateway}${path}`);
      const raw = [['Host', target.host], ...lines].flat();
      const req = request(target, { method: 'GET', headers: raw }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => {
          body += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('item 6: reads the bearer scheme in any letter case in the authorizer and in every handler', async () => {
    const token = await signIn('alice');

    const session = await call('/v1/auth/session', { authorization: `bearer ${token}` }, 'POST', {});
    const me = await call('/v1/me', { Authorization: `BEARER ${token}` });
    const basic = await call('/v1/me', { authorization: `Basic ${token}` });
    const twice = await rawGet('/v1/me', [
      ['Authorization', `Bearer ${token}`],
      ['Authorization', `Bearer ${token}`],
    ]);

    expect([201, 200]).toContain(session.status);
    expect(await session.json()).toMatchObject({ cuid: 'alice' });
    expect(me.status).toBe(200);
    expect(basic.status).toBe(401);
    expect(twice.status).toBe(401);
    expect(JSON.parse(twice.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it('item 5: a wrong X-Brand-Id is refused by the handler alone, and never cached for the token', async () => {
    const token = await signIn('alice');
    const bearer = { authorization: `Bearer ${token}` };

    const mismatch = await call('/v1/me', { ...bearer, 'X-Brand-Id': 'other-brand' });
    const after = await call('/v1/me', bearer);
    const named = await call('/v1/me', { ...bearer, 'x-brand-id': stack.brandId });

    expect(mismatch.status).toBe(403);
    expect(await mismatch.json()).toMatchObject({ error: { code: 'BRAND_MISMATCH' } });
    expect(mismatch.headers.get('x-local-authorizer-cache')).toBe('miss');
    expect(after.status).toBe(200);
    expect(after.headers.get('x-local-authorizer-cache')).toBe('hit');
    expect(named.status).toBe(200);
  });

  it('item 5: a failing revocation store is 503 AUTHORIZER_UNAVAILABLE with Retry-After, never a 401 or a cached Deny', async () => {
    const token = await signIn('alice');
    const table = stack.env[EnvNames.REVOCATIONS_TABLE] ?? '';
    await dynamo.send(new DeleteTableCommand({ TableName: table }));
    let down: Response;
    try {
      down = await call('/v1/me', { authorization: `Bearer ${token}` });
    } finally {
      await createGatewayTables(dynamo, {
        brands: stack.env[EnvNames.BRANDS_TABLE] ?? '',
        links: stack.env[EnvNames.LINKS_TABLE] ?? '',
        revocations: table,
      });
    }
    const back = await call('/v1/me', { authorization: `Bearer ${token}` });

    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('2');
    expect(await down.json()).toMatchObject({ error: { code: 'AUTHORIZER_UNAVAILABLE' } });
    expect(back.status).toBe(200);
    // Nothing was cached for the failure: the authorizer ran again.
    expect(back.headers.get('x-local-authorizer-cache')).toBe('miss');
  });

  it('item 5: an expired token is refused by the handlers even while API Gateway still holds its Allow', async () => {
    const token = await signIn('alice');
    expect((await call('/v1/me', { authorization: `Bearer ${token}` })).status).toBe(200);
    // The development CIAM issues 900 s tokens and the demo brand allows 60 s of skew: 1,000 s later the
    // token is expired, while the emulator (whose clock is Date too) still holds its Allow for 3,600 s.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 1_000_000);
      const expired = await call('/v1/me', { authorization: `Bearer ${token}` });

      expect(expired.headers.get('x-local-authorizer-cache')).toBe('hit');
      expect(expired.status).toBe(401);
      expect(await expired.json()).toMatchObject({ error: { code: 'TOKEN_EXPIRED' } });
    } finally {
      vi.useRealTimers();
    }
  });

  it('item 3: a second brand claiming the demo brand issuer and audience is refused, and demo logins keep working', async () => {
    const url = (id: string) => `${gateway}/v1/admin/brands/${id}`;
    const headers = { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' };
    const demo = (await (await fetch(url(stack.brandId), { headers })).json()) as Record<string, unknown>;
    const { version: _version, ...document } = demo;
    const capillary = document.capillary as Record<string, unknown>;
    const rival = {
      ...document,
      brandId: 'rival',
      clientId: 'rival-app',
      capillary: { ...capillary, credentialsParameter: undefined },
      secrets: { capillary: { key: 'k', secret: 's' } },
    };

    const refused = await fetch(url('rival'), { method: 'PUT', headers, body: JSON.stringify(rival) });
    const token = await signIn('alice');
    const me = await call('/v1/me', { authorization: `Bearer ${token}` });

    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('BRAND_AUDIENCE_TAKEN');
    expect(body.error.message).toContain(`brand ${stack.brandId}`);
    expect((await fetch(url('rival'), { headers })).status).toBe(404);
    expect(me.status).toBe(200);
  });
});
