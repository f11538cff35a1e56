// The simulated org's loyalty data: two programs with tiers, and per customer an account (points, a ledger over
// several months, transactions, coupons in each state, issued rewards), seeded deterministically from the customer
// id so every seeded user has something to show. The HTTP side is loyalty.ts.
import { seededRandom } from '../seeded-random.js';

interface SimTier {
  serialNumber: number;
  name: string;
  description: string;
  /** Reached at this value of the program's upgrade criterion. */
  threshold: number;
}

export interface SimProgram {
  programId: number;
  name: string;
  /** What the tiers are reached by (the `upgrade_based_on` values of reference/get-customer-details-v2). */
  upgradeBasedOn: 'CURRENT_POINTS' | 'CUMULATIVE_PURCHASES';
  tiers: SimTier[];
  /** Points earned per currency unit billed. */
  earnRate: number;
}

/** The two programs of the simulated org (ids as in the loyaltyDetails example of reference/get-loyalty-details-1). */
export const SIM_PROGRAMS: readonly SimProgram[] = [
  {
    programId: 973,
    name: 'Coffee Club',
    upgradeBasedOn: 'CURRENT_POINTS',
    earnRate: 1,
    tiers: [
      { serialNumber: 1, name: 'Bronze', description: 'Tier 1', threshold: 0 },
      { serialNumber: 2, name: 'Silver', description: 'Tier 2', threshold: 1000 },
      { serialNumber: 3, name: 'Gold', description: 'Tier 3', threshold: 2500 },
      { serialNumber: 4, name: 'Platinum', description: 'Tier 4', threshold: 5000 },
    ],
  },
  {
    programId: 983,
    name: 'Partner Miles',
    upgradeBasedOn: 'CUMULATIVE_PURCHASES',
    earnRate: 0.5,
    tiers: [
      { serialNumber: 1, name: 'Topaz', description: 'Tier 1', threshold: 0 },
      { serialNumber: 2, name: 'Coral', description: 'Tier 2', threshold: 1500 },
      { serialNumber: 3, name: 'Ruby', description: 'Tier 3', threshold: 4000 },
    ],
  },
];

/** The program points are spent from when a call names none (the till's program). */
export const DEFAULT_PROGRAM_ID = 973;

export interface SimProgramState {
  programId: number;
  loyaltyId: number;
  loyaltyPoints: number;
  lifetimePoints: number;
  redeemed: number;
  expired: number;
  returned: number;
  adjusted: number;
  delayedPoints: number;
  cumulativePurchases: number;
  slabSNo: number;
  /** ISO 8601 instant. */
  slabExpiryDate: string;
}

export interface SimLedgerEntry {
  eventLogId: number;
  eventName: 'TransactionAdd' | 'PointsRedemption' | 'PointsExpiry' | 'GoodwillPoints' | 'RewardIssue';
  /** Epoch ms. */
  at: number;
  /** Signed points per program (credits positive). */
  points: { programId: number; points: number }[];
  transactionId?: number;
}

export interface SimTransaction {
  id: number;
  billNumber: string;
  /** Epoch ms. */
  billingTime: number;
  /** Three decimals kept; answers floor them to two (reference/v2api-get-customer-transactions). */
  amount: number;
  grossAmount: number;
  discount: number;
  type: 'REGULAR' | 'RETURN';
  notes: string;
  storeCode: string;
}

export interface SimCoupon {
  id: number;
  code: string;
  seriesId: number;
  description: string;
  discountType: 'ABS' | 'PERC';
  discountValue: number;
  /** Epoch ms. */
  issuedOn: number;
  validTill: number;
  redeemedOn: number | undefined;
}

export interface SimIssual {
  rewardTransactionId: number;
  rewardIssueRefId: string;
  rewardId: number;
  /** Epoch ms. */
  at: number;
  points: number;
  programId: number;
  couponCode: string;
  codeExpiry: number;
  success: boolean;
  requestId: string | undefined;
}

export interface SimAccount {
  customerId: number;
  programs: SimProgramState[];
  ledger: SimLedgerEntry[];
  transactions: SimTransaction[];
  coupons: SimCoupon[];
  /** Points expiring per program on a date (`YYYY-MM-DD`). */
  expirySchedules: { programId: number; points: number; expiryDate: string }[];
  issuals: SimIssual[];
}

export interface SimReward {
  id: number;
  name: string;
  description: string;
  type: 'POINTS' | 'VOUCHER' | 'PHYSICAL_VOUCHER' | 'FREE_VOUCHER';
  intouchPoints: number;
  /** Lowest tier serial number (program 973) allowed; 1 = everyone. */
  tier: number;
  enabled: boolean;
  /** Epoch ms. */
  startDate: number;
  endDate: number;
  category: string;
  redemptionType: 'INTOUCH_REWARD';
  imageUrl: string;
}

const DAY = 86_400_000;

/** Rounded to Capillary's three decimals (points are floats with 3 decimals in the ledger). */
export function points3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function programOf(programId: number): SimProgram | undefined {
  return SIM_PROGRAMS.find((program) => program.programId === programId);
}

/** The tier a program's criterion value reaches. */
function tierFor(program: SimProgram, value: number): SimTier {
  let reached = program.tiers[0] as SimTier;
  for (const tier of program.tiers) if (value >= tier.threshold) reached = tier;
  return reached;
}

/** The criterion a program's tiers are reached by, for one program state. */
export function criterionValue(program: SimProgram, state: SimProgramState): number {
  return program.upgradeBasedOn === 'CURRENT_POINTS' ? state.loyaltyPoints : state.cumulativePurchases;
}

/** The org's rewards catalog (Rewards+ / Marvel), relative to `now`. */
export function rewardsCatalog(now: number): SimReward[] {
  const reward = (id: number, name: string, intouchPoints: number, extra: Partial<SimReward> = {}): SimReward => ({
    id,
    name,
    description: `${name} (simulated reward)`,
    type: 'VOUCHER',
    intouchPoints,
    tier: 1,
    enabled: true,
    startDate: now - 90 * DAY,
    endDate: now + 365 * DAY,
    category: 'drinks',
    redemptionType: 'INTOUCH_REWARD',
    imageUrl: `https://rewards.sim.local/${id}.png`,
    ...extra,
  });
  return [
    reward(5001, 'Free espresso', 150),
    reward(5002, 'Free cappuccino', 300),
    reward(5003, 'Pastry of the day', 220.5, { category: 'food' }),
    reward(5004, 'Coffee beans 250 g', 900, { category: 'retail', type: 'PHYSICAL_VOUCHER' }),
    reward(5005, 'Gold lounge pass', 1200, { tier: 3, category: 'experience' }),
    reward(5006, 'Retired mug', 400, { enabled: false, category: 'retail' }),
    reward(5007, 'Summer special', 100, { endDate: now - 30 * DAY, category: 'drinks' }),
  ];
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Recomputes a program's tier from its criterion (tiers only go up; they renew at their expiry). */
function refreshTier(state: SimProgramState): void {
  const program = programOf(state.programId);
  if (!program) return;
  const reached = tierFor(program, criterionValue(program, state));
  if (reached.serialNumber > state.slabSNo) state.slabSNo = reached.serialNumber;
}

function emptyProgram(programId: number, customerId: number, now: number): SimProgramState {
  return {
    programId,
    loyaltyId: customerId * 10 + (programId % 10),
    loyaltyPoints: 0,
    lifetimePoints: 0,
    redeemed: 0,
    expired: 0,
    returned: 0,
    adjusted: 0,
    delayedPoints: 0,
    cumulativePurchases: 0,
    slabSNo: 1,
    slabExpiryDate: new Date(now + 365 * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** Applies one ledger event to the program states (the ledger is the source of every balance). */
export function applyEntry(account: SimAccount, entry: SimLedgerEntry): void {
  for (const { programId, points } of entry.points) {
    const state = account.programs.find((program) => program.programId === programId);
    if (!state) continue;
    state.loyaltyPoints = points3(state.loyaltyPoints + points);
    if (entry.eventName === 'PointsExpiry') state.expired = points3(state.expired - points);
    else if (points < 0) state.redeemed = points3(state.redeemed - points);
    else state.lifetimePoints = points3(state.lifetimePoints + points);
    refreshTier(state);
  }
  account.ledger.push(entry);
}

/** A new account: empty (`empty`), or a year of activity (`demo`) generated from the customer id. */
export function seedAccount(
  customerId: number,
  now: number,
  mode: 'demo' | 'empty',
  ids: { next(): number },
): SimAccount {
  const account: SimAccount = {
    customerId,
    programs: SIM_PROGRAMS.map((program) => emptyProgram(program.programId, customerId, now)),
    ledger: [],
    transactions: [],
    coupons: [],
    expirySchedules: [],
    issuals: [],
  };
  if (mode === 'empty') return account;
  // The same customer id always gets the same account.
  const random = seededRandom(customerId * 7919 + 17);
  // About a year of visits: a bill every 6-14 days, each crediting both programs.
  let at = now - 330 * DAY;
  let visit = 0;
  while (at < now - DAY) {
    visit++;
    const amount = Math.floor((8 + random() * 140) * 1000) / 1000;
    const transaction: SimTransaction = {
      id: ids.next(),
      billNumber: `SIM-${customerId}-${String(visit).padStart(4, '0')}`,
      billingTime: at,
      amount,
      grossAmount: Math.floor(amount * 1.05 * 1000) / 1000,
      discount: Math.floor(amount * 0.05 * 1000) / 1000,
      type: 'REGULAR',
      notes: '',
      storeCode: random() < 0.5 ? 'store-001' : 'store-002',
    };
    account.transactions.push(transaction);
    for (const program of account.programs) {
      program.cumulativePurchases = points3(program.cumulativePurchases + amount);
    }
    applyEntry(account, {
      eventLogId: ids.next(),
      eventName: 'TransactionAdd',
      at,
      transactionId: transaction.id,
      points: SIM_PROGRAMS.map((program) => ({
        programId: program.programId,
        points: points3(amount * program.earnRate),
      })),
    });
    // Now and then a redemption, and one expiry a few months ago.
    if (visit % 9 === 0) {
      const state = account.programs[0] as SimProgramState;
      const spend = Math.min(300, Math.floor(state.loyaltyPoints / 2));
      if (spend > 0) {
        applyEntry(account, {
          eventLogId: ids.next(),
          eventName: 'PointsRedemption',
          at: at + 3_600_000,
          points: [{ programId: DEFAULT_PROGRAM_ID, points: -spend }],
        });
      }
    }
    if (visit === 12) {
      applyEntry(account, {
        eventLogId: ids.next(),
        eventName: 'PointsExpiry',
        at: at + 7_200_000,
        points: [{ programId: DEFAULT_PROGRAM_ID, points: -points3(25.5) }],
      });
    }
    at += (6 + Math.floor(random() * 9)) * DAY + Math.floor(random() * 8) * 3_600_000;
  }
  const main = account.programs[0] as SimProgramState;
  account.expirySchedules.push(
    { programId: DEFAULT_PROGRAM_ID, points: points3(main.loyaltyPoints * 0.1), expiryDate: isoDate(now + 45 * DAY) },
    { programId: DEFAULT_PROGRAM_ID, points: points3(main.loyaltyPoints * 0.2), expiryDate: isoDate(now + 135 * DAY) },
  );
  // Coupons in each state: active, redeemed, expired, and one redeemed after it was issued long ago.
  let issued = 0;
  const coupon = (offsetDays: number, validDays: number, redeemedAfterDays: number | undefined, value: number) => ({
    id: ids.next(),
    code: `SIM${customerId}${String(++issued).padStart(2, '0')}`,
    seriesId: 7000 + issued,
    description: `${value}% off your next drink`,
    discountType: 'PERC' as const,
    discountValue: value,
    issuedOn: now - offsetDays * DAY,
    validTill: now - offsetDays * DAY + validDays * DAY,
    redeemedOn: redeemedAfterDays === undefined ? undefined : now - offsetDays * DAY + redeemedAfterDays * DAY,
  });
  account.coupons.push(coupon(10, 60, undefined, 10), coupon(40, 90, 5, 15), coupon(120, 30, undefined, 20));
  account.coupons.push(coupon(200, 30, 3, 25));
  return account;
}
