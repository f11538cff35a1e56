// The one shape of the five post-auth handlers: the authenticated middy chain with the brand's guards and
// CORS, the caller resolved (brand, authorizer context, bearer), then a single use-case.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { type AuthenticatedApiRequest, createAuthenticatedApiHandler } from '../http/api-handler.js';
import { type PostAuthCaller, resolveCaller } from './post-auth-caller.js';
import type { PostAuthHandlerDeps } from './post-auth-ports.js';
import { IdTokenBodySchema, parseBody } from './request-body.js';

export function createPostAuthHandler(
  deps: PostAuthHandlerDeps,
  respond: (caller: PostAuthCaller, request: AuthenticatedApiRequest) => Promise<APIGatewayProxyResult>,
) {
  return createAuthenticatedApiHandler(
    {
      logger: deps.logger,
      guards: deps.guards ?? [],
      ...(deps.currentRules ? { currentRules: deps.currentRules } : {}),
      corsAllowedOrigins: deps.corsAllowedOrigins ?? [],
      ...(deps.services.now ? { now: deps.services.now } : {}),
    },
    async (request) => respond(await resolveCaller(deps.brands, request), request),
  );
}

/** The caller plus the optional `idToken` of a body that may carry nothing else (400 naming any other field). */
export function withOptionalIdToken(caller: PostAuthCaller, body: unknown): PostAuthCaller & { idToken?: string } {
  const { idToken } = parseBody(IdTokenBodySchema, body);
  return idToken ? { ...caller, idToken } : caller;
}
