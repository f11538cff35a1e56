// JWS signature verification with node:crypto (RFC 7518 §3): the alg decides the hash, padding and key
// type; ECDSA signatures must be raw R||S of the curve's exact size with 0 < r, s < n (no DER, no
// "psychic" zero signatures). The key must fit the alg (kty, crv, the JWK's own alg, use = sig).
import { constants, verify } from 'node:crypto';
import type { SupportedAlgorithm } from '../config/brand-config.js';
import type { CurveName, KeyEntry } from './jwk.js';
import { TokenError, TokenErrorReasons } from './token-error.js';

interface AlgorithmSpec {
  hash: 'sha256' | 'sha384' | 'sha512';
  kty: 'RSA' | 'EC';
  pss: boolean;
  crv?: CurveName;
}

const SPECS: Record<SupportedAlgorithm, AlgorithmSpec> = {
  RS256: { hash: 'sha256', kty: 'RSA', pss: false },
  RS384: { hash: 'sha384', kty: 'RSA', pss: false },
  RS512: { hash: 'sha512', kty: 'RSA', pss: false },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  PS384: { hash: 'sha384', kty: 'RSA', pss: true },
  PS512: { hash: 'sha512', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', pss: false, crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', pss: false, crv: 'P-384' },
  ES512: { hash: 'sha512', kty: 'EC', pss: false, crv: 'P-521' },
};

/** Curve orders n (SEC 2), big-endian at the curve's coordinate size. */
export const CURVE_ORDERS: Record<CurveName, Buffer> = {
  'P-256': Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex'),
  'P-384': Buffer.from(
    'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973',
    'hex',
  ),
  'P-521': Buffer.from(
    `01ff${'ffffffff'.repeat(7)}fffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409`,
    'hex',
  ),
};

/** True when `alg` is one this verifier implements (HMAC and none never are). */
export function isSupportedAlgorithm(alg: string): alg is SupportedAlgorithm {
  return Object.hasOwn(SPECS, alg);
}

/** Picks the key among those published under one kid that fits `alg`, or explains why none does. */
export function selectKey(entries: readonly KeyEntry[], alg: SupportedAlgorithm): KeyEntry {
  const spec = SPECS[alg];
  let reason: 'KEY_ALG_MISMATCH' | 'KEY_USE_INVALID' | 'KEY_TOO_WEAK' = TokenErrorReasons.KEY_ALG_MISMATCH;
  for (const entry of entries) {
    if (entry.kty !== spec.kty || (spec.crv !== undefined && entry.crv !== spec.crv)) continue;
    if (entry.alg !== undefined && entry.alg !== alg) continue;
    if (!entry.usableForSignatures) {
      reason = TokenErrorReasons.KEY_USE_INVALID;
      continue;
    }
    if (!entry.strongEnough) {
      reason = TokenErrorReasons.KEY_TOO_WEAK;
      continue;
    }
    return entry;
  }
  throw new TokenError(reason);
}

function isZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** True when a raw R||S signature has the curve's exact size and 0 < r, s < n (checked before OpenSSL sees it). */
export function ecdsaScalarsInRange(signature: Buffer, crv: CurveName): boolean {
  const order = CURVE_ORDERS[crv];
  return (
    signature.length === order.length * 2 &&
    scalarInRange(signature, 0, order) &&
    scalarInRange(signature, order.length, order)
  );
}

/** Checks one ECDSA scalar (r or s) lies in [1, n-1]. */
function scalarInRange(signature: Buffer, start: number, order: Buffer): boolean {
  const end = start + order.length;
  return !isZero(signature, start, end) && signature.compare(order, 0, order.length, start, end) < 0;
}

/**
 * Verifies `signature` over `signingInput` with `entry` under `alg`.
 * @throws TokenError SIGNATURE_INVALID.
 */
export function verifySignature(
  alg: SupportedAlgorithm,
  entry: KeyEntry,
  signingInput: Buffer,
  signature: Buffer,
): void {
  const spec = SPECS[alg];
  let ok = false;
  try {
    if (spec.kty === 'EC') {
      ok =
        ecdsaScalarsInRange(signature, spec.crv ?? 'P-256') &&
        verify(spec.hash, signingInput, { key: entry.key, dsaEncoding: 'ieee-p1363' }, signature);
    } else if (spec.pss) {
      const options = {
        key: entry.key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      };
      ok = verify(spec.hash, signingInput, options, signature);
    } else {
      ok = verify(spec.hash, signingInput, entry.key, signature);
    }
  } catch {
    ok = false; // OpenSSL refuses some malformed signatures by throwing rather than returning false
  }
  if (!ok) throw new TokenError(TokenErrorReasons.SIGNATURE_INVALID);
}
