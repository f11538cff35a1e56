// JWK -> node:crypto KeyObject, once per key, with the metadata the per-token checks need
// (RFC 7517 §4: kty, use, key_ops, alg; RFC 7518 §6 for the key types). Keys that can never verify
// anything we accept (private, symmetric, unknown curves) are dropped; weak or enc-only keys are kept
// flagged so a token naming them is refused with a precise reason instead of triggering a refetch.
import { createPublicKey, type KeyObject } from 'node:crypto';

export type CurveName = 'P-256' | 'P-384' | 'P-521';

export interface KeyEntry {
  kid: string;
  kty: 'RSA' | 'EC';
  crv: CurveName | undefined;
  /** The JWK's own `alg`, when it declares one. */
  alg: string | undefined;
  /** False when `use` is present and not `sig`, or `key_ops` lacks `verify`. */
  usableForSignatures: boolean;
  /** False for RSA keys under 2048 bits. */
  strongEnough: boolean;
  key: KeyObject;
  /** Identity of the key material: a refresh keeps the KeyObject when it did not change. */
  fingerprint: string;
  /** Cleared when a JWKS refresh no longer lists this key (lets caches drop results it verified). */
  active: boolean;
}

const CURVES = new Set<string>(['P-256', 'P-384', 'P-521']);
const MIN_RSA_BITS = 2048;
const KID_PATTERN = /^[A-Za-z0-9._~+/=:-]{1,128}$/;

/** True for a `kid` we are willing to look up: short, printable, no path traversal. */
export function isAcceptableKid(kid: string): boolean {
  return KID_PATTERN.test(kid) && !kid.includes('..');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Imports one JWK from a JWKS, or returns undefined when it can never verify a token we accept. */
export function importJwk(jwk: Record<string, unknown>, previous?: KeyEntry): KeyEntry | undefined {
  const kid = str(jwk.kid);
  const kty = str(jwk.kty);
  if (kid === undefined || !isAcceptableKid(kid)) return undefined;
  if (kty !== 'RSA' && kty !== 'EC') return undefined;
  if ('d' in jwk) return undefined; // a private key in a public JWKS: refuse to use it at all
  const crv = str(jwk.crv);
  if (kty === 'EC' && (crv === undefined || !CURVES.has(crv))) return undefined;
  const fingerprint = kty === 'RSA' ? `RSA|${str(jwk.n)}|${str(jwk.e)}` : `EC|${crv}|${str(jwk.x)}|${str(jwk.y)}`;
  const use = jwk.use;
  const keyOps = jwk.key_ops;
  const usableForSignatures =
    (use === undefined || use === 'sig') &&
    (keyOps === undefined || (Array.isArray(keyOps) && keyOps.includes('verify')));
  const alg = jwk.alg === undefined ? undefined : (str(jwk.alg) ?? '');
  if (
    previous &&
    previous.fingerprint === fingerprint &&
    previous.alg === alg &&
    previous.usableForSignatures === usableForSignatures
  ) {
    return previous; // unchanged: same object, so anything cached against it stays valid
  }
  let key: KeyObject;
  {
    const material = kty === 'RSA' ? { kty, n: str(jwk.n), e: str(jwk.e) } : { kty, crv, x: str(jwk.x), y: str(jwk.y) };
    try {
      key = createPublicKey({ key: material as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      return undefined;
    }
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return {
    kid,
    kty,
    crv: kty === 'EC' ? (crv as CurveName) : undefined,
    alg,
    usableForSignatures,
    strongEnough: kty === 'EC' || bits >= MIN_RSA_BITS,
    key,
    fingerprint,
    active: true,
  };
}
