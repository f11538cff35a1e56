// Keys as real providers publish them: x5c-only RSA/EC keys (Entra ID, ADFS-style JWKS), a single key
// without kid, Ed25519 (EdDSA), several keys under one kid, ECDSA high-s, and the save-time messages that
// name what is wrong with each unusable key.
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeUnusableKeys, inspectJwk } from '../../../shared/auth/jwk.js';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError, type TokenErrorReason } from '../../../shared/auth/token-error.js';
import { verifyAccessToken } from '../../../shared/auth/verify-access-token.js';
import { CURVE_ORDERS } from '../../../shared/auth/verify-signature.js';
import type { BrandConfig, BrandConfigInput } from '../../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { algorithmsForKey, checkJwks } from '../../../shared/config/brand-checks.js';
import {
  accessClaims,
  b64url,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  signJwt,
} from '../../support/jwt.js';
import { selfSignedCertificate, x5cMembers } from '../../support/x509.js';

async function reasonOf(
  overrides: Partial<BrandConfigInput>,
  jwks: unknown[],
  token: (brand: BrandConfig) => string,
): Promise<TokenErrorReason | 'ACCEPTED'> {
  const brand = makeBrand(overrides);
  const cache = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: jwks }).fetch, now: () => NOW_MS });
  try {
    await verifyAccessToken(token(brand), {
      brandDirectory: new InMemoryBrandDirectory([brand]),
      now: () => NOW_MS,
      jwks: () => cache,
    });
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

/** The JWK of `key` with only kid/kty/use (and crv for EC) plus its certificate: no n/e or x/y. */
function x5cOnly(key: ReturnType<typeof generateTestKey>, extra: Record<string, unknown> = {}) {
  const der = selfSignedCertificate(key.publicKey, key.privateKey);
  const { crv } = key.jwk as { crv?: string };
  return { kty: key.jwk.kty, kid: key.kid, use: 'sig', ...(crv ? { crv } : {}), ...x5cMembers(der), ...extra };
}

describe('x5c-only keys', () => {
  const rs = generateTestKey('RS256', 'entra-kid');
  const es = generateTestKey('ES256', 'es-cert');

  it('verify tokens with the public key of the leaf certificate (RSA and EC)', async () => {
    const jwks = [x5cOnly(rs), x5cOnly(es)];
    expect(await reasonOf({}, jwks, (b) => signJwt(accessClaims(b), rs))).toBe('ACCEPTED');
    expect(await reasonOf({}, jwks, (b) => signJwt(accessClaims(b), es))).toBe('ACCEPTED');
    // Another key under the same kid and a certificate of its own does not verify rs's tokens.
    const other = generateTestKey('RS256', 'entra-kid');
    expect(await reasonOf({}, [x5cOnly(other)], (b) => signJwt(accessClaims(b), rs))).toBe('SIGNATURE_INVALID');
  });

  it('are refused when x5t or x5t#S256 is not the certificate thumbprint, or the certificate is of another kind', () => {
    expect(inspectJwk(x5cOnly(rs)).entry?.kty).toBe('RSA');
    expect(inspectJwk(x5cOnly(rs, { x5t: 'AAAA' })).problem).toMatch(/x5t that is not the thumbprint/);
    expect(inspectJwk(x5cOnly(rs, { 'x5t#S256': 'AAAA' })).problem).toMatch(/x5t#S256 that is not/);
    expect(inspectJwk(x5cOnly(rs, { x5c: ['bm90IGEgY2VydA=='] })).problem).toMatch(/does not parse/);
    expect(inspectJwk({ ...x5cOnly(rs), kty: 'EC', crv: 'P-256' }).problem).toMatch(/declared EC but .* rsa key/);
    const p384 = generateTestKey('ES384', 'p384');
    expect(inspectJwk({ ...x5cOnly(p384), crv: 'P-256' }).problem).toMatch(/declared on P-256 .* P-384/);
    expect(inspectJwk({ kty: 'RSA', kid: 'bare' }).problem).toMatch(/neither its key parameters nor an x5c/);
  });

  it('accept n/e (or x/y) beside an x5c certificate of the same key', () => {
    const entry = inspectJwk({ ...rs.jwk, ...x5cMembers(selfSignedCertificate(rs.publicKey, rs.privateKey)) }).entry;
    expect(entry?.fingerprint.startsWith('RSA|')).toBe(true);
    expect(
      inspectJwk({ ...es.jwk, ...x5cMembers(selfSignedCertificate(es.publicKey, es.privateKey)) }).entry,
    ).toBeDefined();
  });

  it('issue 21 item 10: refuse a JWK whose n/e (or x/y) and x5c certificate name different keys (RFC 7517 §4.7)', async () => {
    const other = generateTestKey('RS256', 'entra-kid');
    const otherEc = generateTestKey('ES256', 'es-cert');
    const mixedRsa = { ...rs.jwk, ...x5cMembers(selfSignedCertificate(other.publicKey, other.privateKey)) };
    const mixedEc = { ...es.jwk, ...x5cMembers(selfSignedCertificate(otherEc.publicKey, otherEc.privateKey)) };
    expect(inspectJwk(mixedRsa).problem).toMatch(/x5c certificate that holds another key than its n\/e/);
    expect(inspectJwk(mixedEc).problem).toMatch(/x5c certificate that holds another key than its x\/y/);
    expect(inspectJwk({ ...rs.jwk, x5c: ['bm90IGEgY2VydA=='] }).problem).toMatch(/does not parse/);
    // Neither key verifies: the signer of n/e and the holder of the certificate are both refused.
    expect(await reasonOf({}, [mixedRsa, es.jwk], (b) => signJwt(accessClaims(b), rs))).toBe('KID_UNKNOWN');
    expect(await reasonOf({}, [mixedRsa, es.jwk], (b) => signJwt(accessClaims(b), other))).toBe('KID_UNKNOWN');
    const { usable, problems } = describeUnusableKeys([mixedRsa], ['RS256'], algorithmsForKey);
    expect(usable).toBe(0);
    expect(problems).toEqual(['key "entra-kid" has an x5c certificate that holds another key than its n/e']);
  });

  it('issue 21 item 10: a JWKS refresh that swaps in a disagreeing certificate does not keep the old key', () => {
    const entry = inspectJwk({ ...rs.jwk, ...x5cMembers(selfSignedCertificate(rs.publicKey, rs.privateKey)) }).entry;
    const other = generateTestKey('RS256', 'entra-kid');
    const swapped = { ...rs.jwk, ...x5cMembers(selfSignedCertificate(other.publicKey, other.privateKey)) };
    expect(inspectJwk(swapped, entry).problem).toMatch(/another key/);
  });
});

describe('tokens without kid', () => {
  const single = generateTestKey('RS256', 'only');
  const { kid: _kid, ...withoutKid } = single.jwk;
  const noKid = (key: typeof single) => (b: BrandConfig) =>
    signJwt(accessClaims(b), key, { header: { kid: undefined } });

  it('are refused unless the brand opts in', async () => {
    expect(await reasonOf({}, [single.jwk], noKid(single))).toBe('KID_MISSING');
    expect(await reasonOf({ allowTokensWithoutKid: true }, [single.jwk], noKid(single))).toBe('ACCEPTED');
    expect(await reasonOf({ allowTokensWithoutKid: true }, [withoutKid], noKid(single))).toBe('ACCEPTED');
  });

  it('are refused when the JWKS holds several signing keys, or the single key is not the signer', async () => {
    const second = generateTestKey('ES256', 'second');
    const opted = { allowTokensWithoutKid: true };
    expect(await reasonOf(opted, [single.jwk, second.jwk], noKid(single))).toBe('KID_MISSING');
    const encOnly = { ...second.jwk, use: 'enc' };
    expect(await reasonOf(opted, [single.jwk, encOnly], noKid(single))).toBe('ACCEPTED');
    const stranger = generateTestKey('RS256', 'only');
    expect(await reasonOf(opted, [single.jwk], noKid(stranger))).toBe('SIGNATURE_INVALID');
  });

  it('issue 21 item 10: the save-time JWKS check honours allowTokensWithoutKid', async () => {
    const fetch = memoryJwksFetch({ keys: [withoutKid] }).fetch;
    const refused = await checkJwks(makeBrand(), { fetch, timeoutMs: 1000 });
    expect(refused).toEqual([
      { field: 'jwksUri', message: expect.stringContaining('key #1 (no kid) has no kid (see allowTokensWithoutKid)') },
    ]);
    expect(await checkJwks(makeBrand({ allowTokensWithoutKid: true }), { fetch, timeoutMs: 1000 })).toEqual([]);
  });

  it('a kid-less key never serves a token that names a kid', async () => {
    const opted = { allowTokensWithoutKid: true };
    expect(await reasonOf(opted, [withoutKid], (b) => signJwt(accessClaims(b), single))).toBe('KID_UNKNOWN');
  });
});

describe('EdDSA (Ed25519)', () => {
  const ed = generateTestKey('EdDSA', 'ed');

  it('verifies when the brand allows it, and only then', async () => {
    expect(await reasonOf({ allowedAlgorithms: ['EdDSA'] }, [ed.jwk], (b) => signJwt(accessClaims(b), ed))).toBe(
      'ACCEPTED',
    );
    expect(await reasonOf({}, [ed.jwk], (b) => signJwt(accessClaims(b), ed))).toBe('ALG_NOT_ALLOWED');
    const other = generateTestKey('EdDSA', 'ed');
    expect(await reasonOf({ allowedAlgorithms: ['EdDSA'] }, [ed.jwk], (b) => signJwt(accessClaims(b), other))).toBe(
      'SIGNATURE_INVALID',
    );
  });

  it('accepts a JWK alg of EdDSA or Ed25519 and refuses Ed448 keys with a reason', async () => {
    const fully = { ...ed.jwk, alg: 'Ed25519' };
    expect(await reasonOf({ allowedAlgorithms: ['EdDSA'] }, [fully], (b) => signJwt(accessClaims(b), ed))).toBe(
      'ACCEPTED',
    );
    const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' });
    expect(inspectJwk({ ...ed448, kid: 'x' }).problem).toMatch(/only Ed25519/);
  });
});

describe('several keys under one kid', () => {
  const a = generateTestKey('RS256', 'rot');
  const b = generateTestKey('RS256', 'rot');
  const ec = generateTestKey('ES256', 'rot');

  it('tries every key that fits the algorithm', async () => {
    const jwks = [a.jwk, ec.jwk, b.jwk];
    expect(await reasonOf({}, jwks, (brand) => signJwt(accessClaims(brand), a))).toBe('ACCEPTED');
    expect(await reasonOf({}, jwks, (brand) => signJwt(accessClaims(brand), b))).toBe('ACCEPTED');
    expect(await reasonOf({}, jwks, (brand) => signJwt(accessClaims(brand), ec))).toBe('ACCEPTED');
    const stranger = generateTestKey('RS256', 'rot');
    expect(await reasonOf({}, jwks, (brand) => signJwt(accessClaims(brand), stranger))).toBe('SIGNATURE_INVALID');
  });
});

describe('ECDSA high-s', () => {
  it('stays accepted (OpenSSL signers do not normalise s)', async () => {
    const key = generateTestKey('ES256', 'hs');
    const verdict = await reasonOf({}, [key.jwk], (brand) => {
      const input = `${b64url({ alg: 'ES256', kid: 'hs', typ: 'JWT' })}.${b64url(accessClaims(brand))}`;
      const raw = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      const n = BigInt(`0x${CURVE_ORDERS['P-256'].toString('hex')}`);
      const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
      const high = s > n / 2n ? s : n - s;
      const flipped = Buffer.concat([raw.subarray(0, 32), Buffer.from(high.toString(16).padStart(64, '0'), 'hex')]);
      return `${input}.${b64url(flipped)}`;
    });
    expect(verdict).toBe('ACCEPTED');
  });
});

describe('save-time JWKS messages', () => {
  it('name every unusable key and what is wrong with it', () => {
    const weak = generateTestKey('RS256', 'weak', { bits: 1024 });
    const es384 = generateTestKey('ES384', 'p384');
    const jwks = [
      { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' },
      { ...generateTestKey('RS256', 'enc').jwk, use: 'enc' },
      weak.jwk,
      es384.jwk,
      { kty: 'EC', kid: 'k1', crv: 'secp256k1', x: 'AA', y: 'AA' },
      { ...generateTestKey('RS256', 'x').jwk, kid: undefined },
    ];
    const { usable, problems } = describeUnusableKeys(jwks, ['RS256', 'ES256'], algorithmsForKey);
    expect(usable).toBe(0);
    expect(problems).toEqual([
      'key "hmac" has key type oct; only RSA, EC and OKP (Ed25519) verify signatures here',
      'key "enc" is not for signatures (use/key_ops)',
      'key "weak" is an RSA key under 2048 bits',
      'key "p384" (ES384 P-384) fits none of the allowed algorithms',
      'key "k1" has EC curve secp256k1; only P-256, P-384 and P-521 are supported',
      'key #6 (no kid) has no kid (see allowTokensWithoutKid)',
    ]);
  });

  it('appear in the brand check of the JWKS endpoint', async () => {
    const brand = makeBrand();
    const jwks = { keys: [{ kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }] };
    const issues = await checkJwks(brand, { fetch: memoryJwksFetch(jwks).fetch, timeoutMs: 1000 });
    expect(issues).toEqual([
      {
        field: 'jwksUri',
        message:
          'JWKS holds no usable signing key for RS256, ES256: key "hmac" has key type oct; only RSA, EC and OKP (Ed25519) verify signatures here',
      },
    ]);
    const ed = generateTestKey('EdDSA', 'ed');
    const edBrand = makeBrand({ allowedAlgorithms: ['EdDSA'] });
    expect(await checkJwks(edBrand, { fetch: memoryJwksFetch({ keys: [ed.jwk] }).fetch, timeoutMs: 1000 })).toEqual([]);
  });
});
