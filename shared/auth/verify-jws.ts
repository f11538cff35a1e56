// The brand-independent header rules and the brand-bound signature check shared by access-token and
// logout-token verification (RFC 8725 §3.1-3.2, RFC 7515 §4.1.11 crit, RFC 7797 b64).
import type { BrandConfig } from '../config/brand-config.js';
import type { ParsedJws } from './compact-jws.js';
import { isAcceptableKid, type KeyEntry } from './jwk.js';
import type { JwksProvider } from './jwks-cache.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { isSupportedAlgorithm, verifyWithAnyKey } from './verify-signature.js';
import type { SupportedAlgorithm } from '../config/brand-config.js';

export interface CheckedHeader {
  alg: string;
  /** '' when the header has no kid (then only a brand with `allowTokensWithoutKid` goes on). */
  kid: string;
  /** Lower-cased `typ` without an `application/` prefix; '' when absent. */
  typ: string;
}

/** Header rules that need no brand: alg present and not none, no crit, no b64:false, a sane kid when present. */
export function checkHeader(header: Record<string, unknown>): CheckedHeader {
  const { alg, kid, typ } = header;
  if (typeof alg !== 'string') throw new TokenError(TokenErrorReasons.HEADER_INVALID, 'alg must be a string');
  if (alg.length === 4 && alg.toLowerCase() === 'none') throw new TokenError(TokenErrorReasons.ALG_NONE);
  // jku, x5u, x5c and jwk are never read: keys come only from the brand's configured JWKS.
  if (header.crit !== undefined) throw new TokenError(TokenErrorReasons.CRIT_UNSUPPORTED);
  if (header.b64 !== undefined && header.b64 !== true) throw new TokenError(TokenErrorReasons.B64_UNSUPPORTED);
  if (kid !== undefined && (typeof kid !== 'string' || !isAcceptableKid(kid))) {
    throw new TokenError(TokenErrorReasons.KID_INVALID);
  }
  let normalizedTyp = '';
  if (typ !== undefined) {
    if (typeof typ !== 'string') throw new TokenError(TokenErrorReasons.TYP_INVALID);
    // 'JWT' is what most issuers write: no lower-cased copy on the hot path.
    normalizedTyp = typ === 'JWT' ? 'jwt' : typ.toLowerCase();
    if (normalizedTyp.startsWith('application/')) normalizedTyp = normalizedTyp.slice(12);
  }
  return { alg, kid: kid ?? '', typ: normalizedTyp };
}

/** The brand's alg allow-list (never the token's word): the alg, or ALG_NOT_ALLOWED. */
function allowedAlgorithm(header: CheckedHeader, brand: BrandConfig): SupportedAlgorithm {
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
  if (header.kid === '' && !brand.allowTokensWithoutKid) throw new TokenError(TokenErrorReasons.KID_MISSING);
  const alg = allowedAlgorithm(header, brand);
  const withoutKid = header.kid === '';
  const found = withoutKid ? jwks(brand.jwksUri).getAllKeys() : jwks(brand.jwksUri).getKeys(header.kid);
  if (Array.isArray(found)) return verifyWithEntries(parsed, alg, found, withoutKid);
  return (found as Promise<readonly KeyEntry[]>).then((entries) => verifyWithEntries(parsed, alg, entries, withoutKid));
}

function verifyWithEntries(
  parsed: ParsedJws,
  alg: SupportedAlgorithm,
  entries: readonly KeyEntry[],
  withoutKid: boolean,
): KeyEntry {
  if (withoutKid) {
    // A token without kid is only unambiguous when the JWKS publishes exactly one signing key.
    const signing = entries.filter((entry) => entry.usableForSignatures);
    if (signing.length !== 1) {
      throw new TokenError(TokenErrorReasons.KID_MISSING, `no kid and ${signing.length} signing keys in the JWKS`);
    }
    return verifyWithAnyKey(alg, signing, parsed.signingInput, parsed.signature);
  }
  return verifyWithAnyKey(alg, entries, parsed.signingInput, parsed.signature);
}
