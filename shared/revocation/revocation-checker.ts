// Port: asks whether a verified token was revoked (logout of its session, its jti, or every session of its user),
// plus the write side (RevocationStore) and the item keys both adapters share.
export interface RevocationQuery {
  brandId: string;
  sub: string;
  /** '' when the token has no sid / jti. */
  sid: string;
  jti: string;
  /** Token issued-at, epoch seconds: a user revoked at time T revokes tokens with iat <= T. */
  iat: number;
  /** The brand's saved revision: caches key answers by it, so a re-created brand never reuses them. */
  brandRevision?: string;
}

export type RevocationReason = 'SESSION_REVOKED' | 'TOKEN_REVOKED' | 'USER_REVOKED';

export interface RevocationChecker {
  /** The reason the token is revoked, or undefined when it is not. */
  check(query: RevocationQuery): Promise<RevocationReason | undefined>;
}

/** Never revoked: for tests of code that does not care. */
export const NeverRevoked: RevocationChecker = { check: async () => undefined };

/** The write side of the revocation list. Every write is idempotent; `until` is epoch seconds (the item's TTL). */
export interface RevocationStore extends RevocationChecker {
  /** Revokes every token carrying `sid` until `until`. */
  revokeSession(brandId: string, sid: string, until: number): Promise<void>;
  /** Revokes the one token `jti` until `until`. */
  revokeToken(brandId: string, jti: string, until: number): Promise<void>;
  /** Revokes every token of `sub` issued at or before `revokedBefore`; a later call never moves the bound back. */
  revokeUserBefore(brandId: string, sub: string, revokedBefore: number, until: number): Promise<void>;
  /** Records a back-channel logout token id; false when it was already recorded (a replay). */
  markLogoutTokenUsed(brandId: string, jti: string, until: number): Promise<boolean>;
  /** Forgets a logout token id (only to undo a mark whose logout then failed, so the CIAM's retry is accepted). */
  forgetLogoutToken(brandId: string, jti: string): Promise<void>;
}

/** Partition keys of the revocations table (`brandId` never contains `#`, so keys cannot collide). */
export const RevocationKeys = {
  session: (brandId: string, sid: string) => `sid#${brandId}#${sid}`,
  token: (brandId: string, jti: string) => `jti#${brandId}#${jti}`,
  user: (brandId: string, sub: string) => `sub#${brandId}#${sub}`,
  logoutToken: (brandId: string, jti: string) => `bcl#${brandId}#${jti}`,
} as const;

/**
 * True while an item with this `expiresAt` (epoch seconds) is in force. Readers must check it themselves:
 * DynamoDB deletes expired items up to days late, and dynalite never does.
 */
export function isInForce(expiresAt: number, nowSeconds: number): boolean {
  return expiresAt > nowSeconds;
}

/** Evaluates one token against the items in force; the most specific reason wins. */
export function revocationReason(
  found: { session: boolean; token: boolean; userRevokedBefore: number | undefined },
  iat: number,
): RevocationReason | undefined {
  if (found.session) return 'SESSION_REVOKED';
  if (found.token) return 'TOKEN_REVOKED';
  if (found.userRevokedBefore !== undefined && iat <= found.userRevokedBefore) return 'USER_REVOKED';
  return undefined;
}
