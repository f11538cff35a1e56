// Port: asks whether a verified token was revoked (logout of its session, its jti, or every session of its user).
export interface RevocationQuery {
  brandId: string;
  sub: string;
  /** '' when the token has no sid / jti. */
  sid: string;
  jti: string;
  /** Token issued-at, epoch seconds: a user revoked at time T revokes tokens with iat <= T. */
  iat: number;
}

export type RevocationReason = 'SESSION_REVOKED' | 'TOKEN_REVOKED' | 'USER_REVOKED';

export interface RevocationChecker {
  /** The reason the token is revoked, or undefined when it is not. */
  check(query: RevocationQuery): Promise<RevocationReason | undefined>;
}

/** Never revoked: for tests of code that does not care. */
export const NeverRevoked: RevocationChecker = { check: async () => undefined };
