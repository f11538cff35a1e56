// The authorizer against the real development CIAM (oidc-provider on loopback): its JWT access tokens and
// client-credentials tokens are allowed, with the JWKS fetched over HTTP once; its ID tokens only for a brand
// that accepts them, and app logout with the ID token as `id_token_hint` ends every token of that login.
import { hashSubject } from '../../shared/audit/redaction.js';
import { TEST_SUBJECT_KEY, testSubjectHasher } from '../support/subject-key.js';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { clientCredentialsToken } from '../support/dev-ciam-session.js';
import { createHandler } from '../../functions/authorizer/handler.js';
import { createHandler as createLogoutHandler } from '../../functions/logout/handler.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { parseAuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createLogger } from '../../shared/observability/logger.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryRevocationStore } from '../../shared/revocation/in-memory-revocation-store.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { authorizedEvent, lambdaContext } from '../support/events.js';
import { authorizerEvent, makeBrand } from '../support/jwt.js';

const API = 'https://api.demo.loyalty.test';
const CLIENT = { clientId: 'demo-app', clientSecret: 'demo-secret', redirectUri: 'http://127.0.0.1/cb' };

describe('authorizer with the development CIAM', () => {
  let ciam: DevCiam;
  let handler: ReturnType<typeof createHandler>;
  let fetches = 0;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    ciam = await startDevCiam({
      accounts: {
        'cust-1': { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com', email_verified: true },
      },
      clients: [{ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] }],
      apiResource: API,
    });
    const brand = makeBrand({
      issuer: ciam.issuer,
      jwksUri: ciam.jwksUri,
      userInfoEndpoint: ciam.userInfoEndpoint,
      clientId: CLIENT.clientId,
      applicationId: API,
    });
    const cache = new JwksCache(ciam.jwksUri, {
      fetch: (url, init) => {
        fetches++;
        return fetch(url, init);
      },
      now: Date.now,
    });
    handler = createHandler({
      subjectHasher: testSubjectHasher,
      brandDirectory: new InMemoryBrandDirectory([brand]),
      revocationChecker: NeverRevoked,
      auditLog: new InMemoryAuditLog(),
      logger: createLogger('authorizer-dev-ciam'),
      now: Date.now,
      jwks: () => cache,
    });
  });
  afterAll(() => ciam.close());

  async function decide(token: string) {
    return (await handler(
      authorizerEvent({ Authorization: `Bearer ${token}` }),
      lambdaContext,
    )) as APIGatewayAuthorizerResult;
  }

  it('allows its JWT access token and refuses its ID token by default', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    const result = await decide(tokens.accessToken);
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(result.principalId).toBe(`brand-a|${hashSubject(TEST_SUBJECT_KEY, 'brand-a', 'cust-1')}`);
    expect(parseAuthorizerContext(result.context)).toMatchObject({
      sub: 'cust-1',
      principalType: 'user',
      brandId: 'brand-a',
    });
    await expect(decide(tokens.idToken)).rejects.toThrow('Unauthorized');
    expect(fetches).toBe(1);
  });

  it('allows a client-credentials token as a client principal', async () => {
    const token = await clientCredentialsToken(ciam, CLIENT, API);
    const result = await decide(token);
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(parseAuthorizerContext(result.context)).toMatchObject({ principalType: 'client', sub: CLIENT.clientId });
  });

  it('refuses its token with one character changed', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    const t = tokens.accessToken;
    const tampered = `${t.slice(0, 30)}${t[30] === 'A' ? 'B' : 'A'}${t.slice(31)}`;
    await expect(decide(tampered)).rejects.toThrow('Unauthorized');
  });
});

describe('app logout with id_token_hint against the development CIAM', () => {
  let ciam: DevCiam;
  let brand: BrandConfig;
  let store: InMemoryRevocationStore;
  let authorize: ReturnType<typeof createHandler>;
  let logout: ReturnType<typeof createLogoutHandler>;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    ciam = await startDevCiam({
      accounts: {
        'cust-1': { given_name: 'Ada' },
        'cust-2': { given_name: 'Grace' },
        'cust-3': { given_name: 'Alan' },
        'cust-4': { given_name: 'Barbara' },
      },
      // A back-channel logout client gets `sid` in its ID tokens (never called here: no CIAM logout happens).
      clients: [{ ...CLIENT, redirectUris: [CLIENT.redirectUri], backchannelLogoutUri: 'http://127.0.0.1:9/bcl' }],
      apiResource: API,
    });
    // A brand that accepts ID tokens too (its client id joins the audiences by default).
    brand = makeBrand({
      issuer: ciam.issuer,
      jwksUri: ciam.jwksUri,
      userInfoEndpoint: ciam.userInfoEndpoint,
      clientId: CLIENT.clientId,
      applicationId: API,
      acceptIdTokens: true,
    });
    store = new InMemoryRevocationStore({ now: Date.now });
    const cache = new JwksCache(ciam.jwksUri, { fetch, now: Date.now });
    const brands = new InMemoryBrandDirectory([brand]);
    authorize = createHandler({
      subjectHasher: testSubjectHasher,
      brandDirectory: brands,
      revocationChecker: store,
      auditLog: new InMemoryAuditLog(),
      logger: createLogger('authorizer-dev-ciam'),
      now: Date.now,
      jwks: () => cache,
    });
    logout = createLogoutHandler({
      store,
      brands,
      audit: new InMemoryAuditLog(),
      now: Date.now,
      logger: createLogger('logout-dev-ciam'),
      jwks: () => cache,
    });
  });
  afterAll(() => ciam.close());

  async function effect(token: string): Promise<string> {
    try {
      const result = (await authorize(
        authorizerEvent({ Authorization: `Bearer ${token}` }),
        lambdaContext,
      )) as APIGatewayAuthorizerResult;
      // A revoked token passes marked `revoked` (the handlers answer it 401 TOKEN_REVOKED).
      if (result.context?.revoked) return 'Revoked';
      return result.policyDocument.Statement[0]?.Effect ?? 'none';
    } catch {
      return 'Unauthorized';
    }
  }

  async function logoutWith(accessToken: string, body: Record<string, unknown>) {
    const allowed = (await authorize(
      authorizerEvent({ Authorization: `Bearer ${accessToken}` }),
      lambdaContext,
    )) as APIGatewayAuthorizerResult;
    const auth = parseAuthorizerContext(allowed.context);
    return logout(
      authorizedEvent(auth, { httpMethod: 'POST', path: '/v1/auth/logout', body: JSON.stringify(body) }),
      lambdaContext,
    );
  }

  it('allows both tokens of a login when the brand accepts ID tokens', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    expect(await effect(tokens.accessToken)).toBe('Allow');
    expect(await effect(tokens.idToken)).toBe('Allow');
  });

  it('issue 21 item 6: a logout with the access token alone (no sid) ends the ID token of the login too', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-3');
    expect(await effect(tokens.idToken)).toBe('Allow');
    expect((await logoutWith(tokens.accessToken, {})).statusCode).toBe(204);
    expect(await effect(tokens.accessToken)).toBe('Revoked');
    // The access token cannot name the login's session: the user's tokens issued up to now are revoked.
    expect(await effect(tokens.idToken)).toBe('Revoked');
  });

  it('issue 21 item 6: a logout with the ID token ends the access token of the login too', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-4');
    expect((await logoutWith(tokens.idToken, {})).statusCode).toBe(204);
    expect(await effect(tokens.idToken)).toBe('Revoked');
    expect(await effect(tokens.accessToken)).toBe('Revoked');
  });

  it('with the ID token as id_token_hint revokes the whole session: every token of that login stops working', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    const other = await loginWithCode(ciam, CLIENT, 'cust-1');
    const response = await logoutWith(tokens.accessToken, { id_token_hint: tokens.idToken });
    expect(response.statusCode).toBe(204);
    expect(await effect(tokens.accessToken)).toBe('Revoked');
    expect(await effect(tokens.idToken)).toBe('Revoked');
    // Another login of the same user is another session.
    expect(await effect(other.idToken)).toBe('Allow');
  });

  it("refuses another user's or a forged ID token as hint with 400 and revokes nothing", async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    const stranger = await loginWithCode(ciam, CLIENT, 'cust-2');
    for (const hint of [stranger.idToken, `${tokens.idToken.slice(0, -4)}AAAA`]) {
      const response = await logoutWith(tokens.accessToken, { id_token_hint: hint });
      expect(response.statusCode).toBe(400);
      expect(JSON.parse(response.body).error.details[0].field).toBe('id_token_hint');
    }
    expect(await effect(tokens.accessToken)).toBe('Allow');
    expect(await effect(stranger.idToken)).toBe('Allow');
  });
});
