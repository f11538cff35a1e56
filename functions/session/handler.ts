// POST /v1/auth/session: link the signed-in CIAM user to a Capillary customer (login, registration,
// existing member, profile update). Body: optional `{ "idToken": "..." }`.
import { linkSession } from '../../shared/customer/link-session.js';
import { createPostAuthHandler, withOptionalIdToken } from '../../shared/customer/post-auth-handler.js';
import type { PostAuthHandlerDeps } from '../../shared/customer/post-auth-ports.js';
import { jsonResponse } from '../../shared/http/responses.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createPostAuthHandler(deps, async (caller, request) => {
    const result = await linkSession(deps.services, withOptionalIdToken(caller, request.body));
    return jsonResponse(result.status === 'created' ? 201 : 200, result);
  });
}
