// POST /v1/auth/session: link the signed-in CIAM user to a Capillary customer (login, registration,
// existing member, profile update). Body: optional `{ "idToken": "..." }`.
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { linkSession } from '../../shared/customer/link-session.js';
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
      const result = await linkSession(deps.services, { ...caller, ...(idToken ? { idToken } : {}) });
      return jsonResponse(result.status === 'created' ? 201 : 200, result);
    },
  );
}
