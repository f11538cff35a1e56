import { createHmac, sign } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { BrandConfig } from '../../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError, type TokenErrorReason } from '../../../shared/auth/token-error.js';
import { createTokenVerifier, verifyAccessToken } from '../../../shared/auth/verify-access-token.js';
import {
  accessClaims,
  b64url,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  NOW_S,
  signJwt,
  signRaw,
  type TestKey,
} from '../../support/jwt.js';

const rsKey = generateTestKey('RS256', 'k-rs');
const esKey = generateTestKey('ES256', 'k-es');
const psKey = generateTestKey('PS256', 'k-ps');
const es384Key = generateTestKey('ES384', 'k-es384');
const es512Key = generateTestKey('ES512', 'k-es512');
const noAlgKey = generateTestKey('RS256', 'k-noalg', { jwkAlg: false });
const encKey = { ...generateTestKey('RS256', 'k-enc'), jwk: {} as Record<string, unknown> };
encKey.jwk = { ...encKey.publicKey.export({ format: 'jwk' }), kid: 'k-enc', use: 'enc' };
const weakKey = generateTestKey('RS256', 'k-weak', { bits: 1024 });
const attackerKey = generateTestKey('RS256', 'k-rs'); // same kid as the brand's key, other material

function allKeys(): TestKey[] {
  return [rsKey, esKey, psKey, es384Key, es512Key, noAlgKey, encKey, weakKey];
}

let brand: BrandConfig;
let directory: InMemoryBrandDirectory;
let jwks: ReturnType<typeof memoryJwksFetch>;
let cache: JwksCache;
let deps: Parameters<typeof verifyAccessToken>[1];

beforeEach(() => {
  brand = makeBrand({ allowedAlgorithms: ['RS256', 'ES256'] });
  directory = new InMemoryBrandDirectory([brand]);
  jwks = memoryJwksFetch({ keys: allKeys().map((k) => k.jwk) });
  cache = new JwksCache(brand.jwksUri, { fetch: jwks.fetch, now: () => NOW_MS });
  deps = { brandDirectory: directory, now: () => NOW_MS, jwks: () => cache };
});

async function reasonOf(token: string): Promise<TokenErrorReason | 'ACCEPTED'> {
  try {
    await verifyAccessToken(token, deps);
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

function withBrand(overrides: Parameters<typeof makeBrand>[0]): void {
  brand = makeBrand(overrides);
  directory.put(brand);
}

/** Replaces the signature part of a token. */
function withSignature(token: string, signature: Buffer): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${b64url(signature)}`;
}

describe('verifyAccessToken accepts', () => {
  it('a valid RS256 token and returns its brand and principal', async () => {
    const result = await verifyAccessToken(signJwt(accessClaims(brand), rsKey), deps);
    expect(result).toMatchObject({ sub: 'user-1', principalType: 'user', sid: 'sid-1', jti: 'jti-1', kid: 'k-rs' });
    expect(result.brand.brandId).toBe('brand-a');
    expect(result.exp).toBe(NOW_S + 600);
  });

  it('a valid ES256 token', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), esKey))).toBe('ACCEPTED');
  });

  it('PS256, ES384 and ES512 tokens when the brand allows them', async () => {
    withBrand({ allowedAlgorithms: ['PS256', 'ES384', 'ES512'] });
    for (const key of [psKey, es384Key, es512Key])
      expect(await reasonOf(signJwt(accessClaims(brand), key))).toBe('ACCEPTED');
  });

  it('a key whose JWK declares no alg', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), noAlgKey))).toBe('ACCEPTED');
  });

  it('an RFC 9068 at+jwt access token with aud = applicationId', async () => {
    const token = signJwt(accessClaims(brand, { aud: brand.applicationId }), rsKey, { header: { typ: 'at+jwt' } });
    expect(await reasonOf(token)).toBe('ACCEPTED');
  });

  it('a client-credentials token as a client principal', async () => {
    const claims = accessClaims(brand, { sub: 'backend-1', client_id: 'backend-1', sid: undefined });
    const result = await verifyAccessToken(signJwt(claims, rsKey), deps);
    expect(result.principalType).toBe('client');
    expect(result.sid).toBe('');
  });

  it('a token expired by less than the clock skew', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand, { exp: NOW_S - 30 }), rsKey))).toBe('ACCEPTED');
  });

  it('several audiences when azp is the brand client', async () => {
    const claims = accessClaims(brand, { aud: [brand.applicationId, 'https://other'], azp: brand.clientId });
    expect(await reasonOf(signJwt(claims, rsKey))).toBe('ACCEPTED');
  });

  it("a brand from the directory's synchronous peek, and from findByIssuer when the peek has no answer", async () => {
    const token = signJwt(accessClaims(brand), rsKey);
    const peeking = {
      getBrand: async () => brand,
      peekByIssuer: (issuer: string) => (issuer === brand.issuer ? [brand] : undefined),
      findByIssuer: async (): Promise<readonly BrandConfig[]> => {
        throw new Error('findByIssuer must not be asked when the peek answers');
      },
    };
    expect((await verifyAccessToken(token, { ...deps, brandDirectory: peeking })).brand).toBe(brand);
    const silent = { ...peeking, peekByIssuer: () => undefined, findByIssuer: async () => [brand] };
    expect((await verifyAccessToken(token, { ...deps, brandDirectory: silent })).brand).toBe(brand);
  });

  it('ignores jku, x5u, x5c and jwk headers and never fetches their URLs', async () => {
    const urls: string[] = [];
    cache = new JwksCache(brand.jwksUri, {
      now: () => NOW_MS,
      fetch: (url, init) => {
        urls.push(url);
        return jwks.fetch(url, init);
      },
    });
    const header = { jku: 'https://evil.test/jwks', x5u: 'https://evil.test/x5u', x5c: ['AAAA'], jwk: attackerKey.jwk };
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { header }))).toBe('ACCEPTED');
    expect(await reasonOf(signJwt(accessClaims(brand), attackerKey, { header }))).toBe('SIGNATURE_INVALID');
    expect(urls).toEqual([brand.jwksUri]);
  });
});

describe('verifyAccessToken refuses (SECURITY.md 1: no signature)', () => {
  it.each(['none', 'None', 'NONE', 'nOnE'])('alg %s', async (alg) => {
    const input = `${b64url({ alg, kid: 'k-rs' })}.${b64url(accessClaims(brand))}`;
    expect(await reasonOf(`${input}.`)).toBe('TOKEN_MALFORMED');
    expect(await reasonOf(`${input}.${b64url('sig')}`)).toBe('ALG_NONE');
  });

  it('an empty signature', async () => {
    const token = signJwt(accessClaims(brand), rsKey);
    expect(await reasonOf(token.slice(0, token.lastIndexOf('.') + 1))).toBe('TOKEN_MALFORMED');
  });

  it.each([1, 2, 4, 5])('a token of %i parts', async (parts) => {
    const token = signJwt(accessClaims(brand), rsKey);
    const pieces = token.split('.');
    const variant = Array.from({ length: parts }, (_, i) => pieces[i % 3]).join('.');
    expect(await reasonOf(variant)).toBe('TOKEN_MALFORMED');
  });
});

describe('verifyAccessToken refuses (2: algorithm confusion)', () => {
  it('HS256 signed with the brand public key as the HMAC secret', async () => {
    const secret = rsKey.publicKey.export({ format: 'pem', type: 'spki' });
    const input = `${b64url({ alg: 'HS256', kid: 'k-rs', typ: 'JWT' })}.${b64url(accessClaims(brand))}`;
    const token = `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
    expect(await reasonOf(token)).toBe('ALG_NOT_ALLOWED');
  });

  it('an alg the brand does not allow, whatever the token says', async () => {
    const rs384 = generateTestKey('RS384', 'k-rs');
    expect(await reasonOf(signJwt(accessClaims(brand), rs384))).toBe('ALG_NOT_ALLOWED');
    expect(await reasonOf(signJwt(accessClaims(brand), psKey))).toBe('ALG_NOT_ALLOWED');
  });

  it("an alg different from the JWK's own alg", async () => {
    withBrand({ allowedAlgorithms: ['RS256', 'PS256'] });
    const token = signRaw(
      `${b64url({ alg: 'PS256', kid: 'k-rs' })}.${b64url(accessClaims(brand))}`,
      'PS256',
      rsKey.privateKey,
    );
    expect(await reasonOf(token)).toBe('KEY_ALG_MISMATCH');
  });

  it('a key whose kty or crv does not fit the alg', async () => {
    withBrand({ allowedAlgorithms: ['RS256', 'ES256', 'ES384'] });
    const esOnRsa = signRaw(
      `${b64url({ alg: 'ES256', kid: 'k-noalg' })}.${b64url(accessClaims(brand))}`,
      'ES256',
      esKey.privateKey,
    );
    expect(await reasonOf(esOnRsa)).toBe('KEY_ALG_MISMATCH');
    const p384OnP256 = signRaw(
      `${b64url({ alg: 'ES384', kid: 'k-es' })}.${b64url(accessClaims(brand))}`,
      'ES384',
      es384Key.privateKey,
    );
    expect(await reasonOf(p384OnP256)).toBe('KEY_ALG_MISMATCH');
  });

  it('a JWK whose use is not sig', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), { ...encKey, alg: 'RS256' }))).toBe('KEY_USE_INVALID');
  });

  it('an RSA key under 2048 bits', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), weakKey))).toBe('KEY_TOO_WEAK');
  });
});

describe('verifyAccessToken refuses (3: broken signatures)', () => {
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

  it.each([
    ['r = 0', (sig: Buffer) => Buffer.concat([Buffer.alloc(32), sig.subarray(32)])],
    ['s = 0', (sig: Buffer) => Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32)])],
    ['r = s = 0 (psychic signature)', () => Buffer.alloc(64)],
    ['r = n', (sig: Buffer) => Buffer.concat([n, sig.subarray(32)])],
    ['s = n', (sig: Buffer) => Buffer.concat([sig.subarray(0, 32), n])],
    ['s = 2^256 - 1', (sig: Buffer) => Buffer.concat([sig.subarray(0, 32), Buffer.alloc(32, 0xff)])],
    ['one byte short', (sig: Buffer) => sig.subarray(1)],
    ['one byte long', (sig: Buffer) => Buffer.concat([sig, Buffer.alloc(1)])],
  ])('ES256 with %s', async (_name, mutate) => {
    const token = signJwt(accessClaims(brand), esKey);
    const sig = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    expect(await reasonOf(withSignature(token, mutate(sig)))).toBe('SIGNATURE_INVALID');
  });

  it('an ES256 signature DER-encoded instead of raw R||S', async () => {
    const input = `${b64url({ alg: 'ES256', kid: 'k-es' })}.${b64url(accessClaims(brand))}`;
    const der = sign('sha256', Buffer.from(input), { key: esKey.privateKey, dsaEncoding: 'der' });
    expect(await reasonOf(`${input}.${b64url(der)}`)).toBe('SIGNATURE_INVALID');
  });

  it('a flipped bit in the signature, for every byte position', async () => {
    const token = signJwt(accessClaims(brand), rsKey);
    const sig = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
    for (let i = 0; i < sig.length; i += 17) {
      const copy = Buffer.from(sig);
      copy[i] = (copy[i] ?? 0) ^ 0x01;
      expect(await reasonOf(withSignature(token, copy))).toBe('SIGNATURE_INVALID');
    }
  });

  it('a changed claim under the original signature', async () => {
    const token = signJwt(accessClaims(brand), rsKey);
    const [h, , s] = token.split('.');
    expect(await reasonOf(`${h}.${b64url(accessClaims(brand, { sub: 'admin' }))}.${s}`)).toBe('SIGNATURE_INVALID');
  });

  it('a token re-signed with another key under the same kid', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), attackerKey))).toBe('SIGNATURE_INVALID');
  });
});

describe('verifyAccessToken refuses (4: key selection)', () => {
  it('a token without kid', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { header: { kid: undefined } }))).toBe('KID_MISSING');
  });

  it('a kid that is not in the JWKS', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), generateTestKey('RS256', 'k-other')))).toBe('KID_UNKNOWN');
  });

  it.each([['../../etc/passwd'], ['k"; DROP TABLE'], ['k\u0000'], ['x'.repeat(500)], [42], ['']])(
    'kid %j',
    async (kid) => {
      expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { header: { kid } }))).toBe('KID_INVALID');
    },
  );
});

describe('verifyAccessToken refuses (5: claims)', () => {
  const cases: [string, Record<string, unknown>, TokenErrorReason][] = [
    ['exp missing', { exp: undefined }, 'EXP_MISSING'],
    ['exp past beyond the skew', { exp: NOW_S - 61 }, 'TOKEN_EXPIRED'],
    ['nbf in the future', { nbf: NOW_S + 120 }, 'NOT_YET_VALID'],
    ['iat in the future', { iat: NOW_S + 120, exp: NOW_S + 700 }, 'IAT_IN_FUTURE'],
    ['iat missing', { iat: undefined }, 'IAT_MISSING'],
    ['a lifetime over the brand maximum', { iat: NOW_S - 10, exp: NOW_S + 86_400 }, 'LIFETIME_EXCEEDED'],
    ['iss with a trailing slash', { iss: 'https://ciam.brand-a.test/' }, 'ISSUER_UNKNOWN'],
    ['iss in another case', { iss: 'https://CIAM.brand-a.test' }, 'ISSUER_UNKNOWN'],
    ['iss missing', { iss: undefined }, 'ISSUER_UNKNOWN'],
    ['aud not accepted', { aud: 'https://someone-else' }, 'AUDIENCE_INVALID'],
    ['aud missing', { aud: undefined }, 'AUDIENCE_INVALID'],
    ['several aud without azp', { aud: ['https://api.brand-a.test', 'other'] }, 'AZP_INVALID'],
    [
      'several aud with azp of another client',
      { aud: ['https://api.brand-a.test', 'other'], azp: 'other' },
      'AZP_INVALID',
    ],
    ['exp as a string', { exp: String(NOW_S + 600) }, 'CLAIM_INVALID'],
    ['iat as a string', { iat: String(NOW_S) }, 'CLAIM_INVALID'],
    ['nbf as a boolean', { nbf: true }, 'CLAIM_INVALID'],
    ['aud as a number', { aud: 7 }, 'CLAIM_INVALID'],
    ['aud as an empty array', { aud: [] }, 'CLAIM_INVALID'],
    ['sub as a number', { sub: 7 }, 'CLAIM_INVALID'],
    ['sid as an object', { sid: {} }, 'CLAIM_INVALID'],
    ['azp as a number', { azp: 1 }, 'CLAIM_INVALID'],
    ['sub missing', { sub: undefined }, 'SUB_MISSING'],
    ['sub empty', { sub: '' }, 'SUB_MISSING'],
    [
      'an events claim (a logout token)',
      { events: { 'http://schemas.openid.net/event/backchannel-logout': {} } },
      'LOGOUT_TOKEN_REJECTED',
    ],
  ];
  it.each(cases)('%s', async (_name, extra, reason) => {
    const claims = accessClaims(brand, extra);
    for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
    expect(await reasonOf(signJwt(claims, rsKey))).toBe(reason);
  });

  it.each([
    ['logout+jwt', 'LOGOUT_TOKEN_REJECTED'],
    ['application/logout+jwt', 'LOGOUT_TOKEN_REJECTED'],
    ['secevent+jwt', 'TYP_INVALID'],
    [7, 'TYP_INVALID'],
  ])('typ %j', async (typ, reason) => {
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { header: { typ } }))).toBe(reason);
  });

  it('an unknown crit header parameter', async () => {
    const token = signJwt(accessClaims(brand), rsKey, { header: { crit: ['exp'], exp: 1 } });
    expect(await reasonOf(token)).toBe('CRIT_UNSUPPORTED');
  });

  it('b64: false', async () => {
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { header: { b64: false } }))).toBe('B64_UNSUPPORTED');
  });
});

describe('verifyAccessToken refuses (6: parsing)', () => {
  const valid = () => signJwt(accessClaims(brand), rsKey);

  it('a token over 8 KB before decoding it', async () => {
    const token = signJwt(accessClaims(brand, { pad: 'x'.repeat(7000) }), rsKey);
    expect(await reasonOf(token)).toBe('TOKEN_TOO_LARGE');
  });

  it('deeply nested JSON', async () => {
    const payload = `{"iss":"${brand.issuer}","deep":${'['.repeat(40)}${']'.repeat(40)}}`;
    expect(await reasonOf(signJwt({}, rsKey, { rawPayload: payload }))).toBe('TOKEN_MALFORMED');
  });

  it.each([
    ['not JSON', 'hello'],
    ['a JSON array', '[1,2]'],
    ['a JSON string', '"x"'],
    ['null', 'null'],
    ['duplicate keys', `{"iss":"${TEST_ISS}","sub":"a","sub":"admin"}`],
    ['__proto__', `{"iss":"${TEST_ISS}","__proto__":{"admin":true}}`],
  ])('a payload that is %s', async (_name, raw) => {
    expect(await reasonOf(signJwt({}, rsKey, { rawPayload: raw }))).toBe('TOKEN_MALFORMED');
  });

  it('a header with duplicate alg', async () => {
    const raw = '{"alg":"none","alg":"RS256","kid":"k-rs"}';
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey, { rawHeader: raw }))).toBe('TOKEN_MALFORMED');
  });

  it('a payload that is not UTF-8', async () => {
    const input = `${b64url({ alg: 'RS256', kid: 'k-rs' })}.${b64url(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]))}`;
    expect(await reasonOf(signRaw(input, 'RS256', rsKey.privateKey))).toBe('TOKEN_MALFORMED');
  });

  it.each([
    ['padding', (t: string) => `${t}==`],
    [
      'standard base64 alphabet',
      (t: string) =>
        t
          .replace(/-/g, '+')
          .replace(/_/g, '/')
          .replace(/\.([^.]*)$/, '.+$1'),
    ],
    ['a space inside', (t: string) => `${t.slice(0, 20)} ${t.slice(20)}`],
    ['a newline inside', (t: string) => `${t.slice(0, 20)}\n${t.slice(20)}`],
    ['non-ASCII characters', (t: string) => `${t}é`],
    ['an impossible base64 length', (t: string) => `${t.slice(0, t.lastIndexOf('.'))}.AAAAA`],
  ])('%s', async (_name, mutate) => {
    const mutated = mutate(valid());
    expect(await reasonOf(mutated)).toBe('TOKEN_MALFORMED');
  });

  it('non-canonical trailing base64url bits', async () => {
    const token = valid();
    const sigPart = token.slice(token.lastIndexOf('.') + 1); // 342 chars: 4n+2, last char holds 4 spare bits
    const last = sigPart.at(-1) ?? 'A';
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = alphabet[alphabet.indexOf(last) + 1] ?? 'A';
    expect(Buffer.from(sigPart.slice(0, -1) + twin, 'base64url')).toEqual(Buffer.from(sigPart, 'base64url'));
    expect(await reasonOf(`${token.slice(0, -1)}${twin}`)).toBe('TOKEN_MALFORMED');
  });

  it('an empty or non-string token', async () => {
    expect(await reasonOf('')).toBe('TOKEN_MISSING');
  });
});

const TEST_ISS = 'https://ciam.brand-a.test';

describe('verifyAccessToken across brands', () => {
  it('resolves each token to the brand its aud names when brands share an issuer', async () => {
    const brandB = makeBrand({
      brandId: 'brand-b',
      clientId: 'brand-b-app',
      applicationId: 'https://api.brand-b.test',
    });
    directory.put(brandB);
    const a = await verifyAccessToken(signJwt(accessClaims(brand), rsKey), deps);
    const b = await verifyAccessToken(signJwt(accessClaims(brandB), rsKey), deps);
    expect([a.brand.brandId, b.brand.brandId]).toEqual(['brand-a', 'brand-b']);
  });

  it("never verifies brand B's claims with brand A's keys", async () => {
    const keyB = generateTestKey('RS256', 'k-b');
    const brandB = makeBrand({
      brandId: 'brand-b',
      issuer: 'https://ciam.brand-b.test',
      jwksUri: 'https://ciam.brand-b.test/jwks',
    });
    directory.put(brandB);
    const jwksB = memoryJwksFetch({ keys: [keyB.jwk] });
    const cacheB = new JwksCache(brandB.jwksUri, { fetch: jwksB.fetch, now: () => NOW_MS });
    deps = { ...deps, jwks: (uri) => (uri === brandB.jwksUri ? cacheB : cache) };
    // Signed by brand A's key but claiming brand B's issuer: looked up in B's JWKS only.
    expect(await reasonOf(signJwt(accessClaims(brandB), rsKey))).toBe('KID_UNKNOWN');
    // B's key id placed on an A token: A's JWKS does not have it.
    expect(await reasonOf(signJwt(accessClaims(brand), keyB))).toBe('KID_UNKNOWN');
    expect((await verifyAccessToken(signJwt(accessClaims(brandB), keyB), deps)).brand.brandId).toBe('brand-b');
  });

  it('refuses a token two brands of one issuer would both accept, unless azp decides', async () => {
    const brandB = makeBrand({ brandId: 'brand-b', clientId: 'brand-b-app', applicationId: brand.applicationId });
    directory.put(brandB);
    const shared = accessClaims(brand, { aud: brand.applicationId });
    expect(await reasonOf(signJwt(shared, rsKey))).toBe('BRAND_AMBIGUOUS');
    const withAzp = await verifyAccessToken(signJwt({ ...shared, azp: 'brand-b-app' }, rsKey), deps);
    expect(withAzp.brand.brandId).toBe('brand-b');
  });
});

describe('createTokenVerifier', () => {
  it('answers a repeated token from its cache without verifying again', async () => {
    const verifier = createTokenVerifier({ ...deps, maxCachedTokens: 2 });
    const token = signJwt(accessClaims(brand), rsKey);
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    expect(verifier.peek(token)).toBe(first);
  });

  it('forgets a cached token at its exp', async () => {
    let now = NOW_MS;
    const verifier = createTokenVerifier({ ...deps, now: () => now });
    const token = signJwt(accessClaims(brand, { exp: NOW_S + 10 }), rsKey);
    await verifier.verify(token);
    now = NOW_MS + 71_000;
    expect(verifier.peek(token)).toBeUndefined();
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'TOKEN_EXPIRED' });
  });

  it('re-verifies when the brand config changed', async () => {
    const verifier = createTokenVerifier(deps);
    const token = signJwt(accessClaims(brand), rsKey);
    await verifier.verify(token);
    withBrand({ allowedAlgorithms: ['ES256'] });
    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'ALG_NOT_ALLOWED' });
  });

  it('stays bounded', async () => {
    const verifier = createTokenVerifier({ ...deps, maxCachedTokens: 3 });
    for (let i = 0; i < 10; i++) await verifier.verify(signJwt(accessClaims(brand, { jti: `j${i}` }), rsKey));
    expect(verifier.size).toBe(3);
  });

  it('does not cache failures', async () => {
    const verifier = createTokenVerifier(deps);
    await expect(verifier.verify(signJwt(accessClaims(brand), attackerKey))).rejects.toBeInstanceOf(TokenError);
    expect(verifier.size).toBe(0);
  });
});

describe('issue 21 item 8: an iss the brand model cannot hold is refused before any lookup', () => {
  function countingDirectory() {
    const lookups: string[] = [];
    const inner = new InMemoryBrandDirectory([brand]);
    return {
      lookups,
      directory: {
        getBrand: (id: string) => inner.getBrand(id),
        findByIssuer: async (issuer: string) => {
          lookups.push(issuer);
          // DynamoDB refuses keys over 2,048 bytes: a lookup would fail like an outage (503).
          if (Buffer.byteLength(issuer) > 2048) throw new Error('ValidationException: key too large');
          return inner.findByIssuer(issuer);
        },
      },
    };
  }

  it.each([
    ['plain http outside loopback', 'http://ciam.brand-a.test'],
    ['another scheme', 'ftp://ciam.brand-a.test'],
    ['no scheme at all', 'ciam.brand-a.test'],
    ['longer than the brand model allows', `https://ciam.brand-a.test/${'a'.repeat(2048)}`],
    ['over 2,048 bytes in UTF-8', `https://ciam.brand-a.test/${'é'.repeat(1020)}`],
  ])('%s', async (_name, iss) => {
    const { directory, lookups } = countingDirectory();
    const token = signJwt(accessClaims(brand, { iss }), rsKey);
    await expect(verifyAccessToken(token, { ...deps, brandDirectory: directory })).rejects.toMatchObject({
      reason: 'ISSUER_UNKNOWN',
    });
    expect(lookups).toEqual([]);
  });

  it('still looks up https issuers and loopback http issuers (the local stack)', async () => {
    const { directory, lookups } = countingDirectory();
    for (const iss of ['https://other.test', 'http://127.0.0.1:3001', 'http://localhost:3001']) {
      const token = signJwt(accessClaims(brand, { iss }), rsKey);
      await expect(verifyAccessToken(token, { ...deps, brandDirectory: directory })).rejects.toMatchObject({
        reason: 'ISSUER_UNKNOWN',
      });
    }
    expect(lookups).toEqual(['https://other.test', 'http://127.0.0.1:3001', 'http://localhost:3001']);
    expect(await reasonOf(signJwt(accessClaims(brand), rsKey))).toBe('ACCEPTED');
  });
});
