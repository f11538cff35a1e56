import { hashSubject } from '../../shared/audit/redaction.js';
import { TEST_SUBJECT_KEY, testSubjectHasher } from '../support/subject-key.js';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/authorizer/handler.js';
import { AuthorizerUnavailableError } from '../../shared/auth/authorize-request.js';
import { ErrorCodes, GatewayError, ServiceUnavailableError } from '../../shared/errors.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { parseAuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import type { RevocationChecker } from '../../shared/revocation/revocation-checker.js';
import { lambdaContext } from '../support/events.js';
import {
  accessClaims,
  authorizerEvent,
  generateTestKey,
  type JwksServer,
  makeBrand,
  NOW_MS,
  signJwt,
  startJwksServer,
} from '../support/jwt.js';

const key = generateTestKey('RS256', 'k1');
const rotated = generateTestKey('ES256', 'k2');
let server: JwksServer;
let brand: BrandConfig;
let directory: InMemoryBrandDirectory;
let audit: InMemoryAuditLog;
let revocation: { check: ReturnType<typeof vi.fn> };
let clock: { now: number };
let caches: Map<string, JwksCache>;
let output: string[];

beforeAll(async () => {
  server = await startJwksServer({ keys: [key.jwk] });
});
afterAll(() => server.close());

beforeEach(() => {
  server.jwks = { keys: [key.jwk] };
  server.mode = 'ok';
  server.requests = 0;
  brand = makeBrand({ jwksUri: server.uri });
  directory = new InMemoryBrandDirectory([brand]);
  audit = new InMemoryAuditLog();
  revocation = { check: vi.fn(async () => undefined) };
  clock = { now: NOW_MS };
  caches = new Map();
  output = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function handler() {
  return createHandler({
    subjectHasher: testSubjectHasher,
    brandDirectory: directory,
    revocationChecker: revocation as unknown as RevocationChecker,
    auditLog: audit,
    logger: new Logger({ serviceName: 'authorizer-test', logLevel: 'INFO' }),
    now: () => clock.now,
    jwks: (uri) => {
      let cache = caches.get(uri);
      if (!cache) {
        // The JWKS timeout stays the cache's own: a hang of the server ends at once through server.fetch.
        cache = new JwksCache(uri, { fetch: server.fetch, now: () => clock.now });
        caches.set(uri, cache);
      }
      return cache;
    },
  });
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function decide(
  h: ReturnType<typeof handler>,
  headers: Record<string, string>,
  multi?: Record<string, string[]>,
) {
  return (await h(authorizerEvent(headers, multi), lambdaContext)) as APIGatewayAuthorizerResult;
}

async function expectUnauthorized(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).constructor).toBe(Error);
  expect((error as Error).message).toBe('Unauthorized');
}

/** A peer failure: thrown as something other than `Unauthorized`, so API Gateway answers 503 and caches nothing. */
async function expectUnavailable(promise: Promise<unknown>, reason: string) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AuthorizerUnavailableError);
  expect((error as Error).message).not.toBe('Unauthorized');
  expect((error as AuthorizerUnavailableError).reason).toBe(reason);
}

describe('authorizer handler', () => {
  it('allows a valid token with a stage-wide policy, a stable principal and a flat context', async () => {
    const token = signJwt(accessClaims(brand), key);
    const result = await decide(handler(), bearer(token));
    expect(result.principalId).toBe(`brand-a|${hashSubject(TEST_SUBJECT_KEY, 'brand-a', 'user-1')}`);
    expect(result.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*/*',
      },
    ]);
    const context = parseAuthorizerContext(result.context);
    expect(context).toMatchObject({
      brandId: 'brand-a',
      orgId: 100,
      sub: 'user-1',
      principalType: 'user',
      sid: 'sid-1',
    });
    for (const value of Object.values(result.context ?? {}))
      expect(['string', 'number', 'boolean']).toContain(typeof value);
    expect(audit.events).toEqual([
      expect.objectContaining({ type: 'authz.decision', outcome: 'allow', reason: 'ALLOWED', brandId: 'brand-a' }),
    ]);
  });

  it('never writes the token to the log, only its hash prefix and a reason code', async () => {
    const token = signJwt(accessClaims(brand), key);
    const h = handler();
    await decide(h, bearer(token));
    await expectUnauthorized(decide(h, bearer(`${token}x`)));
    const log = output.join('');
    expect(log).toContain('"reason":"ALLOWED"');
    expect(log).toContain('"reason":"TOKEN_MALFORMED"');
    expect(log).not.toContain(token.split('.')[1]);
    expect(log).not.toContain(token.split('.')[2]);
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic scheme', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['Bearer without token', { Authorization: 'Bearer ' }],
    ['two tokens in one value', { Authorization: 'Bearer a.b.c, Bearer d.e.f' }],
    ['a garbage token', { Authorization: 'Bearer not-a-jwt' }],
  ])('answers Unauthorized for %s', async (_name, headers) => {
    await expectUnauthorized(decide(handler(), headers));
    expect(audit.events[0]).toMatchObject({ outcome: 'deny' });
  });

  it('answers Unauthorized for several Authorization values', async () => {
    const token = signJwt(accessClaims(brand), key);
    await expectUnauthorized(
      decide(handler(), bearer(token), { Authorization: [`Bearer ${token}`, `Bearer ${token}`] }),
    );
    await expectUnauthorized(
      decide(handler(), { Authorization: `Bearer ${token}`, authorization: `Bearer ${token}` }, {}),
    );
    expect(audit.events.map((e) => e.reason)).toEqual(['AUTHORIZATION_MULTIPLE', 'AUTHORIZATION_MULTIPLE']);
  });

  it('answers Unauthorized for an expired token', async () => {
    const token = signJwt(accessClaims(brand), key);
    clock.now += 3_600_000;
    await expectUnauthorized(decide(handler(), bearer(token)));
    expect(audit.events[0]?.reason).toBe('TOKEN_EXPIRED');
  });

  it('allows a valid token of a disabled brand: brand status is not a property of the token (handlers refuse it)', async () => {
    directory.put(makeBrand({ jwksUri: server.uri, status: 'disabled' }));
    const result = await decide(handler(), bearer(signJwt(accessClaims(brand), key)));
    expect(result.policyDocument.Statement[0]).toMatchObject({ Effect: 'Allow' });
  });

  it('ignores X-Brand-Id: a cached Deny for a header would outlive the request (handlers check it)', async () => {
    const token = signJwt(accessClaims(brand), key);
    const h = handler();
    expect((await decide(h, { ...bearer(token), 'x-brand-id': 'brand-b' })).policyDocument.Statement[0]?.Effect).toBe(
      'Allow',
    );
    expect((await decide(h, { ...bearer(token), 'X-Brand-Id': 'brand-a' })).policyDocument.Statement[0]?.Effect).toBe(
      'Allow',
    );
    expect(audit.events.map((e) => e.reason)).toEqual(['ALLOWED', 'ALLOWED']);
  });

  it('reads the bearer scheme in any letter case and refuses several Authorization values', async () => {
    const token = signJwt(accessClaims(brand), key);
    const h = handler();
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await decide(h, { Authorization: `${scheme} ${token}` })).policyDocument.Statement[0]?.Effect).toBe(
        'Allow',
      );
    }
    await expectUnauthorized(decide(h, {}, { Authorization: [`Bearer ${token}`, `Bearer ${token}`] }));
    await expectUnauthorized(decide(h, { Authorization: `Basic ${token}` }));
    expect(audit.events.slice(-2).map((e) => e.reason)).toEqual(['AUTHORIZATION_MULTIPLE', 'AUTHORIZATION_SCHEME']);
  });

  it('marks a revoked token for the handlers (401 TOKEN_REVOKED) and checks revocation on every call', async () => {
    const token = signJwt(accessClaims(brand), key);
    const h = handler();
    expect((await decide(h, bearer(token))).policyDocument.Statement[0]?.Effect).toBe('Allow');
    revocation.check.mockResolvedValue('SESSION_REVOKED');
    const denied = await decide(h, bearer(token));
    // Not an explicit Deny (API Gateway's 403): the handlers' one answer to a revoked token is 401 TOKEN_REVOKED.
    expect(denied.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(denied.context?.revoked).toBe('SESSION_REVOKED');
    expect(audit.events.at(-1)).toMatchObject({ outcome: 'deny', reason: 'SESSION_REVOKED' });
    expect(revocation.check).toHaveBeenLastCalledWith({
      brandId: 'brand-a',
      sub: 'user-1',
      sid: 'sid-1',
      jti: 'jti-1',
      iat: expect.any(Number),
      brandRevision: '',
    });
    expect(audit.events.at(-1)?.reason).toBe('SESSION_REVOKED');
  });

  it('throws (no cacheable Deny, no 401) when the revocation list cannot be read', async () => {
    revocation.check.mockRejectedValue(new Error('dynamo down'));
    await expectUnavailable(decide(handler(), bearer(signJwt(accessClaims(brand), key))), 'REVOCATION_UNAVAILABLE');
    expect(audit.events[0]).toMatchObject({ outcome: 'failure', reason: 'REVOCATION_UNAVAILABLE', brandId: 'brand-a' });
  });

  it('throws (no 401) when the brand directory fails', async () => {
    directory.findByIssuer = async () => {
      throw new GatewayError(503, ErrorCodes.CONFIG_UNAVAILABLE, 'down');
    };
    await expectUnavailable(decide(handler(), bearer(signJwt(accessClaims(brand), key))), 'CONFIG_UNAVAILABLE');
    directory.findByIssuer = async () => {
      throw new Error('bug');
    };
    await expectUnavailable(decide(handler(), bearer(signJwt(accessClaims(brand), key))), 'VERIFIER_ERROR');
    expect(audit.events.map((e) => e.reason)).toEqual(['CONFIG_UNAVAILABLE', 'VERIFIER_ERROR']);
  });

  it('marks a client-credentials token as a client principal', async () => {
    const token = signJwt(accessClaims(brand, { sub: 'svc', client_id: 'svc', sid: undefined }), key);
    const result = await decide(handler(), bearer(token));
    expect(result.context).toMatchObject({ principalType: 'client', sub: 'svc', sid: '' });
  });

  it('never allows a token of brand A as brand B', async () => {
    const keyB = generateTestKey('RS256', 'kb');
    const serverB = await startJwksServer({ keys: [keyB.jwk] });
    try {
      const brandB = makeBrand({
        brandId: 'brand-b',
        issuer: 'https://ciam.brand-b.test',
        clientId: 'b-app',
        jwksUri: serverB.uri,
      });
      directory.put(brandB);
      const h = handler();
      const tokenA = signJwt(accessClaims(brand), key);
      const forgedB = signJwt(accessClaims(brandB), key); // A's key, B's claims
      expect((await decide(h, bearer(tokenA))).principalId).toBe(
        `brand-a|${hashSubject(TEST_SUBJECT_KEY, 'brand-a', 'user-1')}`,
      );
      await expectUnauthorized(decide(h, bearer(forgedB)));
      // X-Brand-Id cannot re-label it either: the context keeps the token's own brand for the handlers' check.
      expect((await decide(h, { ...bearer(tokenA), 'X-Brand-Id': 'brand-b' })).context).toMatchObject({
        brandId: 'brand-a',
      });
      expect((await decide(h, bearer(signJwt(accessClaims(brandB), keyB)))).principalId).toBe(
        `brand-b|${hashSubject(TEST_SUBJECT_KEY, 'brand-b', 'user-1')}`,
      );
    } finally {
      await serverB.close();
    }
  });
});

describe('authorizer handler with a loopback JWKS endpoint', () => {
  it('accepts a new kid after rotation with exactly one refetch', async () => {
    const h = handler();
    await decide(h, bearer(signJwt(accessClaims(brand), key)));
    expect(server.requests).toBe(1);
    server.jwks = { keys: [key.jwk, rotated.jwk] };
    clock.now += 30_000;
    const result = await decide(h, bearer(signJwt(accessClaims(brand), rotated)));
    expect(result.policyDocument.Statement[0]?.Effect).toBe('Allow');
    expect(server.requests).toBe(2);
    await decide(h, bearer(signJwt(accessClaims(brand, { jti: 'again' }), rotated)));
    expect(server.requests).toBe(2);
  });

  it('stops accepting a removed key after max age (background refresh)', async () => {
    const h = handler();
    await decide(h, bearer(signJwt(accessClaims(brand), key)));
    server.jwks = { keys: [rotated.jwk] };
    clock.now += 600_000;
    const tokenOld = signJwt(accessClaims(brand, { iat: clock.now / 1000 - 10, exp: clock.now / 1000 + 300 }), key);
    await decide(h, bearer(tokenOld)); // still answered from the cached keys; the refresh runs behind it
    await caches.get(server.uri)?.whenIdle();
    await expectUnauthorized(decide(h, bearer(tokenOld)));
    expect(audit.events.at(-1)?.reason).toBe('KID_UNKNOWN');
  });

  it('keeps verifying cached keys while the endpoint is down, and fails unknown kids closed as unavailable (503, not 401)', async () => {
    const h = handler();
    await decide(h, bearer(signJwt(accessClaims(brand), key)));
    for (const mode of ['error500', 'garbage', 'hang', 'huge'] as const) {
      server.mode = mode;
      clock.now += 700_000;
      const fresh = { iat: clock.now / 1000 - 5, exp: clock.now / 1000 + 300 };
      const ok = await decide(h, bearer(signJwt(accessClaims(brand, { ...fresh, jti: mode }), key)));
      expect(ok.policyDocument.Statement[0]?.Effect).toBe('Allow');
      await caches.get(server.uri)?.whenIdle();
      // Issue 21 item 8: the new key may be on the JWKS the gateway could not read: retry, never drop the session.
      await expectUnavailable(decide(h, bearer(signJwt(accessClaims(brand, fresh), rotated))), 'JWKS_UNAVAILABLE');
      expect(audit.events.at(-1)?.reason).toBe('JWKS_UNAVAILABLE');
    }
    expect(caches.get(server.uri)?.stats().failures).toBe(4);
  });

  it('fails closed on a cold start while the endpoint is down, without blaming the token (no 401)', async () => {
    server.mode = 'error500';
    const h = handler();
    await expectUnavailable(decide(h, bearer(signJwt(accessClaims(brand), key))), 'JWKS_UNAVAILABLE');
    await expectUnavailable(decide(h, bearer(signJwt(accessClaims(brand), key))), 'JWKS_UNAVAILABLE');
    expect(audit.events.map((e) => e.reason)).toEqual(['JWKS_UNAVAILABLE', 'JWKS_UNAVAILABLE']);
    expect(server.requests).toBe(1);
  });
});

describe('issue 21 item 8: an iss no brand can hold', () => {
  it('is 401 ISSUER_UNKNOWN before any lookup, never a 503 from a store refusing the oversized key', async () => {
    const lookups: string[] = [];
    // The brand store refuses index keys over 2,048 bytes (as DynamoDB does): a lookup would be an outage.
    directory.findByIssuer = async (issuer: string) => {
      lookups.push(issuer);
      if (Buffer.byteLength(issuer) > 2048) {
        throw new ServiceUnavailableError(ErrorCodes.CONFIG_UNAVAILABLE, 'key too large');
      }
      return [];
    };
    const h = handler();
    for (const iss of [`https://x.test/${'a'.repeat(3000)}`, 'http://ciam.brand-a.test', 'ciam.brand-a.test']) {
      await expectUnauthorized(decide(h, bearer(signJwt(accessClaims(brand, { iss }), key))));
      expect(audit.events.at(-1)?.reason).toBe('ISSUER_UNKNOWN');
    }
    expect(lookups).toEqual([]);
  });
});
