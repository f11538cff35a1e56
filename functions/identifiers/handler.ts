// POST /v1/me/identifiers/sync: apply the CIAM's mobile/e-mail change in Capillary (changeIdentifier).
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { syncIdentifiers } from '../../shared/customer/identifier-sync.js';
import {
  IdTokenBodySchema,
  parseBody,
  type PostAuthHandlerDeps,
  resolveCaller,
} from '../../shared/customer/post-auth-services.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createAuthenticatedApiHandler(
    { logger: deps.logger, guards: deps.guards ?? [], corsAllowedOrigins: deps.corsAllowedOrigins ?? [] },
    async (request) => {
      const caller = await resolveCaller(deps.brands, request);
      const { idToken } = parseBody(IdTokenBodySchema, request.body);
      return jsonResponse(200, await syncIdentifiers(deps.services, { ...caller, ...(idToken ? { idToken } : {}) }));
    },
  );
}
