// The brand-independent header rules and the brand-bound signature check shared by access-token and
// logout-token verification (RFC 8725 §3.1-3.2, RFC 7515 §4.1.11 crit, RFC 7797 b64).
import type { BrandConfig } from '../config/brand-config.js';
import type { ParsedJws } from './compact-jws.js';
import { isAcceptableKid, type KeyEntry } from './jwk.js';
import type { JwksProvider } from './jwks-cache.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { isSupportedAlgorithm, selectKey, verifySignature } from './verify-signature.js';
import type { SupportedAlgorithm } from '../config/brand-config.js';

export interface CheckedHeader {
  alg: string;
  kid: string;
  /** Lower-cased `typ` without an `application/` prefix; '' when absent. */
  typ: string;
}

/** Header rules that need no brand: alg present and not none, no crit, no b64:false, a sane kid. */
export function checkHeader(header: Record<string, unknown>): CheckedHeader {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string') throw new TokenError(TokenErrorReasons.HEADER_INVALID, 'alg must be a string');
  if (alg.toLowerCase() === 'none') throw new TokenError(TokenErrorReasons.ALG_NONE);
  // jku, x5u, x5c and jwk are never read: keys come only from the brand's configured JWKS.
  if (header.crit !== undefined) throw new TokenError(TokenErrorReasons.CRIT_UNSUPPORTED);
  if (header.b64 !== undefined && header.b64 !== true) throw new TokenError(TokenErrorReasons.B64_UNSUPPORTED);
  if (kid === undefined) throw new TokenError(TokenErrorReasons.KID_MISSING);
  if (typeof kid !== 'string' || !isAcceptableKid(kid)) throw new TokenError(TokenErrorReasons.KID_INVALID);
  let normalizedTyp = '';
  if (typ !== undefined) {
    if (typeof typ !== 'string') throw new TokenError(TokenErrorReasons.TYP_INVALID);
    normalizedTyp = typ.toLowerCase();
    if (normalizedTyp.startsWith('application/')) normalizedTyp = normalizedTyp.slice(12);
  }
  return { alg, kid, typ: normalizedTyp };
}

/** The brand's alg allow-list (never the token's word): the alg, or ALG_NOT_ALLOWED. */
export function allowedAlgorithm(header: CheckedHeader, brand: BrandConfig): SupportedAlgorithm {
  const alg = header.alg;
  if (!isSupportedAlgorithm(alg) || !brand.allowedAlgorithms.includes(alg)) {
    throw new TokenError(TokenErrorReasons.ALG_NOT_ALLOWED);
  }
  return alg;
}

/**
 * Verifies the signature with the brand's keys after the brand's alg allow-list. Synchronous when the
 * brand's JWKS is cached (the warm path).
 * @returns the key that verified it (its `active` flag tells caches when it left the JWKS).
 */
export function verifyWithBrandKeys(
  parsed: ParsedJws,
  header: CheckedHeader,
  brand: BrandConfig,
  jwks: JwksProvider,
): KeyEntry | Promise<KeyEntry> {
  const alg = allowedAlgorithm(header, brand);
  const found = jwks(brand.jwksUri).getKeys(header.kid);
  if (Array.isArray(found)) return verifyWithEntries(parsed, alg, found);
  return (found as Promise<readonly KeyEntry[]>).then((entries) => verifyWithEntries(parsed, alg, entries));
}

function verifyWithEntries(parsed: ParsedJws, alg: SupportedAlgorithm, entries: readonly KeyEntry[]): KeyEntry {
  const entry = selectKey(entries, alg);
  verifySignature(alg, entry, parsed.signingInput, parsed.signature);
  return entry;
}
