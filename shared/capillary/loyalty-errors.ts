// Capillary's loyalty answers mapped to the gateway's stable codes, by endpoint family: the same number means
// different things in different families (CAPILLARY.md 10.0 item 7: 8003 is "invalid source" on v2 customer APIs
// and "unable to issue user reward" on the Rewards APIs; 804 is "insufficient current points" in the points list).
// Not found and merged reuse the customer errors (capillary-errors.ts), so the member API follows merges the way
// the session link does; business refusals become 409s with their own code; everything else is a 502.
import { type CodeWithStatus, ConflictError, ErrorCodes } from '../errors.js';
import {
  type CapillaryFailureInfo,
  CapillaryMergedError,
  CapillaryNotFoundError,
  CapillaryRejectedError,
} from './capillary-errors.js';

/** The families the member API calls. */
export type LoyaltyFamily = 'v2' | 'v1.1-customer' | 'rewards';

interface FamilyCodes {
  notFound: ReadonlySet<number>;
  merged: ReadonlySet<number>;
  /** Refusals the member can act on, each with its gateway code (409). */
  refusals: ReadonlyMap<number, CodeWithStatus<409>>;
}

/** Points codes that mean "the points do not cover it" (reference/points-v11-api: 803, 804, 813, 818). */
const INSUFFICIENT_POINTS_CODES = [803, 804, 813, 818] as const;

const LOYALTY_FAMILY_CODES: Readonly<Record<LoyaltyFamily, FamilyCodes>> = {
  // v2 customer-scoped reads: 8015/8009 not found, 8069 merged (reference/status-codes-customer).
  v2: { notFound: new Set([8015, 8009]), merged: new Set([8069]), refusals: new Map() },
  // v1.1 customer APIs: 1011/1012 "cannot find customer", 816 "customer not found for the organization",
  // 701 "customer not found" (coupon codes, reference/coupon-1).
  'v1.1-customer': { notFound: new Set([1011, 1012, 816, 701]), merged: new Set(), refusals: new Map() },
  // Rewards+ (Marvel): InTouch's 8015/8069 surface when it validates the customer; 8003/8004 "unable to issue",
  // 8005 "reward disabled for brand" (Slate _rewards.md); one isRedeemable check gives the points codes.
  rewards: {
    notFound: new Set([8015]),
    merged: new Set([8069]),
    refusals: new Map<number, CodeWithStatus<409>>([
      [8003, ErrorCodes.REWARD_NOT_AVAILABLE],
      [8004, ErrorCodes.REWARD_NOT_AVAILABLE],
      [8005, ErrorCodes.REWARD_NOT_AVAILABLE],
      [8089, ErrorCodes.REWARD_NOT_AVAILABLE],
      ...INSUFFICIENT_POINTS_CODES.map(
        (code) => [code, ErrorCodes.INSUFFICIENT_POINTS] as [number, CodeWithStatus<409>],
      ),
    ]),
  },
};

/** Capillary refused a member's request for a reason the member can act on (409 with a stable code). */
export class CapillaryMemberRefusal extends ConflictError {
  readonly capillary: CapillaryFailureInfo;
  constructor(code: CodeWithStatus<409>, message: string, capillary: CapillaryFailureInfo) {
    super(code, message);
    this.capillary = capillary;
  }
}

/**
 * The reward was already issued with this `requestId` (a retry of a call whose answer was lost). Which code a
 * real org sends is not published (reference/idempotency: "either returns an error or the original result");
 * the simulator's stand-in is 8012, and any Rewards answer saying "duplicate" or "already issued" counts.
 */
export class CapillaryDuplicateRequestError extends CapillaryRejectedError {}

/** Codes and messages that mean "already issued with this requestId". */
const DUPLICATE_REQUEST_CODES: ReadonlySet<number> = new Set([8012]);
const DUPLICATE_MESSAGE = /duplicate|already\s+(been\s+)?(issued|processed)/i;

export function isDuplicateRequest(code: number | undefined, message: string | undefined): boolean {
  return (code !== undefined && DUPLICATE_REQUEST_CODES.has(code)) || DUPLICATE_MESSAGE.test(message ?? '');
}

/** Maps a failed (final) answer of `family` to the gateway's error. */
export function toLoyaltyError(
  family: LoyaltyFamily,
  operation: string,
  capillary: CapillaryFailureInfo,
  message?: string,
): Error {
  const codes = LOYALTY_FAMILY_CODES[family];
  if (capillary.codes.some((code) => codes.merged.has(code))) {
    return new CapillaryMergedError(`Capillary ${operation}: the customer was merged into another one`, capillary);
  }
  if (capillary.codes.some((code) => codes.notFound.has(code))) {
    return new CapillaryNotFoundError(`Capillary ${operation}: customer not found`, capillary);
  }
  for (const code of capillary.codes) {
    const refusal = codes.refusals.get(code);
    if (refusal === ErrorCodes.INSUFFICIENT_POINTS) {
      return new CapillaryMemberRefusal(refusal, "The member's points do not cover this reward", capillary);
    }
    if (refusal) {
      return new CapillaryMemberRefusal(
        refusal,
        `Capillary did not issue the reward (${code}${message ? `: ${message}` : ''})`,
        capillary,
      );
    }
  }
  if (capillary.httpStatus === 401 || capillary.httpStatus === 403) {
    return new CapillaryRejectedError(`Capillary ${operation}: gateway credentials refused`, capillary);
  }
  return new CapillaryRejectedError(`Capillary ${operation} failed`, capillary);
}
