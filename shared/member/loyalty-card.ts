// GET /v1/me/loyalty: per program the current, lifetime, redeemed and expired points, the points expiring with
// their dates, the current tier with its expiry, and the next tier with the points it needs where Capillary says.
// Three Capillary calls, concurrently (one round trip): loyalty details, the expiry schedule, and the customer with
// `embed=mlp` for the gap to the next tier (optional: the card is shown without it when that call fails).
import type { LoyaltyProgram, PointsExpiry, TierGap, UpgradeCriterion } from '../capillary/loyalty-types.js';
import { withMemberCustomer } from './member-customer.js';
import { loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';

export interface ProgramCard {
  programId: number;
  /** Capillary's `loyaltyId` is -1 when the member is not enrolled in the program. */
  enrolled: boolean;
  points: {
    current: number;
    lifetime: number;
    redeemed: number;
    expired: number;
    delayed: number;
    totalAvailable: number;
  };
  expiringPoints: { points: number; expiresOn: string }[];
  tier: { name: string; serialNumber: number | null; expiresAt: string | null } | null;
  nextTier: {
    name: string;
    serialNumber: number;
    /** Points still needed, when the tier is reached by points; null when unknown or reached otherwise. */
    pointsNeeded: number | null;
    criteria: UpgradeCriterion[];
  } | null;
}

export interface LoyaltyCard {
  customerId: number;
  programs: ProgramCard[];
}

/** Upgrade criteria counted in points (the rest, e.g. CUMULATIVE_PURCHASES, are money or trackers). */
const POINT_CRITERIA = /POINTS/;

export function programCard(program: LoyaltyProgram, expiring: PointsExpiry[], gap: TierGap | undefined): ProgramCard {
  const criteria = gap?.criteria ?? [];
  const byPoints = criteria.find((item) => POINT_CRITERIA.test(item.basedOn) && item.gap !== null);
  const nextSerial = program.nextSlabSerialNumber ?? -1;
  return {
    programId: program.programId,
    enrolled: program.loyaltyId !== -1,
    points: {
      current: program.loyaltyPoints,
      lifetime: program.lifetimePoints,
      redeemed: program.redeemed,
      expired: program.expired,
      delayed: program.delayedPoints,
      totalAvailable: program.totalAvailablePoints ?? program.loyaltyPoints + program.delayedPoints,
    },
    expiringPoints: expiring
      .filter((item) => item.programId === program.programId)
      .map((item) => ({ points: item.points, expiresOn: item.expiryDate }))
      .sort((a, b) => a.expiresOn.localeCompare(b.expiresOn)),
    tier: program.currentSlab
      ? { name: program.currentSlab, serialNumber: program.slabSNo ?? null, expiresAt: program.slabExpiryDate ?? null }
      : null,
    // At the top tier Capillary answers nextSlab "" and nextSlabSerialNumber -1.
    nextTier:
      program.nextSlab && nextSerial !== -1
        ? { name: program.nextSlab, serialNumber: nextSerial, pointsNeeded: byPoints?.gap ?? null, criteria }
        : null,
  };
}

export async function viewLoyaltyCard(services: MemberServices, caller: MemberCaller): Promise<LoyaltyCard> {
  return withMemberCustomer(services, caller, async (customerId) => {
    const calls = loyaltyCallsFor(services, caller);
    // The gap is a nice-to-have: without it (an org without embed=mlp, a failure) the card still shows.
    const gaps = calls.tierGaps(customerId).catch(() => [] as TierGap[]);
    const [programs, expiring, tierGaps] = await Promise.all([
      calls.loyaltyDetails(customerId),
      calls.expirySchedule(customerId),
      gaps,
    ]);
    return {
      customerId,
      programs: programs.map((program) =>
        programCard(
          program,
          expiring,
          tierGaps.find((gap) => gap.programId === program.programId),
        ),
      ),
    };
  });
}
