// A cached Allow never outlives a change of the brand's token rules. API Gateway serves the authorizer's Allow
// (and its context) for the whole TTL, so after an operator changes a brand's audiences, client ids, keys,
// algorithms or acceptIdTokens, a token allowed earlier would keep working until the TTL ends. The context
// carries the brand revision the decision was made under; every authenticated handler (shared/http/api-handler.ts)
// compares it with the brand's current revision (one comparison on the common path, the brand read from the
// container's cache) and only when they differ verifies the token again under the current rules.
import type { BrandDirectory } from '../config/brand-directory.js';
import { ErrorCodes, ServiceUnavailableError, UnauthorizedError } from '../errors.js';
import { type HeaderSource, requireBearerToken } from '../http/headers.js';
import type { AuthorizerContext } from './authorizer-context.js';
import { contextOf, hashToken } from './authorize-request.js';
import { TokenError, TokenErrorReasons } from './token-error.js';
import type { TokenVerifier } from './verify-access-token.js';

/** The context to act on: `auth` when its brand revision is current, else the context of a fresh verification. */
export type CurrentRulesCheck = (auth: AuthorizerContext, request: HeaderSource) => Promise<AuthorizerContext>;

export interface CurrentRulesDeps {
  brandDirectory: BrandDirectory;
  /** The container's verifier (its repeated-token cache spares the next calls of the same stale context). */
  verifier: TokenVerifier;
  /** Told when a token is verified again (e.g. to log it), and with the reason when it no longer passes. */
  onRecheck?: (auth: AuthorizerContext, outcome: 'allowed' | string) => void;
}

export function createCurrentRulesCheck(deps: CurrentRulesDeps): CurrentRulesCheck {
  return async (auth, request) => {
    const brand = await deps.brandDirectory.getBrand(auth.brandId);
    if (brand !== undefined && auth.brandRevision !== undefined && brand.revision === auth.brandRevision) return auth;
    // The brand changed (or is gone) since the authorizer decided: decide again under its current rules.
    const token = requireBearerToken(request);
    if (hashToken(token) !== auth.tokenHash) throw new UnauthorizedError();
    try {
      const verified = await deps.verifier.verify(token);
      // The new rules may hand the token to another brand: it was never allowed for that one here.
      if (verified.brand.brandId !== auth.brandId) throw new TokenError(TokenErrorReasons.AUDIENCE_INVALID);
      deps.onRecheck?.(auth, 'allowed');
      return contextOf(verified, auth.tokenHash, auth.subjectHash);
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      deps.onRecheck?.(auth, error.reason);
      if (error.reason === TokenErrorReasons.JWKS_UNAVAILABLE) {
        throw new ServiceUnavailableError(ErrorCodes.CIAM_UNAVAILABLE, 'The CIAM keys cannot be read; retry shortly', {
          retryAfterSeconds: 2,
        });
      }
      throw new UnauthorizedError(ErrorCodes.UNAUTHORIZED, "Token is not valid under the brand's current rules");
    }
  };
}
