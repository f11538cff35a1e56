// Shapes of Capillary's member-facing loyalty answers (CAPILLARY.md section 10), parsed with zod (unknown keys
// kept, numbers accepted as numbers or numeric strings: v1.1 and the ledger send strings, large values may come in
// scientific notation), and the plain records loyalty-calls.ts hands to the member use-cases.
import { z } from 'zod';

/** A number, or a numeric string (`"125.000"`, `"5.632820109E9"`), kept at full precision. */
const Numeric = z.union([
  z.number(),
  z
    .string()
    .regex(/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/)
    .transform(Number),
]);

const optionalText = z.string().nullish();

/** One program item of `GET /v2/customers/{id}/loyaltyDetails` (reference/get-loyalty-details-1). */
const LoyaltyProgramSchema = z
  .object({
    programId: z.number().int(),
    loyaltyPoints: Numeric,
    lifetimePoints: Numeric,
    redeemed: Numeric.default(0),
    expired: Numeric.default(0),
    delayedPoints: Numeric.default(0),
    totalAvailablePoints: Numeric.optional(),
    loyaltyId: z.number().int().default(-1),
    currentSlab: optionalText,
    slabSNo: z.number().int().nullish(),
    slabExpiryDate: optionalText,
    nextSlab: optionalText,
    nextSlabSerialNumber: z.number().int().nullish(),
  })
  .loose();
export type LoyaltyProgram = z.infer<typeof LoyaltyProgramSchema>;

export const LoyaltyDetailsSchema = z.object({ data: z.array(LoyaltyProgramSchema) }).loose();

/** `expirySchedules[]` of `GET /v2/customers/{id}/pointsExpirySchedule` (reference/get-points-expiry-schedule). */
export const ExpiryScheduleSchema = z
  .object({
    expirySchedules: z
      .array(
        z
          .object({ points: Numeric, expiryDate: z.string(), programId: z.number().int(), expiryDateISO: optionalText })
          .loose(),
      )
      .default([]),
  })
  .loose();
export type PointsExpiry = { programId: number; points: number; expiryDate: string };

/** One upgrade strategy of `embed=mlp`, under either published name (`upgrade_based_on` or `upgradeBasedOn`). */
const UpgradeStrategySchema = z
  .object({
    upgrade_based_on: z.string().optional(),
    upgradeBasedOn: z.string().optional(),
    upgradeThreshold: Numeric.optional(),
    customerUpgradeEntityValues: z
      .object({ currentValue: Numeric.optional(), gapToUpgrade: Numeric.optional() })
      .loose()
      .optional(),
  })
  .loose();
export type UpgradeStrategy = z.infer<typeof UpgradeStrategySchema>;

/**
 * A program's tier-gap block: `upgradeStrategies[]` (the response table) or `gapToUpgrade[]` (the user-group
 * page's example). Where the blocks sit in the customer is not published, so they are looked for by `programId`.
 */
export const TierGapBlockSchema = z
  .object({
    programId: z.number().int(),
    upgradeStrategies: z.array(UpgradeStrategySchema).optional(),
    gapToUpgrade: z.array(UpgradeStrategySchema).optional(),
  })
  .loose();

export interface UpgradeCriterion {
  /** e.g. CURRENT_POINTS, CUMULATIVE_PURCHASES, TRACKER_VALUE_BASED. */
  basedOn: string;
  threshold: number | null;
  current: number | null;
  gap: number | null;
}

export interface TierGap {
  programId: number;
  criteria: UpgradeCriterion[];
}

/** `GET /v2/pointsLedger/getCustomerLedgerInfo` (reference/get-ledger-information). */
export const LedgerSchema = z
  .object({
    ledgerDetails: z
      .object({ pageNumber: z.number().int(), pageSize: z.number().int(), totalEntries: z.number().int() })
      .loose(),
    ledgerEntries: z
      .array(
        z
          .object({
            eventLogId: z.union([z.number(), z.string()]),
            eventName: z.string(),
            ledgerCreatedDateISO: optionalText,
            ledgerCreatedDate: optionalText,
            entryDetails: z
              .array(
                z
                  .object({
                    ledgerEntryType: z.string(),
                    points: Numeric,
                    programId: z.number().int(),
                    programName: optionalText,
                  })
                  .loose(),
              )
              .default([]),
            netPointsOnEvent: Numeric.optional(),
            transactionDetails: z
              .object({ transactionNumber: optionalText, amount: Numeric.nullish() })
              .loose()
              .nullish(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();

export interface LedgerEntry {
  id: string;
  event: string;
  /** As Capillary stamped it (ISO when it sends one). */
  at: string;
  points: { programId: number; programName: string | null; type: 'CREDIT' | 'DEBIT'; points: number }[];
  netPoints: number;
  transactionNumber: string | null;
}

export interface LedgerPage {
  entries: LedgerEntry[];
  totalEntries: number;
}

/** `GET /v2/customers/{id}/transactions` (reference/v2api-get-customer-transactions). */
export const TransactionsSchema = z
  .object({
    pagination: z.object({ total: z.number().int() }).loose(),
    data: z
      .array(
        z
          .object({
            id: z.number().int(),
            billNumber: optionalText,
            billingTime: z.string(),
            type: optionalText,
            amount: Numeric.nullish(),
            grossAmount: Numeric.nullish(),
            discount: Numeric.nullish(),
            notes: optionalText,
          })
          .loose(),
      )
      .default([]),
  })
  .loose();
export type TransactionsAnswer = z.infer<typeof TransactionsSchema>;

/** One coupon of v1.1 `customer/coupons` (field names are not published; these follow v1.1's snake_case). */
const CouponSchema = z
  .object({
    id: Numeric,
    code: z.string(),
    series_id: Numeric.nullish(),
    description: optionalText,
    discount_type: optionalText,
    discount_value: Numeric.nullish(),
    created_date: optionalText,
    valid_till: optionalText,
    redemption_count: Numeric.nullish(),
    redeemed_on: optionalText,
  })
  .loose();
export type CapillaryCoupon = z.infer<typeof CouponSchema>;

/** The v1.1 envelope (section 6): `response.status` and one `customer` with its `item_status` and coupons. */
export const CouponsAnswerSchema = z
  .object({
    response: z
      .object({
        status: z.object({ success: z.union([z.string(), z.boolean()]), code: Numeric }).loose(),
        customers: z
          .object({
            customer: z
              .array(
                z
                  .object({
                    coupons: z
                      .object({ coupon: z.array(CouponSchema).default([]) })
                      .loose()
                      .nullish(),
                    item_status: z.object({ success: z.union([z.string(), z.boolean()]), code: Numeric }).loose(),
                  })
                  .loose(),
              )
              .default([]),
          })
          .loose()
          .nullish(),
      })
      .loose(),
  })
  .loose();

/** One reward of the Rewards catalog (reference/get-rewards-for-user, reward fields of the reward-by-id page). */
const RewardSchema = z
  .object({
    id: z.number().int(),
    name: z.string().default(''),
    description: optionalText,
    type: optionalText,
    intouchPoints: Numeric.nullish(),
    tier: z.union([z.number(), z.string()]).nullish(),
    startDate: z.union([z.string(), z.number()]).nullish(),
    endDate: z.union([z.string(), z.number()]).nullish(),
    enabled: z.boolean().nullish(),
    category: optionalText,
    imageUrl: optionalText,
  })
  .loose();
export type CapillaryReward = z.infer<typeof RewardSchema>;

export const RewardsAnswerSchema = z.object({ rewardList: z.array(RewardSchema).default([]) }).loose();

/** The issue answer (reference/post-issue-user-reward). */
export const IssueAnswerSchema = z
  .object({
    pointsRedeemed: Numeric.nullish(),
    couponCode: optionalText,
    codeExpiry: z.union([z.string(), z.number()]).nullish(),
    transactionId: z.union([z.number(), z.string()]).nullish(),
    requestId: optionalText,
    issueDateTime: optionalText,
  })
  .loose();

export interface IssuedReward {
  pointsRedeemed: number | null;
  couponCode: string | null;
  codeExpiry: string | null;
  transactionId: string | null;
  issuedAt: string | null;
}

/** One item of `.../management/customer/{customerId}/issuals` (reference/get-all-reward-transactions-for-a-user). */
const IssualSchema = z
  .object({
    rewardTransactionId: z.union([z.number(), z.string()]),
    rewardId: z.number().int(),
    rewardTransactionDate: z.union([z.number(), z.string()]).nullish(),
    name: optionalText,
    description: optionalText,
    imageUrl: optionalText,
    intouchPoints: Numeric.nullish(),
    quantity: Numeric.nullish(),
    couponCode: optionalText,
    status: z.object({ success: z.boolean().nullish() }).loose().nullish(),
  })
  .loose();
export type CapillaryIssual = z.infer<typeof IssualSchema>;

export const IssualsAnswerSchema = z.object({ data: z.array(IssualSchema).default([]) }).loose();
