// The verifier's single failure type: every rejected token carries one stable `reason` code, which the
// authorizer logs and audits (never returns to the caller). Deliberately not a GatewayError: a bad
// token never becomes an HTTP body on its own; the authorizer and logout receiver map it.

/** Stable reason codes, one per rejection rule (docs/authorizer.md lists them). */
export const TokenErrorReasons = {
  TOKEN_MISSING: 'TOKEN_MISSING',
  TOKEN_TOO_LARGE: 'TOKEN_TOO_LARGE',
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  HEADER_INVALID: 'HEADER_INVALID',
  ALG_NONE: 'ALG_NONE',
  ALG_NOT_ALLOWED: 'ALG_NOT_ALLOWED',
  CRIT_UNSUPPORTED: 'CRIT_UNSUPPORTED',
  B64_UNSUPPORTED: 'B64_UNSUPPORTED',
  TYP_INVALID: 'TYP_INVALID',
  KID_MISSING: 'KID_MISSING',
  KID_INVALID: 'KID_INVALID',
  KID_UNKNOWN: 'KID_UNKNOWN',
  KEY_ALG_MISMATCH: 'KEY_ALG_MISMATCH',
  KEY_USE_INVALID: 'KEY_USE_INVALID',
  KEY_TOO_WEAK: 'KEY_TOO_WEAK',
  JWKS_UNAVAILABLE: 'JWKS_UNAVAILABLE',
  SIGNATURE_INVALID: 'SIGNATURE_INVALID',
  ISSUER_UNKNOWN: 'ISSUER_UNKNOWN',
  BRAND_AMBIGUOUS: 'BRAND_AMBIGUOUS',
  AUDIENCE_INVALID: 'AUDIENCE_INVALID',
  AZP_INVALID: 'AZP_INVALID',
  CLAIM_INVALID: 'CLAIM_INVALID',
  SUB_MISSING: 'SUB_MISSING',
  EXP_MISSING: 'EXP_MISSING',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  NOT_YET_VALID: 'NOT_YET_VALID',
  IAT_MISSING: 'IAT_MISSING',
  IAT_IN_FUTURE: 'IAT_IN_FUTURE',
  LIFETIME_EXCEEDED: 'LIFETIME_EXCEEDED',
  LOGOUT_TOKEN_REJECTED: 'LOGOUT_TOKEN_REJECTED',
  ID_TOKEN_REJECTED: 'ID_TOKEN_REJECTED',
  TOKEN_USE_INVALID: 'TOKEN_USE_INVALID',
  // Back-channel logout tokens only.
  EVENTS_INVALID: 'EVENTS_INVALID',
  NONCE_PRESENT: 'NONCE_PRESENT',
  SUB_OR_SID_MISSING: 'SUB_OR_SID_MISSING',
  JTI_MISSING: 'JTI_MISSING',
  TOKEN_TOO_OLD: 'TOKEN_TOO_OLD',
} as const;
export type TokenErrorReason = (typeof TokenErrorReasons)[keyof typeof TokenErrorReasons];

/** A token was refused; `reason` says which rule refused it. */
export class TokenError extends Error {
  readonly reason: TokenErrorReason;

  constructor(reason: TokenErrorReason, message: string = reason, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
    this.reason = reason;
  }
}

/** Throws a TokenError when `condition` is false (keeps rule checks one line each). */
export function assertToken(condition: boolean, reason: TokenErrorReason, message?: string): asserts condition {
  if (!condition) throw new TokenError(reason, message);
}
