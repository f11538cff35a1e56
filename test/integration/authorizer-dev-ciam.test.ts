// The authorizer against the real development CIAM (oidc-provider on loopback): its ID tokens, JWT access
// tokens and client-credentials tokens are allowed, with the JWKS fetched over HTTP once.
import { hashSubject } from '../../shared/audit/redaction.js';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevCiam, clientCredentialsToken, loginWithCode, startDevCiam } from '../../local/dev-ciam.js';
import { createHandler } from '../../functions/authorizer/handler.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { parseAuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createLogger } from '../../shared/observability/logger.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { lambdaContext } from '../support/events.js';
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
    });
    handler = createHandler({
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

  it('allows its ID token and its JWT access token as the same user', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'cust-1');
    for (const token of [tokens.idToken, tokens.accessToken]) {
      const result = await decide(token);
      expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
      expect(result.principalId).toBe(`brand-a|${hashSubject('brand-a', 'cust-1')}`);
      expect(parseAuthorizerContext(result.context)).toMatchObject({
        sub: 'cust-1',
        principalType: 'user',
        brandId: 'brand-a',
      });
    }
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
