// POST /v1/me/profile/sync: copy changed CIAM names to Capillary (no write when nothing changed).
import { createPostAuthHandler, withOptionalIdToken } from '../../shared/customer/post-auth-handler.js';
import type { PostAuthHandlerDeps } from '../../shared/customer/post-auth-ports.js';
import { syncProfile } from '../../shared/customer/profile-sync.js';
import { jsonResponse } from '../../shared/http/responses.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createPostAuthHandler(deps, async (caller, request) =>
    jsonResponse(200, await syncProfile(deps.services, withOptionalIdToken(caller, request.body))),
  );
}
