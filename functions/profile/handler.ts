// POST /v1/me/profile/sync: copy changed CIAM names to Capillary (no write when nothing changed).
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import {
  IdTokenBodySchema,
  parseBody,
  type PostAuthHandlerDeps,
  resolveCaller,
} from '../../shared/customer/post-auth-services.js';
import { syncProfile } from '../../shared/customer/profile-sync.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createAuthenticatedApiHandler(
    { logger: deps.logger, guards: deps.guards ?? [], corsAllowedOrigins: deps.corsAllowedOrigins ?? [] },
    async (request) => {
      const caller = await resolveCaller(deps.brands, request);
      const { idToken } = parseBody(IdTokenBodySchema, request.body);
      return jsonResponse(200, await syncProfile(deps.services, { ...caller, ...(idToken ? { idToken } : {}) }));
    },
  );
}
