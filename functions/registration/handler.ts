// POST /v1/me/registration: INSTORE registration/update with extra loyalty fields; identifiers come from
// the verified claims only.
import { parseRegistrationBody, registerInstore } from '../../shared/customer/instore-registration.js';
import { createPostAuthHandler } from '../../shared/customer/post-auth-handler.js';
import type { PostAuthHandlerDeps } from '../../shared/customer/post-auth-ports.js';
import { jsonResponse } from '../../shared/http/responses.js';

export function createHandler(deps: PostAuthHandlerDeps) {
  return createPostAuthHandler(deps, async (caller, request) => {
    const { idToken, ...body } = parseRegistrationBody(request.body);
    const result = await registerInstore(deps.services, { ...caller, ...(idToken ? { idToken } : {}) }, body);
    return jsonResponse(result.status === 'registered' ? 201 : 200, result);
  });
}
