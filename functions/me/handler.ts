// GET /v1/me: the caller's linked Capillary customer; 404 CUSTOMER_NOT_LINKED before the first session.
import { viewLinkedCustomer } from '../../shared/customer/customer-view.js';
import { createPostAuthHandler } from '../../shared/customer/post-auth-handler.js';
import type { PostAuthHandlerDeps } from '../../shared/customer/post-auth-ports.js';
import { jsonResponse } from '../../shared/http/responses.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createPostAuthHandler(deps, async (caller) =>
    jsonResponse(200, await viewLinkedCustomer(deps.services, caller)),
  );
}
