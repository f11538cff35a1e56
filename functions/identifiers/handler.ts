// POST /v1/me/identifiers/sync: apply the CIAM's mobile/e-mail change in Capillary (changeIdentifier).
import { syncIdentifiers } from '../../shared/customer/identifier-sync.js';
import { createPostAuthHandler, withOptionalIdToken } from '../../shared/customer/post-auth-handler.js';
import type { PostAuthHandlerDeps } from '../../shared/customer/post-auth-ports.js';
import { jsonResponse } from '../../shared/http/responses.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createPostAuthHandler(deps, async (caller, request) =>
    jsonResponse(200, await syncIdentifiers(deps.services, withOptionalIdToken(caller, request.body))),
  );
}
