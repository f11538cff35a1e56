// The token diagnosis (issue 24 item 2): for every refusal reason of the access-token verifier, the revocation list
// and the peers, the diagnosis names the same reason code the authorizer decides (it runs that decision, traced),
// says at which check it stopped, what the app gets and what to do; it shows only what the token carries.
import { describe, expect, it } from 'vitest';
import { createRequestAuthorizer } from '../../../shared/auth/authorize-request.js';
import { TokenError, TokenErrorReasons } from '../../../shared/auth/token-error.js';
import { type BrandDirectory, InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { ErrorCodes, ServiceUnavailableError } from '../../../shared/errors.js';
import { diagnoseToken, type TokenDiagnosisDeps } from '../../../shared/golive/token-diagnosis.js';
import { NeverRevoked, type RevocationChecker } from '../../../shared/revocation/revocation-checker.js';
import {
  accessClaims,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  NOW_S,
  signJwt,
  type TestKey,
} from '../../support/jwt.js';

const rsKey = generateTestKey('RS256', 'k-rs');
const esKey = generateTestKey('ES256', 'k-es');
const psKey = generateTestKey('PS256', 'k-ps');
const weakKey = generateTestKey('RS256', 'k-weak', { bits: 1024 });
const encKey = { ...generateTestKey('RS256', 'k-enc') };
encKey.jwk = { ...encKey.publicKey.export({ format: 'jwk' }), kid: 'k-enc', use: 'enc' };
const attackerKey = generateTestKey('RS256', 'k-rs');
const JWKS = { keys: [rsKey, esKey, psKey, weakKey, encKey].map((key) => key.jwk) };

const brand = makeBrand({ allowedAlgorithms: ['RS256', 'ES256'] });
const twin = makeBrand({ brandId: 'brand-twin', clientId: 'twin-app', acceptedAudiences: [brand.applicationId] });
const cognito = makeBrand({
  brandId: 'brand-c',
  issuer: 'https://cognito.brand-c.test',
  audienceClaim: 'client_id',
  applicationId: 'c-app',
  clientId: 'c-app',
});

interface Case {
  token: () => string;
  /** Other deps for this case (a second brand, a failing peer). */
  deps?: Partial<TokenDiagnosisDeps>;
}

const sign = (extra: Record<string, unknown> = {}, key: TestKey = rsKey, header: Record<string, unknown> = {}) =>
  signJwt(accessClaims(brand, extra), key, { header });

/** One token per reason code the authorizer can give an access credential (logout-only reasons aside). */
const CASES: Record<string, Case> = {
  ALLOWED: { token: () => sign() },
  TOKEN_TOO_LARGE: { token: () => `${'a'.repeat(9000)}.b.c` },
  TOKEN_MALFORMED: { token: () => 'abc.def' },
  HEADER_INVALID: { token: () => sign({}, rsKey, { alg: 5 }) },
  ALG_NONE: { token: () => sign({}, rsKey, { alg: 'none' }) },
  CRIT_UNSUPPORTED: { token: () => sign({}, rsKey, { crit: ['exp'] }) },
  B64_UNSUPPORTED: { token: () => sign({}, rsKey, { b64: false }) },
  KID_INVALID: { token: () => sign({}, rsKey, { kid: '../etc' }) },
  TYP_INVALID: { token: () => sign({}, rsKey, { typ: 'secevent+jwt' }) },
  LOGOUT_TOKEN_REJECTED: { token: () => sign({ events: {} }) },
  ISSUER_UNKNOWN: { token: () => sign({ iss: `${brand.issuer}/` }) },
  AUDIENCE_INVALID: { token: () => sign({ aud: 'https://api.other.test' }) },
  BRAND_AMBIGUOUS: {
    token: () => sign(),
    deps: { brandDirectory: new InMemoryBrandDirectory([brand, twin]) },
  },
  ID_TOKEN_REJECTED: { token: () => sign({ nonce: 'n-1' }) },
  TOKEN_USE_INVALID: {
    token: () => signJwt({ ...accessClaims(cognito), aud: undefined, client_id: 'c-app', token_use: 'refresh' }, rsKey),
    deps: { brandDirectory: new InMemoryBrandDirectory([brand, cognito]) },
  },
  ALG_NOT_ALLOWED: { token: () => sign({}, psKey) },
  KID_MISSING: { token: () => sign({}, rsKey, { kid: undefined }) },
  KID_UNKNOWN: { token: () => sign({}, rsKey, { kid: 'k-gone' }) },
  KEY_ALG_MISMATCH: { token: () => sign({}, esKey, { kid: 'k-rs' }) },
  KEY_USE_INVALID: { token: () => sign({}, encKey) },
  KEY_TOO_WEAK: { token: () => sign({}, weakKey) },
  SIGNATURE_INVALID: { token: () => sign({}, attackerKey) },
  AZP_INVALID: { token: () => sign({ aud: [brand.applicationId, 'https://other.test'] }) },
  CLAIM_INVALID: { token: () => sign({ sub: 5 }) },
  EXP_MISSING: { token: () => sign({ exp: undefined }) },
  TOKEN_EXPIRED: { token: () => sign({ iat: NOW_S - 900, exp: NOW_S - 120 }) },
  IAT_MISSING: { token: () => sign({ iat: undefined }) },
  IAT_IN_FUTURE: { token: () => sign({ iat: NOW_S + 300 }) },
  NOT_YET_VALID: { token: () => sign({ nbf: NOW_S + 300 }) },
  LIFETIME_EXCEEDED: { token: () => sign({ exp: NOW_S + 10 * 86_400 }) },
  SUB_MISSING: { token: () => sign({ sub: undefined }) },
  SESSION_REVOKED: { token: () => sign(), deps: { revocationChecker: { check: async () => 'SESSION_REVOKED' } } },
  REVOCATION_UNAVAILABLE: { token: () => sign(), deps: { revocationChecker: failing() } },
  JWKS_UNAVAILABLE: {
    token: () => sign(),
    deps: {
      jwks: {
        now: () => NOW_MS,
        fetch: async () => {
          throw new TypeError('fetch failed');
        },
      },
    },
  },
  CONFIG_UNAVAILABLE: { token: () => sign(), deps: { brandDirectory: unreadable() } },
};

function failing(): RevocationChecker {
  return {
    check: async () => {
      throw new Error('DynamoDB down');
    },
  };
}

function unreadable(): BrandDirectory {
  const down = async (): Promise<never> => {
    throw new ServiceUnavailableError(ErrorCodes.CONFIG_UNAVAILABLE, 'brands table unreadable');
  };
  return { getBrand: down, findByIssuer: down };
}

function depsFor(overrides: Partial<TokenDiagnosisDeps> = {}): TokenDiagnosisDeps {
  return {
    brandDirectory: new InMemoryBrandDirectory([brand]),
    revocationChecker: NeverRevoked,
    now: () => NOW_MS,
    jwks: { fetch: memoryJwksFetch(JWKS).fetch, now: () => NOW_MS },
    ...overrides,
  };
}

/** The reason the authorizer itself decides for `token` (no trace): the diagnosis must say the same. */
async function authorizerReason(token: string, deps: TokenDiagnosisDeps): Promise<string> {
  const { JwksCache } = await import('../../../shared/auth/jwks-cache.js');
  const caches = new Map<string, InstanceType<typeof JwksCache>>();
  const decide = createRequestAuthorizer({
    brandDirectory: deps.brandDirectory,
    revocationChecker: deps.revocationChecker,
    now: deps.now,
    jwks: (uri) => {
      const cache = caches.get(uri) ?? new JwksCache(uri, deps.jwks);
      caches.set(uri, cache);
      return cache;
    },
  });
  const decision = await decide({
    headers: { Authorization: `Bearer ${token}` },
    methodArn: 'arn:aws:execute-api:eu-west-1:1:abc/prod/GET/v1/me',
  });
  return decision.reason;
}

describe('diagnoseToken', () => {
  it('covers every reason code of access tokens (a new reason needs its case here)', () => {
    const logoutOnly = ['EVENTS_INVALID', 'NONCE_PRESENT', 'SUB_OR_SID_MISSING', 'JTI_MISSING', 'TOKEN_TOO_OLD'];
    // An empty bearer never reaches the verifier: the Authorization parser refuses it (TOKEN_MALFORMED).
    const unreachable = [...logoutOnly, 'TOKEN_MISSING'];
    const verifierReasons = Object.values(TokenErrorReasons).filter((reason) => !unreachable.includes(reason));
    expect(Object.keys(CASES)).toEqual(expect.arrayContaining(verifierReasons));
  });

  it.each(Object.entries(CASES))(
    '%s: the reason the authorizer decides, where it stopped, the answer',
    async (reason, testCase) => {
      // Arrange
      const deps = depsFor(testCase.deps);
      const token = testCase.token();

      // Act
      const diagnosis = await diagnoseToken(token, {}, deps);

      // Assert: the authorizer's own reason, and the refusal as the last (failed) step
      expect(diagnosis.reason).toBe(reason);
      expect(await authorizerReason(token, deps)).toBe(reason);
      const last = diagnosis.steps.at(-1);
      if (reason === 'ALLOWED') {
        expect(diagnosis).toMatchObject({ verdict: 'allowed', brand: { selected: 'brand-a' } });
        expect(diagnosis.steps.every((step) => step.outcome === 'pass')).toBe(true);
        expect(diagnosis.steps.map((step) => step.check)).toEqual([
          'token format and header',
          'brand selection',
          'audience and client',
          'token kind',
          'kid, JWKS and key',
          'time checks',
          'subject',
          'revocation',
        ]);
        expect(diagnosis.jwks).toMatchObject({ uri: brand.jwksUri, fetchedSecondsAgo: 0 });
        expect(diagnosis.jwks?.kids).toContain('k-rs');
        return;
      }
      expect(last?.outcome).toBe('fail');
      expect(last?.detail).toContain(reason);
      expect(diagnosis.action?.length).toBeGreaterThan(5);
      const expected =
        reason === 'SESSION_REVOKED'
          ? ['revoked', '401 TOKEN_REVOKED']
          : ['JWKS_UNAVAILABLE', 'REVOCATION_UNAVAILABLE', 'CONFIG_UNAVAILABLE'].includes(reason)
            ? ['unavailable', '503 AUTHORIZER_UNAVAILABLE']
            : ['refused', '401 UNAUTHORIZED with WWW-Authenticate: Bearer error="invalid_token"'];
      expect([diagnosis.verdict, diagnosis.answer.slice(0, expected[1]?.length)]).toEqual(expected);
    },
  );

  it('tells the time checks with the skew, and the key and JWKS that verified the token', async () => {
    const diagnosis = await diagnoseToken(sign({ iat: NOW_S - 60, exp: NOW_S + 840 }), {}, depsFor());
    const time = diagnosis.steps.find((step) => step.check === 'time checks')?.detail;
    expect(time).toContain('exp 2026-01-15T12:14:00.000Z (in 840 s)');
    expect(time).toContain('clock skew 60 s, lifetime 900 s of at most 86400 s');
    expect(diagnosis.steps.find((step) => step.check === 'kid, JWKS and key')?.detail).toBe(
      'RS256 signature verified with key k-rs (RSA, its alg RS256)',
    );
  });

  it('names the brand a token selects against the one expected, and what the handlers refuse after an Allow', async () => {
    // Arrange: the token is brand-a's; the operator asks about brand-twin, which is disabled and has its own audience
    const other = makeBrand({ brandId: 'brand-twin', clientId: 'twin-app', applicationId: 'https://api.twin.test' });
    const disabled = makeBrand({ status: 'disabled' });
    const clientToken = sign({ sub: brand.clientId });

    // Act
    const mismatch = await diagnoseToken(
      sign(),
      { expectedBrandId: 'brand-twin' },
      depsFor({
        brandDirectory: new InMemoryBrandDirectory([brand, other]),
      }),
    );
    const off = await diagnoseToken(sign(), {}, depsFor({ brandDirectory: new InMemoryBrandDirectory([disabled]) }));
    const client = await diagnoseToken(clientToken, {}, depsFor());

    // Assert
    expect(mismatch.brand).toEqual({
      selected: 'brand-a',
      expected: 'brand-twin',
      notes: [
        'the token selects brand brand-a, not brand-twin: a call with X-Brand-Id: brand-twin gets 403 BRAND_MISMATCH',
      ],
    });
    expect(off.brand.notes).toEqual(['brand brand-a is disabled: the post-auth routes answer 403 BRAND_DISABLED']);
    expect(client.brand.notes).toEqual([
      'a client-credentials token: the routes for members answer 403 USER_TOKEN_REQUIRED',
    ]);
  });

  it('reports a reason it has no hint for with its own code (reasons the verifier learns later)', async () => {
    // Arrange: a verifier path refusing with a code this module has never seen
    const novel: BrandDirectory = {
      getBrand: async () => undefined,
      findByIssuer: async () => {
        throw new TokenError('ISSUER_NOT_HTTPS' as never);
      },
    };

    // Act
    const diagnosis = await diagnoseToken(sign(), {}, depsFor({ brandDirectory: novel }));

    // Assert
    expect(diagnosis).toMatchObject({ verdict: 'refused', reason: 'ISSUER_NOT_HTTPS' });
    expect(diagnosis.steps.at(-1)).toEqual({
      check: 'verification',
      outcome: 'fail',
      detail: 'ISSUER_NOT_HTTPS: refused with ISSUER_NOT_HTTPS',
    });
    expect(diagnosis.action).toContain('docs/authorizer.md');
  });

  it('shows only what the token carries, never other claims or the token itself', async () => {
    // Arrange
    const token = sign({ email: 'ada@example.com', phone_number: '+447700900123', scope: 'openid' });

    // Act
    const text = JSON.stringify(await diagnoseToken(token, {}, depsFor()));

    // Assert
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('447700900123');
    expect(text).not.toContain(token.split('.')[2]);
    expect(JSON.parse(text).token).toMatchObject({ iss: brand.issuer, aud: brand.applicationId, alg: 'RS256' });
    expect(JSON.parse(text).token.carries).toEqual(['sub', 'sid', 'jti', 'scope']);
  });
});
