// The AuthGuard every project handler runs on every call: the token the authorizer allowed (possibly from
// API Gateway's result cache) is checked against the revocation list again, uncached, so logout is immediate.
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import { ErrorCodes, GatewayError, UnauthorizedError, UpstreamError } from '../errors.js';
import type { AuthGuard } from '../http/api-handler.js';
import type { RevocationChecker, RevocationReason } from './revocation-checker.js';

export interface RevocationGuardOptions {
  /** Told about refused tokens (e.g. to audit a deny with the reason). */
  onRevoked?: (auth: AuthorizerContext, reason: RevocationReason) => void;
}

/**
 * An AuthGuard that refuses a revoked token with 401 TOKEN_REVOKED; a failing revocation store fails closed (503).
 */
export function createRevocationGuard(checker: RevocationChecker, options: RevocationGuardOptions = {}): AuthGuard {
  return async (auth) => {
    let reason: RevocationReason | undefined;
    try {
      reason = await checker.check({
        brandId: auth.brandId,
        sub: auth.sub,
        sid: auth.sid,
        jti: auth.jti,
        iat: auth.iat,
      });
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      throw new UpstreamError(503, ErrorCodes.UPSTREAM_UNAVAILABLE, 'Revocation list unavailable; retry shortly', {
        retryAfterSeconds: 1,
        cause: error,
      });
    }
    if (reason !== undefined) {
      options.onRevoked?.(auth, reason);
      throw new UnauthorizedError(ErrorCodes.TOKEN_REVOKED, 'Token has been revoked');
    }
  };
}
