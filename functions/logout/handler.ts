// POST /v1/auth/logout: revokes the caller's session (or token), or with `{"allSessions": true}` every
// session of the user; 204, idempotent; with `{"refresh_token": ...}` also at the CIAM, answered 200 with the
// outcome. The use-case checks the revocation list itself (a revoked token
// gets 204 and changes nothing), so no revocation guard runs here.
import type { CurrentRulesCheck } from '../../shared/auth/current-rules.js';
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse, noContent } from '../../shared/http/responses.js';
import type { Logger } from '../../shared/observability/logger.js';
import { type AppLogoutDeps, logoutCaller, parseAppLogoutBody } from '../../shared/revocation/app-logout.js';

export interface LogoutHandlerDeps extends AppLogoutDeps {
  logger: Logger;
  corsAllowedOrigins?: readonly string[];
  /** The brand-revision check (the runtime's `currentRules`). */
  currentRules?: CurrentRulesCheck;
}

export function createHandler(deps: LogoutHandlerDeps) {
  return createAuthenticatedApiHandler(
    {
      logger: deps.logger,
      corsAllowedOrigins: deps.corsAllowedOrigins ?? [],
      now: deps.now,
      ...(deps.currentRules ? { currentRules: deps.currentRules } : {}),
    },
    async (request) => {
      const options = parseAppLogoutBody(request.body);
      const result = await logoutCaller(deps, request.auth, options);
      // With a refresh token, the answer says whether the CIAM revoked it (RFC 7009); else nothing to say.
      return result.refreshToken === undefined ? noContent() : jsonResponse(200, { refreshToken: result.refreshToken });
    },
  );
}
