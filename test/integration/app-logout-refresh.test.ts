// Issue 21 item 6 through the real logout handler against a real oidc-provider login: app logout with either
// credential ends the login (both tokens refused by the authorizer), and a refresh token the app sends is
// revoked at the CIAM (RFC 7009, revocation_endpoint from discovery, as the app: Basic with its secret from
// the brand's SSM parameter for a confidential client, client_id for a public one), the answer saying whether it
// could. Without it, a token refreshed one second after the logout is accepted: the refresh is what must end.
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as createAuthorizerHandler } from '../../functions/authorizer/handler.js';
import { createHandler as createLogoutHandler } from '../../functions/logout/handler.js';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { guardedFetch } from '../../shared/adapters/guarded-http.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { parseAuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';
import { createLogger } from '../../shared/observability/logger.js';
import { InMemoryRevocationStore } from '../../shared/revocation/in-memory-revocation-store.js';
import { ProviderTokenRevoker } from '../../shared/revocation/provider-revocation.js';
import { authorizedEvent, lambdaContext } from '../support/events.js';
import { authorizerEvent, makeBrand } from '../support/jwt.js';

const API = 'https://api.refresh.test';
const APP = { clientId: 'web-app', clientSecret: 'web-secret', redirectUri: 'http://127.0.0.1/cb' };
const SPA = { clientId: 'spa-app', redirectUri: 'http://127.0.0.1/cb' };
const SECRETS = '/ciam-gateway/test/brands/brand-a/ciam-clients';

let ciam: DevCiam;
let brand: BrandConfig;
let secrets: InMemorySecretSource;
let authorize: ReturnType<typeof createAuthorizerHandler>;
let logout: ReturnType<typeof createLogoutHandler>;
const audit = new InMemoryAuditLog();

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  ciam = await startDevCiam({
    accounts: Object.fromEntries(['u1', 'u2', 'u3', 'u4', 'u5'].map((sub) => [sub, { given_name: sub }])),
    clients: [
      { clientId: APP.clientId, clientSecret: APP.clientSecret, redirectUris: [APP.redirectUri] },
      { clientId: SPA.clientId, redirectUris: [SPA.redirectUri] },
    ],
    apiResource: API,
  });
  brand = makeBrand({
    issuer: ciam.issuer,
    jwksUri: ciam.jwksUri,
    userInfoEndpoint: ciam.userInfoEndpoint,
    clientId: APP.clientId,
    clientIds: [SPA.clientId],
    applicationId: API,
    acceptIdTokens: true,
    clientSecretsParameter: SECRETS,
  });
  secrets = new InMemorySecretSource({ [SECRETS]: JSON.stringify({ [APP.clientId]: APP.clientSecret }) });
  const store = new InMemoryRevocationStore({ now: Date.now });
  const cache = new JwksCache(ciam.jwksUri, { fetch: (input, init) => globalThis.fetch(input, init), now: Date.now });
  const brands = new InMemoryBrandDirectory([brand]);
  authorize = createAuthorizerHandler({
    brandDirectory: brands,
    revocationChecker: store,
    auditLog: new InMemoryAuditLog(),
    logger: createLogger('refresh-test'),
    now: Date.now,
    jwks: () => cache,
  });
  logout = createLogoutHandler({
    store,
    brands,
    audit,
    now: Date.now,
    logger: createLogger('refresh-test'),
    jwks: () => cache,
    // The production transport (connect-time address check), on the loopback policy of the local stage.
    refreshTokens: new ProviderTokenRevoker({ fetch: guardedFetch({ policy: { allowLoopback: true } }), secrets }),
  });
});
afterAll(() => ciam.close());

async function effect(token: string): Promise<string> {
  try {
    const result = (await authorize(
      authorizerEvent({ Authorization: `Bearer ${token}` }),
      lambdaContext,
    )) as APIGatewayAuthorizerResult;
    return result.context?.revoked ? 'Revoked' : (result.policyDocument.Statement[0]?.Effect ?? 'none');
  } catch {
    return 'Unauthorized';
  }
}

async function logoutWith(bearer: string, body: Record<string, unknown>) {
  const allowed = (await authorize(
    authorizerEvent({ Authorization: `Bearer ${bearer}` }),
    lambdaContext,
  )) as APIGatewayAuthorizerResult;
  const result = await logout(
    authorizedEvent(parseAuthorizerContext(allowed.context), {
      httpMethod: 'POST',
      path: '/v1/auth/logout',
      headers: { Authorization: `Bearer ${bearer}` },
      body: JSON.stringify(body),
    }),
    lambdaContext,
  );
  return { status: result.statusCode, body: result.body === '' ? undefined : JSON.parse(result.body) };
}

/** The app's refresh at the CIAM: 200 with new tokens, or the CIAM's refusal. */
async function refresh(client: { clientId: string; clientSecret?: string }, refreshToken: string) {
  const response = await fetch(`${ciam.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(client.clientSecret
        ? { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}` }
        : {}),
    },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      ...(client.clientSecret ? {} : { client_id: client.clientId }),
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('issue 21 item 6: app logout ends the login', () => {
  it('the refresh token is revoked at the CIAM (confidential app, Basic with its secret from SSM), and the answer says so', async () => {
    const tokens = await loginWithCode(ciam, APP, 'u1');
    expect(tokens.refreshToken).toBeDefined();
    const answer = await logoutWith(tokens.accessToken, { refresh_token: tokens.refreshToken });
    expect(answer).toEqual({ status: 200, body: { refreshToken: { revoked: true } } });
    expect(await effect(tokens.accessToken)).toBe('Revoked');
    expect(await effect(tokens.idToken)).toBe('Revoked');
    // No new token after the logout: the CIAM refuses the refresh.
    const refused = await refresh(APP, tokens.refreshToken ?? '');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_grant');
  });

  it('a public app (no secret) is revoked with its client_id, the client the token was issued to', async () => {
    const tokens = await loginWithCode(ciam, SPA, 'u2');
    const answer = await logoutWith(tokens.idToken, { refresh_token: tokens.refreshToken });
    expect(answer.body).toEqual({ refreshToken: { revoked: true } });
    expect((await refresh(SPA, tokens.refreshToken ?? '')).status).toBe(400);
    expect(await effect(tokens.accessToken)).toBe('Revoked');
  });

  it('without the refresh token, a token refreshed after the logout still works: what an app logout cannot end', async () => {
    const tokens = await loginWithCode(ciam, APP, 'u3');
    expect((await logoutWith(tokens.accessToken, {})).status).toBe(204);
    // Two seconds later (revocations have second resolution; the clock is moved, not slept on), the app refreshes.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 2_000);
      const renewed = await refresh(APP, tokens.refreshToken ?? '');
      expect(renewed.status).toBe(200);
      expect(await effect(String(renewed.body.access_token))).toBe('Allow');
    } finally {
      vi.useRealTimers();
    }
  });

  it('says why when the CIAM refuses the app (a wrong secret in SSM), and still logs out at the gateway', async () => {
    const tokens = await loginWithCode(ciam, APP, 'u4');
    secrets.set(SECRETS, JSON.stringify({ [APP.clientId]: 'not-the-secret' }));
    try {
      const answer = await logoutWith(tokens.accessToken, { refresh_token: tokens.refreshToken });
      expect(answer).toEqual({ status: 200, body: { refreshToken: { revoked: false, reason: 'CLIENT_AUTH_FAILED' } } });
      expect(await effect(tokens.accessToken)).toBe('Revoked');
      expect((await refresh(APP, tokens.refreshToken ?? '')).status).toBe(200);
      expect(audit.events.at(-1)).toMatchObject({ type: 'logout', outcome: 'failure', reason: 'CLIENT_AUTH_FAILED' });
    } finally {
      secrets.set(SECRETS, JSON.stringify({ [APP.clientId]: APP.clientSecret }));
    }
  });

  it('refuses a refresh_token that is not a string (400 naming it), before revoking anything', async () => {
    const tokens = await loginWithCode(ciam, APP, 'u5');
    const answer = await logoutWith(tokens.accessToken, { refresh_token: 42 });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details[0].field).toBe('refresh_token');
    expect(await effect(tokens.accessToken)).toBe('Allow');
  });
});
