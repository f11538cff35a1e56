// Claim rules shared by every token kind (RFC 7519 §4.1, OIDC Core §3.1.3.7): types, time windows with
// the brand's clock skew, maximum lifetime, audience. Pure functions of (claims, brand, now).
import type { BrandConfig } from '../config/brand-config.js';
import type { JsonObject } from './compact-jws.js';
import { TokenError, TokenErrorReasons } from './token-error.js';

const invalid = (claim: string) => new TokenError(TokenErrorReasons.CLAIM_INVALID, `claim ${claim} has the wrong type`);

/** An optional string claim; the wrong JSON type is refused. */
export function optionalString(claims: JsonObject, name: string): string | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(name);
  return value;
}

/** An optional NumericDate claim; the wrong JSON type is refused. */
export function optionalNumber(claims: JsonObject, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalid(name);
  return value;
}

/** `aud` as a list: a string or a non-empty array of strings. */
export function readAudience(claims: JsonObject): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud) && aud.length > 0 && aud.every((item) => typeof item === 'string')) return aud as string[];
  if (aud === undefined) throw new TokenError(TokenErrorReasons.AUDIENCE_INVALID, 'aud missing');
  throw invalid('aud');
}

/** True when one of `aud` is accepted by `brand`. */
export function audienceAccepted(aud: readonly string[], brand: BrandConfig): boolean {
  for (const value of aud) if (brand.acceptedAudiences.includes(value)) return true;
  return false;
}

export interface TimeClaims {
  iat: number;
  exp: number;
  nbf: number | undefined;
}

/** Logout tokens: `exp` may be absent (then a recent `iat` bounds the token), `iat` at most this old. */
export interface OptionalExpRules {
  expOptional: true;
  /** Oldest accepted `iat`, in seconds before now (plus the brand's clock skew). */
  maxAgeSeconds: number;
}

/**
 * The one time-claim check of access, ID and logout tokens: exp required (unless `rules.expOptional`) and
 * not past, nbf/iat not in the future (each with the brand's skew), iat within `rules.maxAgeSeconds`,
 * exp - iat within the brand's maximum lifetime. `nowSeconds` is whole epoch seconds.
 */
export function checkTimeClaims(claims: JsonObject, brand: BrandConfig, nowSeconds: number): TimeClaims;
export function checkTimeClaims(
  claims: JsonObject,
  brand: BrandConfig,
  nowSeconds: number,
  rules: OptionalExpRules,
): Omit<TimeClaims, 'exp'> & { exp: number | undefined };
export function checkTimeClaims(
  claims: JsonObject,
  brand: BrandConfig,
  nowSeconds: number,
  rules?: OptionalExpRules,
): Omit<TimeClaims, 'exp'> & { exp: number | undefined } {
  const skew = brand.clockSkewSeconds;
  const exp = optionalNumber(claims, 'exp');
  const iat = optionalNumber(claims, 'iat');
  const nbf = optionalNumber(claims, 'nbf');
  if (exp === undefined && rules === undefined) throw new TokenError(TokenErrorReasons.EXP_MISSING);
  if (iat === undefined) throw new TokenError(TokenErrorReasons.IAT_MISSING);
  if (nbf !== undefined && nbf > nowSeconds + skew) throw new TokenError(TokenErrorReasons.NOT_YET_VALID);
  if (exp !== undefined && exp <= nowSeconds - skew) throw new TokenError(TokenErrorReasons.TOKEN_EXPIRED);
  if (iat > nowSeconds + skew) throw new TokenError(TokenErrorReasons.IAT_IN_FUTURE);
  if (rules && nowSeconds - iat > rules.maxAgeSeconds + skew) throw new TokenError(TokenErrorReasons.TOKEN_TOO_OLD);
  if (exp !== undefined && exp - iat > brand.maxTokenLifetimeSeconds) {
    throw new TokenError(TokenErrorReasons.LIFETIME_EXCEEDED);
  }
  return { iat, exp, nbf };
}
