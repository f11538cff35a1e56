// POST /v1/me/registration: INSTORE registration/update with extra loyalty fields; identifiers come from
// the verified claims only.
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { parseRegistrationBody, registerInstore } from '../../shared/customer/instore-registration.js';
import { type PostAuthHandlerDeps, resolveCaller } from '../../shared/customer/post-auth-services.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createAuthenticatedApiHandler(
    { logger: deps.logger, guards: deps.guards ?? [], corsAllowedOrigins: deps.corsAllowedOrigins ?? [] },
    async (request) => {
      const caller = await resolveCaller(deps.brands, request);
      const { idToken, ...body } = parseRegistrationBody(request.body);
      const result = await registerInstore(deps.services, { ...caller, ...(idToken ? { idToken } : {}) }, body);
      return jsonResponse(result.status === 'registered' ? 201 : 200, result);
    },
  );
}
