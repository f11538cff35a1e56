// OpenID Connect Back-Channel Logout 1.0 §2.6 logout-token validation: the same signature, alg and issuer
// rules as access tokens, then the logout event, sub or sid, no nonce, a jti, and a recent iat (`exp` is
// optional: a token without one is accepted while its iat is recent).
import type { BrandConfig } from '../config/brand-config.js';
import { parseCompactJws } from './compact-jws.js';
import { checkTimeClaims, optionalString, readAudience } from './claims.js';
import type { JwksCache } from './jwks-cache.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import { checkHeader, verifyWithBrandKeys } from './verify-jws.js';

export { getJwksCache, JwksCache } from './jwks-cache.js';

/** The back-channel logout event name (OIDC Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** `typ` values a logout token may carry: none, the generic JWT (or application/jwt), or logout+jwt. */
const LOGOUT_TYPS = new Set(['', 'jwt', 'logout+jwt']);

export interface LogoutTokenClaims {
  iss: string;
  aud: string[];
  sub?: string;
  sid?: string;
  jti: string;
  iat: number;
  exp?: number;
}

export interface VerifyLogoutTokenDeps {
  /** The brand's JWKS cache, e.g. getJwksCache(brand.jwksUri). */
  jwks: JwksCache;
  /** Epoch milliseconds. */
  now: () => number;
}

export interface VerifyLogoutTokenOptions {
  /** Oldest accepted `iat`, in seconds before now (plus the brand's clock skew); default 120. */
  maxAgeSeconds?: number;
}

/**
 * Verifies a back-channel logout token sent by `brand`'s CIAM. Replay (`jti` seen before) is the
 * caller's check: it needs storage.
 * @throws TokenError with the reason of the first rule it breaks.
 */
export async function verifyLogoutToken(
  token: string,
  brand: BrandConfig,
  deps: VerifyLogoutTokenDeps,
  { maxAgeSeconds = 120 }: VerifyLogoutTokenOptions = {},
): Promise<LogoutTokenClaims> {
  const parsed = parseCompactJws(token);
  const header = checkHeader(parsed.header);
  // Back-Channel Logout 1.0 §2.4 recommends logout+jwt but does not require it; several providers (Keycloak
  // among them) send the generic JWT. The events claim, no nonce and the audience keep token kinds apart.
  if (!LOGOUT_TYPS.has(header.typ)) throw new TokenError(TokenErrorReasons.TYP_INVALID);
  const { claims } = parsed;
  if (claims.iss !== brand.issuer) throw new TokenError(TokenErrorReasons.ISSUER_UNKNOWN);
  const aud = readAudience(claims);
  if (!aud.some((value) => brand.clientIds.includes(value))) throw new TokenError(TokenErrorReasons.AUDIENCE_INVALID);
  await verifyWithBrandKeys(parsed, header, brand, () => deps.jwks);

  const events = claims.events;
  const event =
    events !== null && typeof events === 'object' && !Array.isArray(events)
      ? (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT]
      : undefined;
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new TokenError(TokenErrorReasons.EVENTS_INVALID);
  }
  if (claims.nonce !== undefined) throw new TokenError(TokenErrorReasons.NONCE_PRESENT);
  const sub = optionalString(claims, 'sub');
  const sid = optionalString(claims, 'sid');
  if (!sub && !sid) throw new TokenError(TokenErrorReasons.SUB_OR_SID_MISSING);
  const jti = optionalString(claims, 'jti');
  if (!jti) throw new TokenError(TokenErrorReasons.JTI_MISSING);

  const nowSeconds = Math.floor(deps.now() / 1000);
  const { iat, exp } = checkTimeClaims(claims, brand, nowSeconds, { expOptional: true, maxAgeSeconds });
  return {
    iss: brand.issuer,
    aud,
    ...(sub ? { sub } : {}),
    ...(sid ? { sid } : {}),
    jti,
    iat,
    ...(exp !== undefined ? { exp } : {}),
  };
}
