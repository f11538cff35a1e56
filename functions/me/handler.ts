// GET /v1/me: the caller's linked Capillary customer; 404 CUSTOMER_NOT_LINKED before the first session.
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { viewLinkedCustomer } from '../../shared/customer/customer-view.js';
import { type PostAuthHandlerDeps, resolveCaller } from '../../shared/customer/post-auth-services.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createAuthenticatedApiHandler(
    { logger: deps.logger, guards: deps.guards ?? [], corsAllowedOrigins: deps.corsAllowedOrigins ?? [] },
    async (request) => {
      const caller = await resolveCaller(deps.brands, request);
      return jsonResponse(200, await viewLinkedCustomer(deps.services, caller));
    },
  );
}
