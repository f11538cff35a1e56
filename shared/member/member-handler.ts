// The one shape of the member API's handlers: the authenticated middy chain (revocation guard, expiry, brand
// header, and whatever the shared path adds), the caller resolved as for the post-auth routes (end user, active
// brand, the bearer the authorizer verified), the route's requirements checked against the token's claims, then
// the use-case; every request is counted and timed by route, outcome and brand, and every refusal of a
// requirement is audited.
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { MemberRouteName } from '../config/member-api-rules.js';
import { decodeVerifiedPayload, tokenMatchesHash } from '../customer/claim-source.js';
import { resolveCaller } from '../customer/post-auth-caller.js';
import { GatewayError, UnauthorizedError } from '../errors.js';
import { type AuthenticatedApiRequest, type AuthGuard, createAuthenticatedApiHandler } from '../http/api-handler.js';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import { type PrefetchedLink, prefetchLink } from './member-customer.js';
import { auditMember, type MemberCaller, type MemberHandlerDeps, recordMemberRequest } from './member-ports.js';
import { checkRouteRequirements, RouteRequirementError, tokenClaimsOf } from './route-requirements.js';

/** The caller of a member route, with the claims of the token the authorizer verified (bound by its hash). */
async function resolveMemberCaller(
  deps: MemberHandlerDeps,
  request: AuthenticatedApiRequest,
  linkRead: PrefetchedLink | undefined,
): Promise<MemberCaller> {
  const caller = await resolveCaller(deps.brands, request);
  if (!tokenMatchesHash(caller.accessToken, caller.auth.tokenHash)) throw new UnauthorizedError();
  return { ...caller, claims: tokenClaimsOf(decodeVerifiedPayload(caller.accessToken)), linkRead };
}

export function createMemberHandler(
  deps: MemberHandlerDeps,
  route: MemberRouteName | ((request: AuthenticatedApiRequest) => MemberRouteName),
  respond: (caller: MemberCaller, request: AuthenticatedApiRequest) => Promise<APIGatewayProxyResult>,
) {
  // The link read starts before the guards (the revocation check) and runs beside them: one DynamoDB round trip
  // less in sequence. Its answer is used only after every guard passed and the caller resolved, and only for the
  // same brand and sub (memberLink); a request the guards refuse never uses it.
  const linkReads = new WeakMap<AuthorizerContext, PrefetchedLink>();
  const startLinkRead: AuthGuard = async (auth) => {
    if (auth.principalType === 'user') linkReads.set(auth, prefetchLink(deps.services, auth.brandId, auth.sub));
  };
  return createAuthenticatedApiHandler(
    {
      logger: deps.logger,
      guards: [startLinkRead, ...(deps.guards ?? [])],
      ...(deps.currentRules ? { currentRules: deps.currentRules } : {}),
      corsAllowedOrigins: deps.corsAllowedOrigins ?? [],
      ...(deps.services.now ? { now: deps.services.now } : {}),
    },
    async (request) => {
      const started = performance.now();
      const name = typeof route === 'string' ? route : route(request);
      let status = 500;
      try {
        const caller = await resolveMemberCaller(deps, request, linkReads.get(request.auth));
        try {
          checkRouteRequirements(
            caller.brand,
            name,
            caller.claims,
            Math.floor((deps.services.now ?? Date.now)() / 1000),
          );
        } catch (error) {
          if (!(error instanceof RouteRequirementError)) throw error;
          if (error.refusal !== 'ROUTE_DISABLED') {
            auditMember(deps.services, caller, {
              type: 'member.refusal',
              outcome: 'deny',
              reason: error.refusal,
              details: { route: name },
            });
          }
          throw error.answer;
        }
        const response = await respond(caller, request);
        status = response.statusCode;
        return response;
      } catch (error) {
        status = error instanceof GatewayError ? error.status : 500;
        throw error;
      } finally {
        recordMemberRequest(deps.services.metrics, {
          route: name,
          brandId: request.auth.brandId,
          status,
          latencyMs: performance.now() - started,
        });
      }
    },
  );
}
