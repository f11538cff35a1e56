// Issue 21 item 4: a cached Allow never outlives a change of the brand's token rules. Through the shared
// authenticated handler (createAuthenticatedApiHandler with the current-rules check): the common path is one
// comparison (no verification at all); a context decided under another brand revision is verified again, and
// refused when the current rules refuse the token.
import { describe, expect, it } from 'vitest';
import { contextOf, hashToken } from '../../../shared/auth/authorize-request.js';
import { createCurrentRulesCheck } from '../../../shared/auth/current-rules.js';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { createTokenVerifier, type TokenVerifier } from '../../../shared/auth/verify-access-token.js';
import type { BrandConfig } from '../../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { createAuthenticatedApiHandler } from '../../../shared/http/api-handler.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import { createLogger } from '../../../shared/observability/logger.js';
import { authorizedEvent, lambdaContext } from '../../support/events.js';
import { accessClaims, generateTestKey, makeBrand, memoryJwksFetch, NOW_MS, signJwt } from '../../support/jwt.js';

const key = generateTestKey('RS256', 'k1');
const logger = createLogger('current-rules-test', 'SILENT');
const ORIGINAL_JWKS = makeBrand().jwksUri;

function setup(initial: BrandConfig) {
  const directory = new InMemoryBrandDirectory([initial]);
  // The original JWKS holds the signing key; any other (a changed jwksUri) holds another CIAM's key.
  const caches = new Map<string, JwksCache>();
  const jwks = (uri: string) => {
    let cache = caches.get(uri);
    if (!cache) {
      const keys = uri === ORIGINAL_JWKS ? [key.jwk] : [generateTestKey('RS256', 'k1').jwk];
      cache = new JwksCache(uri, { fetch: memoryJwksFetch({ keys }).fetch, now: () => NOW_MS });
      caches.set(uri, cache);
    }
    return cache;
  };
  const inner = createTokenVerifier({ brandDirectory: directory, now: () => NOW_MS, jwks });
  const calls = { verify: 0 };
  const verifier: TokenVerifier = {
    ...inner,
    verify: (token) => {
      calls.verify++;
      return inner.verify(token);
    },
  };
  const rechecks: string[] = [];
  const seen: { brandRevision?: string; clockSkew: number }[] = [];
  const handler = createAuthenticatedApiHandler(
    {
      logger,
      now: () => NOW_MS,
      currentRules: createCurrentRulesCheck({
        brandDirectory: directory,
        verifier,
        onRecheck: (_auth, outcome) => rechecks.push(outcome),
      }),
    },
    async ({ auth }) => {
      seen.push({
        ...(auth.brandRevision === undefined ? {} : { brandRevision: auth.brandRevision }),
        clockSkew: auth.clockSkew,
      });
      return jsonResponse(200, { ok: true });
    },
  );
  return { directory, handler, calls, rechecks, seen, inner };
}

/** The context the authorizer decided (and API Gateway cached) for `token` under `brand`. */
async function cachedDecision(token: string, brand: BrandConfig) {
  const directory = new InMemoryBrandDirectory([brand]);
  const cache = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });
  const verified = await createTokenVerifier({
    brandDirectory: directory,
    now: () => NOW_MS,
    jwks: () => cache,
  }).verify(token);
  return contextOf(verified, hashToken(token), 'subject-hash');
}

const revised = (brand: BrandConfig, revision: string, overrides: Parameters<typeof makeBrand>[0] = {}) => ({
  ...makeBrand({ brandId: brand.brandId, ...overrides }, brand.version + 1),
  revision,
});

describe('issue 21 item 4: the brand revision in the authorizer context', () => {
  const v1 = { ...makeBrand({}, 1), revision: 'rev-1' };
  const token = signJwt(accessClaims(v1), key);
  const call = async (handler: ReturnType<typeof setup>['handler'], auth: Awaited<ReturnType<typeof cachedDecision>>) =>
    handler(authorizedEvent(auth, { headers: { Authorization: `Bearer ${token}` } }), lambdaContext);

  it('carries the revision the authorizer decided under', async () => {
    expect(await cachedDecision(token, v1)).toMatchObject({ brandRevision: 'rev-1', tokenKind: 'access' });
  });

  it('the common path is one comparison: same revision, no verification', async () => {
    const rig = setup(v1);
    const auth = await cachedDecision(token, v1);
    for (let i = 0; i < 3; i++) expect((await call(rig.handler, auth)).statusCode).toBe(200);
    expect(rig.calls.verify).toBe(0);
    expect(rig.rechecks).toEqual([]);
  });

  it.each([
    ['audiences', { acceptedAudiences: ['https://api.other.test'] }],
    ['algorithms', { allowedAlgorithms: ['ES256' as const] }],
    ['acceptIdTokens off for an ID token', {}],
    ['keys (another JWKS)', { jwksUri: 'https://ciam.brand-a.test/other-jwks' }],
  ])('refuses a cached Allow once the brand changed its %s (401, not the cached 200)', async (name, overrides) => {
    const idTokens = name.startsWith('acceptIdTokens');
    const before = idTokens ? { ...makeBrand({ acceptIdTokens: true }, 1), revision: 'rev-1' } : v1;
    const bearer = idTokens ? signJwt(accessClaims(before, { aud: before.clientId, nonce: 'n' }), key) : token;
    const auth = await cachedDecision(bearer, before);
    const rig = setup(revised(before, 'rev-2', overrides));
    const answer = await rig.handler(
      authorizedEvent(auth, { headers: { Authorization: `Bearer ${bearer}` } }),
      lambdaContext,
    );
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    expect(rig.calls.verify).toBe(1);
    expect(rig.rechecks).toHaveLength(1);
    expect(rig.rechecks[0]).not.toBe('allowed');
  });

  it('acts on the fresh decision when the token still passes (new revision, new skew)', async () => {
    const rig = setup(revised(v1, 'rev-2', { clockSkewSeconds: 30 }));
    const auth = await cachedDecision(token, v1);
    expect((await call(rig.handler, auth)).statusCode).toBe(200);
    expect(rig.seen).toEqual([{ brandRevision: 'rev-2', clockSkew: 30 }]);
    expect(rig.rechecks).toEqual(['allowed']);
  });

  it('re-decides a context without a revision (decided before revisions were carried), and a deleted brand', async () => {
    const rig = setup(v1);
    const { brandRevision: _none, ...legacy } = await cachedDecision(token, v1);
    expect((await call(rig.handler, legacy)).statusCode).toBe(200);
    expect(rig.calls.verify).toBe(1);
    rig.directory.delete(v1.brandId);
    expect((await call(rig.handler, await cachedDecision(token, v1))).statusCode).toBe(401);
  });

  it('refuses a bearer that is not the token the context was decided for', async () => {
    const rig = setup(revised(v1, 'rev-2'));
    const auth = await cachedDecision(signJwt(accessClaims(v1, { jti: 'other' }), key), v1);
    expect((await call(rig.handler, auth)).statusCode).toBe(401);
    expect(rig.calls.verify).toBe(0);
  });

  it('answers 503 with Retry-After when the keys cannot be read to decide again', async () => {
    const directory = new InMemoryBrandDirectory([revised(v1, 'rev-2')]);
    const down = new JwksCache(v1.jwksUri, {
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
      now: () => NOW_MS,
    });
    const handler = createAuthenticatedApiHandler(
      {
        logger,
        now: () => NOW_MS,
        currentRules: createCurrentRulesCheck({
          brandDirectory: directory,
          verifier: createTokenVerifier({ brandDirectory: directory, now: () => NOW_MS, jwks: () => down }),
        }),
      },
      async () => jsonResponse(200, {}),
    );
    const answer = await call(handler, await cachedDecision(token, v1));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.['retry-after']).toBe('2');
  });
});
