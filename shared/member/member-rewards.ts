// GET /v1/me/rewards (the catalog this member may get, with each reward's points price) and
// GET /v1/me/rewards/issued (rewards the member got), each one Capillary Rewards call, `limit` at a time behind an
// opaque cursor over the Rewards API's pages (page 0 means "no paging" there, so pages start at 1).
import { z } from 'zod';
import type { CapillaryIssual, CapillaryReward } from '../capillary/loyalty-types.js';
import { ErrorCodes, NotFoundError } from '../errors.js';
import { withMemberCustomer } from './member-customer.js';
import { loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';
import { CursorParam, decodeCursor, encodeCursor, limitParam, parseQuery } from './member-query.js';
import { orNull } from '../lang/or-null.js';

const RewardsQuerySchema = z.object({ limit: limitParam(50, 100), cursor: CursorParam });
const PageCursorSchema = z.object({
  page: z.number().int().min(1).max(100_000),
  limit: z.number().int().min(1).max(100),
});

export interface MemberReward {
  rewardId: number;
  name: string;
  description: string | null;
  type: string | null;
  /** Points the reward costs (Capillary's `intouchPoints`, its precision kept). */
  pointsPrice: number | null;
  tier: string | null;
  category: string | null;
  imageUrl: string | null;
  startsAt: string | null;
  endsAt: string | null;
}

export function memberReward(reward: CapillaryReward): MemberReward {
  const text = (value: string | number | null | undefined) =>
    value === null || value === undefined ? null : String(value);
  return {
    rewardId: reward.id,
    name: reward.name,
    description: reward.description ?? null,
    type: reward.type ?? null,
    pointsPrice: reward.intouchPoints ?? null,
    tier: text(reward.tier),
    category: reward.category ?? null,
    imageUrl: reward.imageUrl ?? null,
    startsAt: text(reward.startDate),
    endsAt: text(reward.endDate),
  };
}

/** The brand's Rewards settings; the catalog and the issue need them (404 ROUTE_DISABLED without). */
export function rewardsSettings(caller: MemberCaller) {
  const rewards = caller.brand.memberApi?.rewards;
  if (!rewards) {
    throw new NotFoundError(
      ErrorCodes.ROUTE_DISABLED,
      'Rewards are not set up for this brand (memberApi.rewards: the Rewards brand and till)',
    );
  }
  return rewards;
}

function pageOf(route: string, query: z.output<typeof RewardsQuerySchema>) {
  return query.cursor ? decodeCursor(route, query.cursor, PageCursorSchema) : { page: 1, limit: query.limit };
}

export async function viewRewards(
  services: MemberServices,
  caller: MemberCaller,
  rawQuery: Record<string, string>,
): Promise<{ customerId: number; rewards: MemberReward[]; nextCursor: string | null }> {
  const { brand } = rewardsSettings(caller);
  const at = pageOf('rewards', parseQuery(RewardsQuerySchema, rawQuery));
  return withMemberCustomer(services, caller, async (customerId) => {
    const list = await loyaltyCallsFor(services, caller).rewardsForUser(brand, customerId, {
      page: at.page,
      size: at.limit,
    });
    return {
      customerId,
      rewards: list.map(memberReward),
      nextCursor: list.length >= at.limit ? encodeCursor('rewards', { page: at.page + 1, limit: at.limit }) : null,
    };
  });
}

export interface IssuedRewardView {
  rewardTransactionId: string;
  rewardId: number;
  name: string | null;
  description: string | null;
  imageUrl: string | null;
  pointsSpent: number | null;
  quantity: number | null;
  couponCode: string | null;
  /** ISO instant (Capillary sends epoch milliseconds). */
  issuedAt: string | null;
}

export function issuedView(issual: CapillaryIssual): IssuedRewardView {
  const at = issual.rewardTransactionDate;
  const ms =
    typeof at === 'number' ? at : typeof at === 'string' && /^\d+$/.test(at) ? Number(at) : Date.parse(at ?? '');
  return {
    rewardTransactionId: String(issual.rewardTransactionId),
    rewardId: issual.rewardId,
    ...orNull(issual, 'name', 'description', 'imageUrl'),
    pointsSpent: issual.intouchPoints ?? null,
    ...orNull(issual, 'quantity', 'couponCode'),
    issuedAt: Number.isNaN(ms) ? null : new Date(ms).toISOString(),
  };
}

export async function viewIssuedRewards(
  services: MemberServices,
  caller: MemberCaller,
  rawQuery: Record<string, string>,
): Promise<{ customerId: number; rewards: IssuedRewardView[]; nextCursor: string | null }> {
  const at = pageOf('rewardsIssued', parseQuery(RewardsQuerySchema, rawQuery));
  return withMemberCustomer(services, caller, async (customerId) => {
    const list = await loyaltyCallsFor(services, caller).issuals(customerId, { page: at.page, size: at.limit });
    return {
      customerId,
      rewards: list.map(issuedView),
      nextCursor:
        list.length >= at.limit ? encodeCursor('rewardsIssued', { page: at.page + 1, limit: at.limit }) : null,
    };
  });
}
