// GET/POST/PUT /v1/me/neo/{name}: the brand's allow-listed Neo APIs, the member's customer id put in by the gateway.
import { jsonResponse } from '../../shared/http/responses.js';
import { createMemberHandler } from '../../shared/member/member-handler.js';
import type { MemberHandlerDeps } from '../../shared/member/member-ports.js';
import { callNeo } from '../../shared/member/neo-call.js';

export function createHandler(deps: MemberHandlerDeps) {
  return createMemberHandler(deps, 'neo', async (caller, request) => {
    const { event } = request;
    const query: Record<string, readonly string[]> = {};
    for (const [key, values] of Object.entries(event.multiValueQueryStringParameters ?? {})) {
      if (values) query[key] = values;
    }
    for (const [key, value] of Object.entries(event.queryStringParameters ?? {})) {
      if (value !== undefined && query[key] === undefined) query[key] = [value];
    }
    const answer = await callNeo(deps.services, caller, {
      name: event.pathParameters?.name,
      method: event.httpMethod,
      query,
      body: request.body,
      hasBody: typeof event.body === 'string' && event.body !== '',
    });
    return jsonResponse(answer.status, answer.body);
  });
}
