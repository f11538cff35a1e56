// ID-token verification (OIDC Core §3.1.3.7) with the same parser, header rules, brand keys and JWKS cache as
// access and logout tokens: issuer exactly the brand's, `aud` naming the brand's client (`azp` = the client
// when several audiences or when present), a `sub`, and the time rules (an expired token only for callers
// that ask: `id_token_hint` at logout, as RP-initiated logout allows).
import type { BrandConfig } from '../config/brand-config.js';
import { checkTimeClaims, optionalNumber, optionalString, readAudience } from './claims.js';
import { type JsonObject, parseCompactJws } from './compact-jws.js';
import { getJwksCache, type JwksProvider } from './jwks-cache.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { checkHeader, verifyWithBrandKeys } from './verify-jws.js';

export interface VerifyIdTokenDeps {
  /** Epoch milliseconds. */
  now: () => number;
  /** Defaults to the process-wide registry (getJwksCache), shared with the access-token verifier. */
  jwks?: JwksProvider;
}

export interface VerifyIdTokenOptions {
  /** Accept a token past its `exp` (logout hints); every other rule still applies. */
  allowExpired?: boolean;
}

export interface VerifiedIdToken {
  sub: string;
  /** '' when the ID token carries no `sid`. */
  sid: string;
  claims: JsonObject;
}

/** `typ` values an ID token may carry: none, JWT, or an explicit ID-token type. */
const ID_TYPS = new Set(['', 'jwt', 'id_token+jwt', 'id+jwt']);

/**
 * Verifies `token` as an ID token that `brand`'s CIAM issued to the brand's client.
 * @throws TokenError with the reason of the first rule it breaks.
 */
export async function verifyIdToken(
  token: string,
  brand: BrandConfig,
  deps: VerifyIdTokenDeps,
  options: VerifyIdTokenOptions = {},
): Promise<VerifiedIdToken> {
  const parsed = parseCompactJws(token);
  const header = checkHeader(parsed.header);
  const { claims } = parsed;
  if (header.typ === 'logout+jwt' || claims.events !== undefined) {
    throw new TokenError(TokenErrorReasons.LOGOUT_TOKEN_REJECTED);
  }
  if (!ID_TYPS.has(header.typ)) throw new TokenError(TokenErrorReasons.TYP_INVALID);
  if (claims.iss !== brand.issuer) throw new TokenError(TokenErrorReasons.ISSUER_UNKNOWN);
  const aud = readAudience(claims);
  // Issued to one of the brand's apps (clientIds); with several audiences, azp names which one.
  if (!aud.some((value) => brand.clientIds.includes(value))) throw new TokenError(TokenErrorReasons.AUDIENCE_INVALID);
  const azp = optionalString(claims, 'azp');
  if ((aud.length > 1 || azp !== undefined) && (azp === undefined || !brand.clientIds.includes(azp))) {
    throw new TokenError(TokenErrorReasons.AZP_INVALID);
  }
  const tokenUse = optionalString(claims, 'token_use');
  if (tokenUse !== undefined && tokenUse !== 'id') throw new TokenError(TokenErrorReasons.TOKEN_USE_INVALID);
  await verifyWithBrandKeys(parsed, header, brand, deps.jwks ?? getJwksCache);
  const nowSeconds = Math.floor(deps.now() / 1000);
  if (options.allowExpired) {
    // Past exp is fine for a hint; a missing exp, a future iat and an over-long lifetime are not.
    const exp = optionalNumber(claims, 'exp');
    checkTimeClaims(claims, brand, exp === undefined ? nowSeconds : Math.min(nowSeconds, exp - 1));
  } else {
    checkTimeClaims(claims, brand, nowSeconds);
  }
  const sub = optionalString(claims, 'sub');
  if (sub === undefined || sub.length === 0) throw new TokenError(TokenErrorReasons.SUB_MISSING);
  return { sub, sid: optionalString(claims, 'sid') ?? '', claims };
}
