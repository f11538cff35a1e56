// JWS signature verification with node:crypto (RFC 7518 §3, RFC 8037 for EdDSA): the alg decides the hash,
// padding and key type; ECDSA signatures must be raw R||S of the curve's exact size with 0 < r, s < n (no
// DER, no "psychic" zero signatures; high s stays accepted, as OpenSSL signers do not normalise it). The key
// must fit the alg (kty, crv, the JWK's own alg, use = sig); when several keys share a kid, every fitting
// one is tried.
import { constants, verify } from 'node:crypto';
import type { SupportedAlgorithm } from '../config/brand-config.js';
import type { CurveName, KeyEntry } from './jwk.js';
import { TokenError, TokenErrorReasons } from './token-error.js';

interface AlgorithmSpec {
  /** null for EdDSA, which hashes internally. */
  hash: 'sha256' | 'sha384' | 'sha512' | null;
  kty: 'RSA' | 'EC' | 'OKP';
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
  EdDSA: { hash: null, kty: 'OKP', pss: false, crv: 'Ed25519' },
};

/** JWK `alg` values that name EdDSA with Ed25519 (RFC 8037 `EdDSA`, fully specified `Ed25519`). */
const EDDSA_JWK_ALGS = new Set(['EdDSA', 'Ed25519']);

function jwkAlgFits(entry: KeyEntry, alg: SupportedAlgorithm): boolean {
  return entry.alg === undefined || entry.alg === alg || (alg === 'EdDSA' && EDDSA_JWK_ALGS.has(entry.alg));
}

/** Curve orders n (SEC 2), big-endian at the curve's coordinate size. */
export const CURVE_ORDERS: Record<Exclude<CurveName, 'Ed25519'>, Buffer> = {
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

function keyFits(entry: KeyEntry, spec: AlgorithmSpec, alg: SupportedAlgorithm): boolean {
  return (
    entry.kty === spec.kty &&
    (spec.crv === undefined || entry.crv === spec.crv) &&
    jwkAlgFits(entry, alg) &&
    entry.usableForSignatures &&
    entry.strongEnough
  );
}

/**
 * The keys among those published under one kid that fit `alg` (kty, crv, the JWK's own alg, use, strength),
 * in JWKS order, or explains why none does.
 */
function selectKeys(entries: readonly KeyEntry[], alg: SupportedAlgorithm): readonly KeyEntry[] {
  const spec = SPECS[alg];
  // One key published under the kid, and it fits: the common case, answered without a new array.
  const [only] = entries;
  if (entries.length === 1 && only !== undefined && keyFits(only, spec, alg)) return entries;
  let reason: 'KEY_ALG_MISMATCH' | 'KEY_USE_INVALID' | 'KEY_TOO_WEAK' = TokenErrorReasons.KEY_ALG_MISMATCH;
  const fitting: KeyEntry[] = [];
  for (const entry of entries) {
    if (entry.kty !== spec.kty || (spec.crv !== undefined && entry.crv !== spec.crv)) continue;
    if (!jwkAlgFits(entry, alg)) continue;
    if (!entry.usableForSignatures) {
      reason = TokenErrorReasons.KEY_USE_INVALID;
      continue;
    }
    if (!entry.strongEnough) {
      reason = TokenErrorReasons.KEY_TOO_WEAK;
      continue;
    }
    fitting.push(entry);
  }
  if (fitting.length === 0) throw new TokenError(reason);
  return fitting;
}

/**
 * Verifies with every key that fits `alg` (several keys may share a kid during a rotation) and returns the
 * first that verifies.
 * @throws TokenError naming why no key fits, or SIGNATURE_INVALID.
 */
export function verifyWithAnyKey(
  alg: SupportedAlgorithm,
  entries: readonly KeyEntry[],
  signingInput: Buffer,
  signature: Buffer,
): KeyEntry {
  for (const entry of selectKeys(entries, alg)) {
    if (signatureVerifies(alg, entry, signingInput, signature)) return entry;
  }
  throw new TokenError(TokenErrorReasons.SIGNATURE_INVALID);
}

function isZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** True when a raw R||S signature has the curve's exact size and 0 < r, s < n (checked before OpenSSL sees it). */
export function ecdsaScalarsInRange(signature: Buffer, crv: Exclude<CurveName, 'Ed25519'>): boolean {
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
  if (!signatureVerifies(alg, entry, signingInput, signature))
    throw new TokenError(TokenErrorReasons.SIGNATURE_INVALID);
}

function signatureVerifies(alg: SupportedAlgorithm, entry: KeyEntry, signingInput: Buffer, signature: Buffer): boolean {
  const spec = SPECS[alg];
  try {
    if (spec.kty === 'OKP') return signature.length === 64 && verify(null, signingInput, entry.key, signature);
    if (spec.kty === 'EC') {
      const crv = (spec.crv ?? 'P-256') as Exclude<CurveName, 'Ed25519'>;
      return (
        ecdsaScalarsInRange(signature, crv) &&
        verify(spec.hash, signingInput, { key: entry.key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    }
    if (spec.pss) {
      const options = {
        key: entry.key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      };
      return verify(spec.hash, signingInput, options, signature);
    }
    return verify(spec.hash, signingInput, entry.key, signature);
  } catch {
    return false; // OpenSSL refuses some malformed signatures by throwing rather than returning false
  }
}
