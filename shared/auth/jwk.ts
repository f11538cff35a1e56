// JWK -> node:crypto KeyObject, once per key, with the metadata the per-token checks need
// (RFC 7517 §4: kty, use, key_ops, alg, x5c/x5t; RFC 7518 §6 and RFC 8037 for the key types). Keys that can
// never verify anything we accept (private, symmetric, unknown curves) are dropped, each with a reason the
// save-time check reports; weak or enc-only keys are kept flagged so a token naming them is refused with a
// precise reason instead of triggering a refetch.
import { createHash, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';

export type CurveName = 'P-256' | 'P-384' | 'P-521' | 'Ed25519';

export interface KeyEntry {
  /** The JWK's `kid`; '' when it has none (usable only by a brand that allows tokens without kid). */
  kid: string;
  kty: 'RSA' | 'EC' | 'OKP';
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

const EC_CURVES = new Set<string>(['P-256', 'P-384', 'P-521']);
const OKP_CURVES = new Set<string>(['Ed25519']);
const MIN_RSA_BITS = 2048;
const KID_PATTERN = /^[A-Za-z0-9._~+/=:-]{1,128}$/;

/** True for a `kid` we are willing to look up: short, printable, no path traversal. */
export function isAcceptableKid(kid: string): boolean {
  return KID_PATTERN.test(kid) && !kid.includes('..');
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** What importing one JWK gave: the key, or why it can never verify a token. */
export type JwkInspection = { entry: KeyEntry; problem?: undefined } | { entry?: undefined; problem: string };

const refused = (problem: string): JwkInspection => ({ problem });

/** The public key of the leaf certificate of `x5c`, checked against `x5t` / `x5t#S256` when present. */
function keyFromCertificate(jwk: Record<string, unknown>): { key: KeyObject; der: string } | string {
  const chain = jwk.x5c;
  const leaf = Array.isArray(chain) ? str(chain[0]) : undefined;
  if (leaf === undefined) return 'has neither its key parameters nor an x5c certificate';
  const der = Buffer.from(leaf, 'base64');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    return 'has an x5c certificate that does not parse';
  }
  const x5t = str(jwk.x5t);
  if (x5t !== undefined && createHash('sha1').update(der).digest('base64url') !== x5t.replace(/=+$/, '')) {
    return 'has an x5t that is not the thumbprint of its x5c certificate';
  }
  const x5t256 = str(jwk['x5t#S256']);
  if (x5t256 !== undefined && createHash('sha256').update(der).digest('base64url') !== x5t256.replace(/=+$/, '')) {
    return 'has an x5t#S256 that is not the thumbprint of its x5c certificate';
  }
  return { key: certificate.publicKey, der: der.toString('base64url') };
}

/** The key material in JWK form, for createPublicKey and for the fingerprint. */
function materialOf(jwk: Record<string, unknown>, kty: 'RSA' | 'EC' | 'OKP', crv: string | undefined) {
  if (kty === 'RSA')
    return str(jwk.n) !== undefined && str(jwk.e) !== undefined ? { kty, n: jwk.n, e: jwk.e } : undefined;
  if (kty === 'EC')
    return str(jwk.x) !== undefined && str(jwk.y) !== undefined ? { kty, crv, x: jwk.x, y: jwk.y } : undefined;
  return str(jwk.x) !== undefined ? { kty, crv, x: jwk.x } : undefined;
}

/** Imports one JWK of a JWKS, or says why it can never verify a token we accept. */
export function inspectJwk(jwk: Record<string, unknown>, previous?: KeyEntry): JwkInspection {
  const kid = jwk.kid === undefined ? '' : str(jwk.kid);
  const kty = str(jwk.kty);
  if (kid === undefined || (kid !== '' && !isAcceptableKid(kid))) return refused('has an unusable kid');
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') {
    return refused(`has key type ${kty ?? '(none)'}; only RSA, EC and OKP (Ed25519) verify signatures here`);
  }
  if ('d' in jwk) return refused('is a private key'); // a private key in a public JWKS: refuse to use it at all
  const crv = str(jwk.crv);
  if (kty === 'EC' && (crv === undefined || !EC_CURVES.has(crv))) {
    return refused(`has EC curve ${crv ?? '(none)'}; only P-256, P-384 and P-521 are supported`);
  }
  if (kty === 'OKP' && (crv === undefined || !OKP_CURVES.has(crv))) {
    return refused(`has OKP curve ${crv ?? '(none)'}; only Ed25519 is supported`);
  }
  const material = materialOf(jwk, kty, crv);
  // A certificate beside the key parameters must hold the same key (RFC 7517 §4.7): it is checked, never ignored.
  const certificate = material === undefined || jwk.x5c !== undefined ? keyFromCertificate(jwk) : undefined;
  if (typeof certificate === 'string') return refused(certificate);
  const fingerprint =
    material === undefined
      ? `X5C|${certificate?.der ?? ''}`
      : `${kty}|${crv ?? ''}|${JSON.stringify(material)}${certificate ? `|X5C|${certificate.der}` : ''}`;
  const use = jwk.use;
  const keyOps = jwk.key_ops;
  const usableForSignatures =
    (use === undefined || use === 'sig') &&
    (keyOps === undefined || (Array.isArray(keyOps) && keyOps.includes('verify')));
  const alg = jwk.alg === undefined ? undefined : (str(jwk.alg) ?? '');
  if (
    previous &&
    previous.fingerprint === fingerprint &&
    previous.kid === kid &&
    previous.alg === alg &&
    previous.usableForSignatures === usableForSignatures
  ) {
    return { entry: previous }; // unchanged: same object, so anything cached against it stays valid
  }
  let key: KeyObject;
  if (material === undefined && certificate !== undefined) {
    key = certificate.key;
  } else {
    try {
      key = createPublicKey({ key: material as import('node:crypto').JsonWebKey, format: 'jwk' });
    } catch {
      return refused('has key parameters that do not form a valid public key');
    }
    if (certificate !== undefined && !key.equals(certificate.key)) {
      return refused(`has an x5c certificate that holds another key than its ${kty === 'RSA' ? 'n/e' : 'x/y'}`);
    }
  }
  const actual = key.asymmetricKeyType;
  const expected = kty === 'RSA' ? 'rsa' : kty === 'EC' ? 'ec' : 'ed25519';
  if (actual !== expected) return refused(`is declared ${kty} but its certificate holds a ${actual ?? 'unknown'} key`);
  if (kty === 'EC' && certificate !== undefined && curveOf(key) !== crv) {
    return refused(`is declared on ${crv} but its certificate key is on ${curveOf(key) ?? 'another curve'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  return {
    entry: {
      kid,
      kty,
      crv: kty === 'RSA' ? undefined : (crv as CurveName),
      alg,
      usableForSignatures,
      strongEnough: kty !== 'RSA' || bits >= MIN_RSA_BITS,
      key,
      fingerprint,
      active: true,
    },
  };
}

const NAMED_CURVES: Record<string, CurveName> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function curveOf(key: KeyObject): CurveName | undefined {
  const named = key.asymmetricKeyDetails?.namedCurve;
  return named === undefined ? undefined : NAMED_CURVES[named];
}

/** Imports one JWK from a JWKS, or returns undefined when it can never verify a token we accept. */
export function importJwk(jwk: Record<string, unknown>, previous?: KeyEntry): KeyEntry | undefined {
  return inspectJwk(jwk, previous).entry;
}

/** One JWKS key as the save-time check and the brand doctor describe it: usable, or what is wrong with it. */
export interface KeyReport<A extends string> {
  /** `key "kid"`, or `key #n (no kid)`. */
  label: string;
  /** The allowed algorithms it can verify (empty when it has a problem). */
  algorithms: A[];
  problem?: string;
}

/** Describes the `index`-th key of a JWKS against the allowed algorithms (see describeUnusableKeys). */
export function describeKey<A extends string>(
  jwk: Record<string, unknown>,
  index: number,
  allowed: readonly A[],
  algorithmsForKey: (entry: KeyEntry, allowed: readonly A[]) => A[],
  allowWithoutKid = false,
): KeyReport<A> {
  const label = typeof jwk.kid === 'string' ? `key "${jwk.kid.slice(0, 64)}"` : `key #${index + 1} (no kid)`;
  const refused = (problem: string): KeyReport<A> => ({ label, algorithms: [], problem });
  const { entry, problem } = inspectJwk(jwk);
  if (entry === undefined) return refused(problem);
  if (entry.kid === '' && !allowWithoutKid) return refused('has no kid (see allowTokensWithoutKid)');
  if (!entry.usableForSignatures) return refused('is not for signatures (use/key_ops)');
  if (!entry.strongEnough) return refused(`is an RSA key under ${MIN_RSA_BITS} bits`);
  const algorithms = algorithmsForKey(entry, allowed);
  if (algorithms.length === 0) {
    return refused(
      `(${entry.alg ?? entry.kty}${entry.crv ? ` ${entry.crv}` : ''}) fits none of the allowed algorithms`,
    );
  }
  return { label, algorithms };
}

/**
 * Save-time report on a JWKS: how many keys can verify a token of `allowed`, and one sentence per key that
 * cannot, naming it (`key "kid"` or `key #n`) and what is wrong with it.
 */
export function describeUnusableKeys<A extends string>(
  jwks: readonly Record<string, unknown>[],
  allowed: readonly A[],
  algorithmsForKey: (entry: KeyEntry, allowed: readonly A[]) => A[],
  allowWithoutKid = false,
): { usable: number; problems: string[] } {
  const reports = jwks.map((jwk, index) => describeKey(jwk, index, allowed, algorithmsForKey, allowWithoutKid));
  return {
    usable: reports.filter((report) => report.problem === undefined).length,
    problems: reports.flatMap((report) => (report.problem === undefined ? [] : [`${report.label} ${report.problem}`])),
  };
}
