// Differential test: across generated valid and mutated tokens, our verifier and jose's jwtVerify (the
// oracle, with the same options plus the few rules jose has no option for) must agree on accept/reject.
import fc from 'fast-check';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import { verifyAccessToken } from '../../../shared/auth/verify-access-token.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import {
  b64url,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  NOW_S,
  signRaw,
  type TestAlg,
  type TestKey,
} from '../../support/jwt.js';

const brand = makeBrand({
  allowedAlgorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
  clockSkewSeconds: 30,
  maxTokenLifetimeSeconds: 3600,
});
// Two RS256 keys share the kid `dup` (a rotation): both sides must try every candidate.
const keys: TestKey[] = [
  generateTestKey('RS256', 'rs'),
  generateTestKey('ES256', 'es'),
  generateTestKey('PS256', 'ps'),
  generateTestKey('EdDSA', 'ed'),
  generateTestKey('RS256', 'dup'),
  generateTestKey('RS256', 'dup'),
];
const outsider: Record<string, TestKey> = {
  rs: generateTestKey('RS256', 'rs'),
  es: generateTestKey('ES256', 'es'),
  ps: generateTestKey('PS256', 'ps'),
  ed: generateTestKey('EdDSA', 'ed'),
  dup: generateTestKey('RS256', 'dup'),
};
const publicJwks = { keys: keys.map((k) => k.jwk) };
const oracleKeys = createLocalJWKSet(publicJwks as Parameters<typeof createLocalJWKSet>[0]);
const cache = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch(publicJwks).fetch, now: () => NOW_MS });
const deps = { brandDirectory: new InMemoryBrandDirectory([brand]), now: () => NOW_MS, jwks: () => cache };

async function ours(token: string): Promise<boolean> {
  try {
    await verifyAccessToken(token, deps);
    return true;
  } catch (error) {
    if (error instanceof TokenError) return false;
    throw error;
  }
}

/** Rules our verifier enforces that jose has no option for; applied after jose accepted. */
function extraRules(token: string, header: Record<string, unknown>, payload: Record<string, unknown>): boolean {
  const canonical = token.split('.').every((part) => Buffer.from(part, 'base64url').toString('base64url') === part);
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : header.typ;
  const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return (
    canonical &&
    typeof header.kid === 'string' &&
    // jose ignores b64 unless it is listed in crit; SECURITY.md refuses b64:false outright.
    (header.b64 === undefined || header.b64 === true) &&
    (typ === undefined || typ === 'jwt' || typ === 'at+jwt') &&
    payload.events === undefined &&
    typeof payload.sub === 'string' &&
    payload.sub.length > 0 &&
    typeof payload.exp === 'number' &&
    typeof payload.iat === 'number' &&
    payload.exp - payload.iat <= brand.maxTokenLifetimeSeconds &&
    (aud.length <= 1 || payload.azp === brand.clientId) &&
    // Issue 21 item 5: an aud holding a client id is an ID token unless it carries access-token evidence.
    !(aud.some((value) => brand.clientIds.includes(value as string)) && !hasAccessEvidence(typ, payload))
  );
}

function hasAccessEvidence(typ: unknown, payload: Record<string, unknown>): boolean {
  return (
    typ === 'at+jwt' ||
    payload.client_id !== undefined ||
    payload.scope !== undefined ||
    payload.scp !== undefined ||
    payload.token_use === 'access'
  );
}

async function oracle(token: string): Promise<boolean> {
  const options = {
    issuer: brand.issuer,
    audience: brand.acceptedAudiences,
    algorithms: brand.allowedAlgorithms,
    clockTolerance: brand.clockSkewSeconds,
    currentDate: new Date(NOW_MS),
    requiredClaims: ['exp', 'iat', 'sub'],
  };
  const check = ({ payload, protectedHeader }: Awaited<ReturnType<typeof jwtVerify>>) =>
    // jose checks iat only against maxTokenAge; the "iat not in the future" rule is ours.
    !(typeof payload.iat === 'number' && payload.iat > NOW_S + brand.clockSkewSeconds) &&
    extraRules(token, protectedHeader as Record<string, unknown>, payload as Record<string, unknown>);
  try {
    return check(await jwtVerify(token, oracleKeys, options));
  } catch (error) {
    // Several keys under one kid: jose's documented way is to try each candidate it yields.
    if ((error as { code?: string }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') return false;
    for await (const candidate of error as AsyncIterable<Parameters<typeof jwtVerify>[1]>) {
      try {
        return check(await jwtVerify(token, candidate as Parameters<typeof jwtVerify>[1], options));
      } catch {
        // next candidate
      }
    }
    return false;
  }
}

const wildClaimsArb = fc.record({
  iss: fc.constantFrom(brand.issuer, brand.issuer, brand.issuer, `${brand.issuer}/`, 'https://evil.test'),
  sub: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant('')),
  aud: fc.oneof(
    fc.constantFrom(brand.clientId, brand.applicationId, 'other'),
    fc.subarray([brand.clientId, brand.applicationId, 'other'], { minLength: 1 }),
  ),
  azp: fc.option(fc.constantFrom(brand.clientId, 'other'), { nil: undefined }),
  iat: fc.integer({ min: NOW_S - 4000, max: NOW_S + 100 }),
  lifetime: fc.integer({ min: -100, max: 4000 }),
  nbf: fc.option(fc.integer({ min: NOW_S - 100, max: NOW_S + 100 }), { nil: undefined }),
  jti: fc.option(fc.uuid(), { nil: undefined }),
  events: fc.option(fc.constant({ 'http://schemas.openid.net/event/backchannel-logout': {} }), {
    freq: 10,
    nil: undefined,
  }),
});

const wildHeaderArb = fc.record({
  key: fc.nat({ max: keys.length - 1 }),
  typ: fc.option(fc.constantFrom('JWT', 'at+jwt', 'application/at+jwt', 'logout+jwt', 'secevent+jwt'), {
    nil: undefined,
  }),
  dropKid: fc.boolean().map((b) => b && Math.random() < 0.1),
  kid: fc.option(fc.constantFrom('rs', 'es', 'ps', 'ed', 'dup', 'unknown', '../x'), { freq: 8, nil: undefined }),
  alg: fc.option(fc.constantFrom<string>('RS256', 'ES256', 'PS256', 'EdDSA', 'RS384', 'HS256', 'none', 'NONE'), {
    freq: 6,
    nil: undefined,
  }),
  crit: fc.option(fc.constant(['exp']), { freq: 15, nil: undefined }),
  b64: fc.option(fc.constant(false), { freq: 15, nil: undefined }),
  outsider: fc.boolean().map((b) => b && Math.random() < 0.15),
});

const validClaimsArb = fc.record({
  iss: fc.constant(brand.issuer),
  sub: fc.string({ minLength: 1, maxLength: 20 }),
  aud: fc.constantFrom<string | string[]>(brand.clientId, brand.applicationId, [brand.applicationId]),
  azp: fc.option(fc.constant(brand.clientId), { nil: undefined }),
  iat: fc.integer({ min: NOW_S - 1000, max: NOW_S + 20 }),
  lifetime: fc.integer({ min: 1100, max: 3600 }),
  nbf: fc.option(fc.integer({ min: NOW_S - 100, max: NOW_S }), { nil: undefined }),
  jti: fc.option(fc.uuid(), { nil: undefined }),
  events: fc.constant(undefined),
});
const claimsArb = fc.oneof({ weight: 3, arbitrary: validClaimsArb }, { weight: 2, arbitrary: wildClaimsArb });

const validHeaderArb = fc.record({
  key: fc.nat({ max: keys.length - 1 }),
  typ: fc.option(fc.constantFrom('JWT', 'at+jwt', 'application/at+jwt'), { nil: undefined }),
  dropKid: fc.constant(false),
  kid: fc.constant(undefined),
  alg: fc.constant(undefined),
  crit: fc.constant(undefined),
  b64: fc.constant(undefined),
  outsider: fc.constant(false),
});
const headerArb = fc.oneof({ weight: 3, arbitrary: validHeaderArb }, { weight: 2, arbitrary: wildHeaderArb });

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

type Mutation =
  | { kind: 'none' }
  | { kind: 'flipSignatureBit'; at: number; bit: number }
  | { kind: 'replaceChar'; at: number; char: string }
  | { kind: 'stripPart'; part: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'swapAlgKeepSignature'; alg: string }
  | { kind: 'claimsWithoutResigning'; sub: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'none' as const }) },
  fc.record({ kind: fc.constant('flipSignatureBit' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({
    kind: fc.constant('replaceChar' as const),
    at: fc.nat(),
    char: fc.constantFrom(...'AQgw-_0aZ9=+/ .'.split('')),
  }),
  fc.record({ kind: fc.constant('stripPart' as const), part: fc.nat({ max: 2 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('swapAlgKeepSignature' as const),
    alg: fc.constantFrom('RS256', 'ES256', 'PS256', 'EdDSA', 'HS256', 'none'),
  }),
  fc.record({ kind: fc.constant('claimsWithoutResigning' as const), sub: fc.string({ minLength: 1, maxLength: 8 }) }),
);

function build(claims: ArbValue<typeof wildClaimsArb>, h: ArbValue<typeof wildHeaderArb>, mutation: Mutation): string {
  const key = keys[h.key] as TestKey;
  const signer = h.outsider ? (outsider[key.kid] as TestKey) : key;
  const header: Record<string, unknown> = { alg: h.alg ?? key.alg, kid: h.kid ?? key.kid };
  if (h.dropKid) delete header.kid;
  if (h.typ !== undefined) header.typ = h.typ;
  if (h.crit) Object.assign(header, { crit: h.crit, exp: 1 });
  if (h.b64 !== undefined) header.b64 = h.b64;
  const { lifetime, ...rest } = claims;
  const payload: Record<string, unknown> = { ...rest, exp: claims.iat + lifetime };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const signAlg: TestAlg = key.alg;
  const token = signRaw(`${b64url(header)}.${b64url(payload)}`, signAlg, signer.privateKey);
  const [hp, pp, sp] = token.split('.') as [string, string, string];
  switch (mutation.kind) {
    case 'none':
      return token;
    case 'flipSignatureBit': {
      const sig = Buffer.from(sp, 'base64url');
      const i = mutation.at % sig.length;
      sig[i] = (sig[i] ?? 0) ^ (1 << mutation.bit);
      return `${hp}.${pp}.${b64url(sig)}`;
    }
    case 'replaceChar': {
      const i = mutation.at % token.length;
      return token.slice(0, i) + mutation.char + token.slice(i + 1);
    }
    case 'stripPart':
      return [hp, pp, sp].filter((_, i) => i !== mutation.part).join('.');
    case 'truncate':
      return token.slice(0, mutation.at % token.length);
    case 'swapAlgKeepSignature':
      return `${b64url({ ...header, alg: mutation.alg })}.${pp}.${sp}`;
    case 'claimsWithoutResigning':
      return `${hp}.${b64url({ ...payload, sub: mutation.sub })}.${sp}`;
  }
}

describe('verifyAccessToken against jose (differential)', () => {
  it('agrees with jose jwtVerify on every generated token', async () => {
    let accepted = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(claimsArb, headerArb, mutationArb, async (claims, header, mutation) => {
        const token = build(claims, header, mutation);
        const [mine, theirs] = [await ours(token), await oracle(token)];
        if (mine) accepted++;
        else rejected++;
        expect({ token, mine }).toEqual({ token, mine: theirs });
      }),
      { numRuns: 2500 },
    );
    // The corpus must exercise both sides, or agreement proves nothing.
    expect(accepted).toBeGreaterThan(20);
    expect(rejected).toBeGreaterThan(500);
    // 2500 signature checks by two verifiers: CPU only, no waiting; on a machine shared by many runs it took more
    // than the default 30 s, so the bound is sized for the work, not for an idle machine.
  }, 180_000);
});
