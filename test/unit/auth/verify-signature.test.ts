import { createPrivateKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { importJwk } from '../../../shared/auth/jwk.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import { CURVE_ORDERS, ecdsaScalarsInRange, verifySignature } from '../../../shared/auth/verify-signature.js';
import { generateTestKey } from '../../support/jwt.js';

const CASES = [
  ['ES256', 'P-256', 'sha256'],
  ['ES384', 'P-384', 'sha384'],
  ['ES512', 'P-521', 'sha512'],
] as const;

describe('CURVE_ORDERS', () => {
  it.each(CASES)('holds the real order of the %s curve (the malleable twin n - s verifies)', (alg, crv, hash) => {
    // Arrange: a genuine signature (r, s); (r, n - s) is valid too exactly when n is the curve order.
    const key = generateTestKey(alg, 'k');
    const data = Buffer.from('payload');
    const sig = sign(hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
    const size = sig.length / 2;
    const n = BigInt(`0x${CURVE_ORDERS[crv].toString('hex')}`);
    const s = BigInt(`0x${sig.subarray(size).toString('hex')}`);
    const twin = Buffer.from((n - s).toString(16).padStart(size * 2, '0'), 'hex');
    // Act / Assert
    expect(CURVE_ORDERS[crv].length).toBe(size);
    expect(
      verify(
        hash,
        data,
        { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.concat([sig.subarray(0, size), twin]),
      ),
    ).toBe(true);
  });

  it.each(CASES)('refuses an %s signature whose s is moved to s + n', (alg, crv, hash) => {
    const key = generateTestKey(alg, 'k');
    const entry = importJwk(key.jwk);
    if (!entry) throw new Error('key did not import');
    const data = Buffer.from('payload');
    for (let attempt = 0; attempt < 20; attempt++) {
      const sig = sign(hash, data, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
      const size = sig.length / 2;
      const n = BigInt(`0x${CURVE_ORDERS[crv].toString('hex')}`);
      const moved = BigInt(`0x${sig.subarray(size).toString('hex')}`) + n;
      if (moved.toString(16).length > size * 2) continue; // does not fit the fixed width: try another signature
      const forged = Buffer.concat([
        sig.subarray(0, size),
        Buffer.from(moved.toString(16).padStart(size * 2, '0'), 'hex'),
      ]);
      expect(() => verifySignature(alg, entry, data, forged)).toThrow(TokenError);
      verifySignature(alg, entry, data, sig);
      return;
    }
  });
});

describe('importJwk', () => {
  it('drops private, symmetric and unknown-curve keys', () => {
    const key = generateTestKey('ES256', 'k');
    const priv = createPrivateKey({ key: key.privateKey.export({ format: 'jwk' }), format: 'jwk' }).export({
      format: 'jwk',
    });
    expect(importJwk({ ...priv, kid: 'k' })).toBeUndefined();
    expect(importJwk({ kty: 'oct', k: 'c2VjcmV0', kid: 'k' })).toBeUndefined();
    expect(importJwk({ ...key.jwk, crv: 'secp256k1' })).toBeUndefined();
    expect(importJwk({ ...key.jwk, x: 'AAAA' })).toBeUndefined();
  });

  it('keeps the same entry when a refresh publishes the same key', () => {
    const key = generateTestKey('RS256', 'k');
    const first = importJwk(key.jwk);
    expect(importJwk({ ...key.jwk }, first)).toBe(first);
  });
});

describe('ecdsaScalarsInRange', () => {
  it.each(['P-256', 'P-384', 'P-521'] as const)('accepts only 0 < r, s < n of the exact size on %s', (crv) => {
    const n = CURVE_ORDERS[crv];
    const size = n.length;
    const one = Buffer.alloc(size);
    one[size - 1] = 1;
    const nMinusOne = Buffer.from((BigInt(`0x${n.toString('hex')}`) - 1n).toString(16).padStart(size * 2, '0'), 'hex');
    expect(ecdsaScalarsInRange(Buffer.concat([one, nMinusOne]), crv)).toBe(true);
    expect(ecdsaScalarsInRange(Buffer.concat([Buffer.alloc(size), one]), crv)).toBe(false);
    expect(ecdsaScalarsInRange(Buffer.concat([one, Buffer.alloc(size)]), crv)).toBe(false);
    expect(ecdsaScalarsInRange(Buffer.concat([n, one]), crv)).toBe(false);
    expect(ecdsaScalarsInRange(Buffer.concat([one, n]), crv)).toBe(false);
    expect(ecdsaScalarsInRange(Buffer.concat([one, one, Buffer.alloc(1)]), crv)).toBe(false);
  });
});
