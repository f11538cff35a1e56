// The member API's read routes: the loyalty card, points history, transactions, coupons, the rewards catalog and
// the rewards the member got, each one use-case of shared/member/ chosen by the route template.
import type { MemberRouteName } from '../../shared/config/member-api-rules.js';
import { ErrorCodes, NotFoundError } from '../../shared/errors.js';
import type { AuthenticatedApiRequest } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { viewCoupons, viewTransactions } from '../../shared/member/member-activity.js';
import { createMemberHandler } from '../../shared/member/member-handler.js';
import type { MemberCaller, MemberHandlerDeps, MemberServices } from '../../shared/member/member-ports.js';
import { queryOf } from '../../shared/member/member-query.js';
import { viewIssuedRewards, viewRewards } from '../../shared/member/member-rewards.js';
import { viewLoyaltyCard } from '../../shared/member/loyalty-card.js';
import { viewPointsHistory } from '../../shared/member/points-history.js';

type View = (services: MemberServices, caller: MemberCaller, query: Record<string, string>) => Promise<unknown>;

/** The route template (API Gateway's `resource`) of each read, with its route name and use-case. */
const MemberReads: Readonly<Record<string, { route: MemberRouteName; view: View }>> = {
  '/v1/me/loyalty': { route: 'loyalty', view: (services, caller) => viewLoyaltyCard(services, caller) },
  '/v1/me/points/history': { route: 'pointsHistory', view: viewPointsHistory },
  '/v1/me/transactions': { route: 'transactions', view: viewTransactions },
  '/v1/me/coupons': { route: 'coupons', view: viewCoupons },
  '/v1/me/rewards': { route: 'rewards', view: viewRewards },
  '/v1/me/rewards/issued': { route: 'rewardsIssued', view: viewIssuedRewards },
};

function readOf(request: AuthenticatedApiRequest) {
  const read = MemberReads[request.event.resource];
  if (!read) throw new NotFoundError(ErrorCodes.ROUTE_NOT_FOUND, 'No member route has this path');
  return read;
}

export function createHandler(deps: MemberHandlerDeps) {
  return createMemberHandler(
    deps,
    (request) => readOf(request).route,
    async (caller, request) =>
      jsonResponse(200, await readOf(request).view(deps.services, caller, queryOf(request.event))),
  );
}
