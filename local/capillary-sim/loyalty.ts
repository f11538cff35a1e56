// The Capillary simulator's member-facing loyalty APIs (CAPILLARY.md section 10), as strict as the published
// reference: loyalty details, points expiry schedule, the customer get's `embed=mlp` tier gaps, the points ledger,
// transactions, v1.1 customer coupons, the rewards catalog, reward issue (with `requestId` idempotency and the
// per-customer lock, 521), issued rewards and Neo dataflows. Codes are keyed by endpoint family (10.0 item 7):
// v2 `errors[]`, v1.1 `response.status` + `item_status` with string booleans, Rewards `{success, code, message}`.
// Where the reference is silent the simulator offers both readings behind a switch (LoyaltySwitches).
import { randomUUID } from 'node:crypto';
import { isRecord } from '../../shared/lang/is-record.js';
import { sleep } from '../../shared/lang/sleep.js';
import type { SimCustomer } from './customers.js';
import { isAnswer, type SimAnswer, type SimCore, type SimExtension, type SimRequest } from './extension.js';
import {
  applyEntry,
  criterionValue,
  DEFAULT_PROGRAM_ID,
  points3,
  programOf,
  rewardsCatalog,
  SIM_PROGRAMS,
  type SimAccount,
  type SimCoupon,
  type SimIssual,
  type SimProgramState,
  type SimReward,
  type SimTransaction,
  seedAccount,
} from './loyalty-data.js';

/** The readings of what the reference leaves open; tests run the gateway's flows under each. */
interface LoyaltySwitches {
  /**
   * Where a single reward issue carries its `requestId`: `top-level` ("in single reward issuance, as a top-level
   * parameter", reference/idempotency) or `reward-line` (the example of reference/idempotency-check-for-issuing-reward
   * puts it in each `rewards[]` line). The simulator reads only this place.
   */
  rewardRequestIdPlacement: 'top-level' | 'reward-line';
  /**
   * What a repeated `requestId` answers: `replay` (the first result) or `error` (reference/idempotency: "either
   * returns an error or the original result (depending on the API)"; the error code is not published, the
   * simulator sends 8012 "Duplicate request id").
   */
  rewardRequestIdRepeat: 'replay' | 'error';
  /**
   * The field names `embed=mlp` uses for tier gaps: `reference` (`upgradeStrategies[]` with `upgrade_based_on`,
   * `gapToRenewSummary`, the response table of reference/get-customer-details-v2) or `example` (`gapToUpgrade[]`
   * with `upgradeBasedOn`, `gapToRenew`, the user-group page's example).
   */
  mlpFieldNames: 'reference' | 'example';
  /** Accounts of customers first seen: a year of demo activity, or nothing (a new member). */
  seed: 'demo' | 'empty';
  /** How long a write holds the customer's lock (a concurrent write meanwhile gets 521). */
  writeHoldMs: number;
}

export interface LoyaltySimOptions extends Partial<LoyaltySwitches> {
  /** The Rewards (Marvel) brand name of the simulated org. */
  rewardsBrand?: string;
}

export const DEFAULT_REWARDS_BRAND = 'demo_marvel';

/** A customer's account as tests and `GET /__sim/customers/{id}/loyalty` see it. */
interface LoyaltyAccountView {
  customerId: number;
  programs: (SimProgramState & { tier: string })[];
  ledgerEntries: number;
  transactions: number;
  coupons: number;
  issuals: SimIssual[];
}

/** What the test control `POST /__sim/customers/{customerId}/loyalty` takes. */
interface LoyaltyCredit {
  points?: number;
  programId?: number;
  transactions?: { amount: number; billNumber?: string }[];
  coupons?: { description?: string; discountValue?: number; validDays?: number }[];
}

export interface LoyaltySimulator {
  switches(): LoyaltySwitches;
  configure(change: Partial<LoyaltySwitches>): void;
  /** The account (created on first use, seeded per `seed`); undefined for an unknown customer. */
  account(customerId: number): LoyaltyAccountView | undefined;
  /** Credits points (a ledger entry), adds transactions and coupons, as the control route does. */
  credit(customerId: number, credit: LoyaltyCredit): LoyaltyAccountView;
  rewardsBrand: string;
  catalog(): SimReward[];
  /** Reward issues that spent points (replays not counted). */
  issuesPerformed(): number;
  /** Neo dataflows run so far, newest last. */
  neoRuns(): {
    method: string;
    path: string;
    query: Record<string, string>;
    body: unknown;
    headers: Record<string, string>;
  }[];
}

const NOT_FOUND = 'Customer not found for the given identifiers';

function v2Error(status: number, code: number, message: string): SimAnswer {
  return { status, body: { warnings: [], errors: [{ status: false, code, message }] } };
}

/** The v1.1 envelope (section 6): string booleans, `item_status` per customer. */
function v11(status: number, code: number, message: string, customers: unknown[] = []): SimAnswer {
  return {
    status,
    body: {
      response: {
        status: { success: status < 300 ? 'true' : 'false', code, message, total: String(customers.length) },
        customers: { customer: customers },
      },
    },
  };
}

/** The Rewards (Marvel) family's `{success, code, message}` answers. */
function rewardsError(status: number, code: number, message: string): SimAnswer {
  return { status, body: { success: false, code, message } };
}

const LOCKED: SimAnswer = {
  status: 521,
  // 521 "processing another request for the same customer" (reference/redeem-points): a per-customer lock.
  body: { success: false, code: 521, message: 'Multiple actions running for the same customer, retry later' },
};

function dateTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `YYYY-MM-DDThh:mm:ss` (the ledger's format) or an ISO instant; NaN when neither. */
function parseDateTime(value: string): number {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.test(value)) return Number.NaN;
  return Date.parse(/[Z+]|-\d{2}:\d{2}$/.test(value.slice(10)) ? value : `${value.replace(' ', 'T')}Z`);
}

/** Money floor-rounded to 2 decimals (AMOUNT_ROUNDING_OFF_TO_DECIMAL_PLACES, reference/v2api-get-customer-transactions). */
function money(value: number): number {
  return Math.floor(Math.round(value * 1000) / 10) / 100;
}

function int(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  return /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
}

/** A Neo dataflow trigger: method and path with `:param` segments (reference: docs/trigger). */
interface Dataflow {
  method: string;
  pattern: string;
}

export function createLoyaltySimulation(
  core: SimCore,
  options: LoyaltySimOptions = {},
): { extension: SimExtension; api: LoyaltySimulator } {
  const switches: LoyaltySwitches = {
    rewardRequestIdPlacement: options.rewardRequestIdPlacement ?? 'top-level',
    rewardRequestIdRepeat: options.rewardRequestIdRepeat ?? 'replay',
    mlpFieldNames: options.mlpFieldNames ?? 'reference',
    seed: options.seed ?? 'demo',
    writeHoldMs: options.writeHoldMs ?? 5,
  };
  const rewardsBrand = options.rewardsBrand ?? DEFAULT_REWARDS_BRAND;
  let nextId = 900_000;
  const ids = { next: () => nextId++ };
  let accounts = new Map<number, SimAccount>();
  let locks = new Set<number>();
  let issuedByRequestId = new Map<string, SimAnswer>();
  let issues = 0;
  const builtInDataflows: Dataflow[] = [{ method: 'POST', pattern: '/x/neo/:customerId/echo' }];
  let dataflows: Dataflow[] = [...builtInDataflows];
  let neoRuns: ReturnType<LoyaltySimulator['neoRuns']> = [];

  function accountOf(customer: SimCustomer): SimAccount {
    let account = accounts.get(customer.id);
    if (!account) {
      account = seedAccount(customer.id, core.now(), switches.seed, ids);
      accounts.set(customer.id, account);
    }
    return account;
  }

  /** The live customer with its account, or the v2 answer for merged (8069) / unknown (8015). */
  function member(id: number): { customer: SimCustomer; account: SimAccount } | SimAnswer {
    const found = core.live(id);
    if (isAnswer(found)) return found;
    return { customer: found, account: accountOf(found) };
  }

  function view(account: SimAccount): LoyaltyAccountView {
    return {
      customerId: account.customerId,
      programs: account.programs.map((state) => ({
        ...structuredClone(state),
        tier: programOf(state.programId)?.tiers.find((tier) => tier.serialNumber === state.slabSNo)?.name ?? '',
      })),
      ledgerEntries: account.ledger.length,
      transactions: account.transactions.length,
      coupons: account.coupons.length,
      issuals: structuredClone(account.issuals),
    };
  }

  async function withLock(customerId: number, run: () => SimAnswer): Promise<SimAnswer> {
    if (locks.has(customerId)) return LOCKED;
    locks.add(customerId);
    try {
      await sleep(switches.writeHoldMs);
      return run();
    } finally {
      locks.delete(customerId);
    }
  }

  // ---------- points and tier (10.1) ----------

  /** One program item of `GET /v2/customers/{id}/loyaltyDetails` (reference/get-loyalty-details-1). */
  function loyaltyItem(state: SimProgramState) {
    const program = programOf(state.programId);
    const tiers = program?.tiers ?? [];
    const current = tiers.find((tier) => tier.serialNumber === state.slabSNo);
    const next = tiers.find((tier) => tier.serialNumber === state.slabSNo + 1);
    return {
      redeemed: state.redeemed,
      expired: state.expired,
      returned: state.returned,
      adjusted: state.adjusted,
      lifetimePoints: state.lifetimePoints,
      loyaltyPoints: state.loyaltyPoints,
      cumulativePurchases: state.cumulativePurchases,
      loyaltyId: state.loyaltyId,
      currentSlab: current?.name ?? '',
      // At the top tier the next slab is "" and its serial number -1 (10.x checklist).
      nextSlab: next?.name ?? '',
      nextSlabSerialNumber: next?.serialNumber ?? -1,
      nextSlabDescription: next?.description ?? '',
      slabSNo: state.slabSNo,
      slabExpiryDate: state.slabExpiryDate,
      programId: state.programId,
      delayedPoints: state.delayedPoints,
      delayedReturnedPoints: 0,
      // totalAvailablePoints = loyaltyPoints + delayedPoints (reference/get-loyalty-details-1).
      totalAvailablePoints: points3(state.loyaltyPoints + state.delayedPoints),
      totalReturnedPoints: state.returned,
      linkedPartnerPrograms: [],
    };
  }

  function loyaltyDetails(id: number, query: Record<string, string>): SimAnswer {
    const found = member(id);
    if (isAnswer(found)) return found;
    // 1620 "user customerid does not belong to group" for a fleet group (the simulated org has none).
    if (query.fleetGroupId !== undefined)
      return v2Error(400, 1620, `user customerid does not belong to group ${query.fleetGroupId}`);
    const programId = int(query.programId);
    const programs =
      programId === undefined
        ? found.account.programs
        : found.account.programs.filter((p) => p.programId === programId);
    // 8089 "Customer not registered for the Loyalty Program" for a programId it is not in.
    if (programs.length === 0) return v2Error(400, 8089, 'Customer not registered for the Loyalty Program');
    return { status: 200, body: { data: programs.map(loyaltyItem), warnings: [], errors: [] } };
  }

  function expirySchedule(id: number, query: Record<string, string>): SimAnswer {
    const found = member(id);
    if (isAnswer(found)) return found;
    const programId = int(query.programId);
    const schedules = found.account.expirySchedules.filter((s) => programId === undefined || s.programId === programId);
    // Response of reference/get-points-expiry-schedule: expiryDate (YYYY-MM-DD) and expiryDateISO.
    return {
      status: 200,
      body: {
        id,
        profiles: [],
        loyaltyInfo: { loyaltyType: found.customer.loyaltyInfo.loyaltyType },
        segments: {},
        extendedFields: {},
        expirySchedules: schedules.map((s) => ({
          points: s.points,
          expiryDate: s.expiryDate,
          expiryDateISO: `${s.expiryDate}T23:59:59Z`,
          programId: s.programId,
          pointsType: 'customer_promotions',
          expiryType: 'fixed',
        })),
        warnings: [],
      },
    };
  }

  /** The tier-gap blocks of one program under `embed=mlp`, in either reading of the field names. */
  function mlpBlock(state: SimProgramState) {
    const program = programOf(state.programId);
    if (!program) return { programId: state.programId };
    const next = program.tiers.find((tier) => tier.serialNumber === state.slabSNo + 1);
    const current = criterionValue(program, state);
    const reference = switches.mlpFieldNames === 'reference';
    const block: Record<string, unknown> = { programId: state.programId, currentSlab: state.slabSNo };
    // Absent at the top tier (nothing to upgrade to) and, for the renewal, in the base slab.
    if (next) {
      const strategy = {
        [reference ? 'upgrade_based_on' : 'upgradeBasedOn']: program.upgradeBasedOn,
        upgradeThreshold: next.threshold,
        customerUpgradeEntityValues: {
          currentValue: current,
          gapToUpgrade: points3(Math.max(0, next.threshold - current)),
          valueValidUpto: state.slabExpiryDate,
        },
      };
      block[reference ? 'upgradeStrategies' : 'gapToUpgrade'] = [strategy];
    }
    if (state.slabSNo > 1) {
      block[reference ? 'gapToRenewSummary' : 'gapToRenew'] = {
        tierExpiryDate: state.slabExpiryDate,
        renewConfirmed: true,
        renewStrategies: [],
      };
    }
    return block;
  }

  /** `GET /v2/customers/{id}?embed=mlp`: the core's answer plus the tier gaps (reference/get-customer-details-v2). */
  function customerWithMlp(id: number, query: Record<string, string>): SimAnswer {
    for (const name of ['gapToUpgrade', 'gapToRenew']) {
      const days = int(query[name]);
      // "int days from today, 0 = today, negatives not supported" (no code published: an HTTP 400).
      if (days !== undefined && !(days >= 0)) return v2Error(400, 400, `${name} must be a number of days >= 0`);
    }
    const answer = core.getCustomer(id, query);
    const found = member(id);
    if (answer.status !== 200 || isAnswer(found) || !isRecord(answer.body)) return answer;
    // Where the blocks sit in the customer is not published; the gateway finds them by programId wherever they are.
    return {
      ...answer,
      body: { ...answer.body, loyaltyProgramDetails: found.account.programs.map(mlpBlock) },
    };
  }

  // ---------- points ledger (10.2a, reference/get-ledger-information) ----------

  const LEDGER_IDENTIFIERS = new Set(['id', 'email', 'mobile', 'externalId']);
  const LEDGER_SOURCES = new Set([
    'FACEBOOK',
    'WEB_ENGAGE',
    'INSTORE',
    'MARTJACK',
    'TMALL',
    'TAOBAO',
    'JD',
    'ECOMMERCE',
    'WEBSITE',
    'LINE',
    'ALL',
  ]);
  const NINETY_DAYS = 90 * 86_400_000;

  function ledger(query: Record<string, string>): SimAnswer {
    const { identifierName, identifierValue, source } = query;
    if (!identifierName || !identifierValue) return v2Error(400, 8013, 'Invalid identifier passed');
    if (!source) return v2Error(400, 8001, 'Lookup failed, no source passed');
    if (!LEDGER_SOURCES.has(source)) return v2Error(400, 8003, 'Invalid source passed');
    if (!LEDGER_IDENTIFIERS.has(identifierName)) return v2Error(400, 8013, 'Invalid identifier passed');
    // "only one" of tillId / tillIds / storeId / storeCode (no code published: an HTTP 400).
    const scopes = ['tillId', 'tillIds', 'storeId', 'storeCode'].filter((key) => query[key] !== undefined);
    if (scopes.length > 1) return v2Error(400, 400, `Pass only one of ${scopes.join(', ')}`);
    const limit = int(query.limit) ?? 10;
    const page = int(query.offset) ?? 0;
    // limit: "max value supported is 100"; offset is a page number, 0 = the first page.
    if (!(limit >= 1 && limit <= 100)) return v2Error(400, 400, 'limit must be between 1 and 100');
    if (!(page >= 0)) return v2Error(400, 400, 'offset must be a page number >= 0');
    const now = core.now();
    let start = query.startDate ? parseDateTime(query.startDate) : undefined;
    let end = query.endDate ? parseDateTime(query.endDate) : undefined;
    if (Number.isNaN(start) || Number.isNaN(end)) return v2Error(400, 400, 'Dates must be YYYY-MM-DDThh:mm:ss');
    // One date only: a 90-day window from it (a year with includeLastOneYearData); none: the last 90 days (assumption).
    const span = query.includeLastOneYearData === 'true' ? 365 * 86_400_000 : NINETY_DAYS;
    if (start === undefined && end === undefined) end = now;
    if (start === undefined && end !== undefined) start = end - span;
    if (end === undefined && start !== undefined) end = start + span;
    if (start === undefined || end === undefined || start > end) return v2Error(400, 400, 'startDate is after endDate');
    // The date range may be at most 90 days (reference/get-ledger-information; no code published).
    if (query.startDate && query.endDate && end - start > NINETY_DAYS) {
      return v2Error(400, 400, 'The date range cannot be more than 90 days');
    }
    let customer: SimCustomer | undefined;
    if (identifierName === 'id') {
      const found = core.live(Number(identifierValue));
      if (isAnswer(found)) return found;
      customer = found;
    } else {
      customer = core.holders({ type: identifierName, value: identifierValue })[0];
      if (!customer) return v2Error(200, 8015, NOT_FOUND);
    }
    const account = accountOf(customer);
    const programId = int(query.programId);
    const order = query.order === 'ASC' ? 1 : -1;
    const entries = account.ledger
      .filter((entry) => entry.at >= start && entry.at <= end)
      .filter((entry) => programId === undefined || entry.points.some((p) => p.programId === programId))
      .filter((entry) => !query.ledgerEntryType || entryType(entry) === query.ledgerEntryType)
      .sort((a, b) => order * (a.at - b.at) || order * (a.eventLogId - b.eventLogId));
    const pageEntries = entries.slice(page * limit, page * limit + limit);
    const profile = customer.profiles[0];
    return {
      status: 200,
      body: {
        customerDetails: {
          firstName: profile?.firstName ?? '',
          lastName: profile?.lastName ?? '',
          userId: customer.id,
          externalId: '',
          entityType: 'CUSTOMER',
        },
        ledgerDetails: {
          pageNumber: page,
          pageSize: limit,
          totalEntries: entries.length,
          pageCount: Math.ceil(entries.length / limit),
        },
        ledgerEntries: pageEntries.map((entry) => ledgerEntry(account, entry, programId)),
        warnings: [],
      },
    };
  }

  function entryType(entry: { points: { points: number }[] }): 'CREDIT' | 'DEBIT' {
    return entry.points.reduce((sum, p) => sum + p.points, 0) >= 0 ? 'CREDIT' : 'DEBIT';
  }

  function ledgerEntry(account: SimAccount, entry: SimAccount['ledger'][number], programId: number | undefined) {
    const parts = entry.points.filter((p) => programId === undefined || p.programId === programId);
    const net = points3(parts.reduce((sum, p) => sum + p.points, 0));
    const transaction = account.transactions.find((t) => t.id === entry.transactionId);
    return {
      eventLogId: entry.eventLogId,
      eventName: entry.eventName,
      customerId: account.customerId,
      ledgerCreatedDate: dateTime(entry.at),
      ledgerCreatedDateISO: iso(entry.at),
      // Points are strings with 3 decimals, the net signed (the page's example response).
      entryDetails: parts.map((p) => ({
        ledgerEntryType: p.points >= 0 ? 'CREDIT' : 'DEBIT',
        points: Math.abs(p.points).toFixed(3),
        pointsCategory: 'REGULAR',
        programName: programOf(p.programId)?.name ?? '',
        programId: p.programId,
        alternateCurrencyName: null,
      })),
      netPointsOnEvent: `${net >= 0 ? '+' : '-'}${Math.abs(net).toFixed(3)}`,
      netAlternateCurrenciesOnEvent: [],
      ...(transaction
        ? {
            transactionDetails: {
              transactionId: transaction.id,
              transactionNumber: transaction.billNumber,
              date: dateTime(transaction.billingTime),
              dateISO: iso(transaction.billingTime),
              amount: money(transaction.amount),
              grossBillAmount: money(transaction.grossAmount),
              source: 'INSTORE',
            },
            store: transaction.storeCode,
            storeCode: transaction.storeCode,
            tillCode: `${transaction.storeCode}.till`,
          }
        : {}),
      eventDetails: { eventDate: dateTime(entry.at), eventDateISO: iso(entry.at) },
      sourceProgramId: parts[0]?.programId ?? DEFAULT_PROGRAM_ID,
      sourceProgramName: programOf(parts[0]?.programId ?? DEFAULT_PROGRAM_ID)?.name ?? '',
      orgId: 100458,
    };
  }

  // ---------- transactions (10.3a, reference/v2api-get-customer-transactions) ----------

  function transactions(id: number, query: Record<string, string>): SimAnswer {
    const found = member(id);
    if (isAnswer(found)) return found;
    const limit = int(query.limit) ?? 20;
    const offset = int(query.offset) ?? 0;
    // limit: default 20, max 1000; offset: default 0, a record offset; sortBy: only BILLING_TIME.
    if (!(limit >= 1 && limit <= 1000)) return v2Error(400, 400, 'limit must be between 1 and 1000');
    if (!(offset >= 0)) return v2Error(400, 400, 'offset must be >= 0');
    if (query.sortBy !== undefined && query.sortBy !== 'BILLING_TIME')
      return v2Error(400, 400, 'sortBy supports BILLING_TIME only');
    const sortOrder = query.sortOrder ?? 'DESC';
    if (sortOrder !== 'ASC' && sortOrder !== 'DESC') return v2Error(400, 400, 'sortOrder must be ASC or DESC');
    const sign = sortOrder === 'ASC' ? 1 : -1;
    const all = [...found.account.transactions].sort(
      (a, b) => sign * (a.billingTime - b.billingTime) || sign * (a.id - b.id),
    );
    return {
      status: 200,
      body: {
        pagination: { limit, offset, sortBy: 'BILLING_TIME', sortOrder, total: all.length },
        data: all.slice(offset, offset + limit).map((t) => transactionItem(id, t)),
        warnings: [],
      },
    };
  }

  function transactionItem(customerId: number, t: SimTransaction) {
    return {
      id: t.id,
      customerId,
      loyaltyLogId: t.id + 1,
      // billingTime in the server's zone (the simulator runs in UTC), ISO.
      billingTime: iso(t.billingTime),
      billNumber: t.billNumber,
      type: t.type,
      notes: t.notes,
      amount: money(t.amount),
      grossAmount: money(t.grossAmount),
      discount: money(t.discount),
      outlierStatus: 'NORMAL',
    };
  }

  // ---------- coupons (10.4, reference/get-customer-coupons, v1.1) ----------

  const COUPON_STATUSES = new Set(['unredeemed', 'redeemed', 'expired', 'active']);

  function coupons(query: Record<string, string>): SimAnswer {
    // "pass at least one" of mobile, email, external_id or id (1015 "no identifier provided").
    const identifier = (['id', 'mobile', 'email', 'external_id'] as const).find((key) => query[key]);
    if (!identifier) return v11(400, 1015, 'No identifier provided to get loyalty users');
    if (query.status !== undefined && !COUPON_STATUSES.has(query.status)) {
      return v11(400, 400, `Invalid status ${query.status}`);
    }
    let customer: SimCustomer | undefined;
    if (identifier === 'id') {
      const found = core.live(Number(query.id));
      customer = isAnswer(found) ? undefined : found;
    } else {
      const type = identifier === 'external_id' ? 'externalId' : identifier;
      customer = core.holders({ type, value: query[identifier] ?? '' })[0];
    }
    // 1012 "cannot find customer with the provided mobile number/external ID/e-mail ID" (v1.1 customer codes).
    if (!customer) {
      return v11(200, 500, 'All requests have failed due to errors', [
        {
          item_status: { success: 'false', code: '1012', message: 'Cannot find customer with the provided identifier' },
        },
      ]);
    }
    const now = core.now();
    const status = query.status;
    const list = accountOf(customer).coupons.filter((coupon) => {
      // `active` only means valid_till is in the future: it does not check redemption (10.4).
      if (status === 'active') return coupon.validTill > now;
      if (status === 'redeemed') return coupon.redeemedOn !== undefined;
      if (status === 'unredeemed') return coupon.redeemedOn === undefined;
      if (status === 'expired') return coupon.validTill <= now;
      return true;
    });
    return v11(200, 200, 'Success', [
      {
        id: String(customer.id),
        coupons: { coupon: list.map(couponItem) },
        item_status: {
          success: 'true',
          code: '1000',
          message: 'Coupons retrieved successfully',
          warnings: { warning: [] },
        },
      },
    ]);
  }

  function couponItem(coupon: SimCoupon) {
    return {
      id: String(coupon.id),
      series_id: String(coupon.seriesId),
      code: coupon.code,
      description: coupon.description,
      discount_type: coupon.discountType,
      discount_value: String(coupon.discountValue),
      created_date: dateTime(coupon.issuedOn),
      valid_till: dateTime(coupon.validTill),
      redemption_count: coupon.redeemedOn === undefined ? '0' : '1',
      redeemed_on: coupon.redeemedOn === undefined ? '' : dateTime(coupon.redeemedOn),
    };
  }

  // ---------- rewards (10.6, Rewards+ core APIs) ----------

  function rewardView(reward: SimReward) {
    return {
      id: reward.id,
      name: reward.name,
      description: reward.description,
      type: reward.type,
      startDate: iso(reward.startDate),
      endDate: iso(reward.endDate),
      enabled: reward.enabled,
      priority: 1,
      intouchPoints: reward.intouchPoints,
      intouchSeriesId: 7000 + reward.id,
      tier: reward.tier,
      redemptionType: reward.redemptionType,
      vendorId: null,
      category: reward.category,
      imageUrl: reward.imageUrl,
    };
  }

  /** The customer behind a Rewards call; Marvel validates it through InTouch, whose 8015/8069 surface. */
  function rewardsMember(id: number): { customer: SimCustomer; account: SimAccount } | SimAnswer {
    const found = core.live(id);
    if (isAnswer(found)) {
      const code = JSON.stringify(found.body).includes('8069') ? 8069 : 8015;
      return rewardsError(400, code, code === 8069 ? 'The customer is merged into another account' : NOT_FOUND);
    }
    return { customer: found, account: accountOf(found) };
  }

  function eligible(reward: SimReward, account: SimAccount, now: number, includeExpired: boolean): boolean {
    const tier = account.programs.find((p) => p.programId === DEFAULT_PROGRAM_ID)?.slabSNo ?? 1;
    const live = reward.startDate <= now && (includeExpired || reward.endDate > now);
    return reward.enabled && live && reward.tier <= tier;
  }

  /** `GET .../user/reward/brand/{BrandName}?userId=` (reference/get-rewards-for-user). */
  function rewardsForUser(brand: string, query: Record<string, string>): SimAnswer {
    if (brand !== rewardsBrand) return rewardsError(400, 8005, `Rewards are not enabled for brand ${brand}`);
    const userId = int(query.userId);
    if (userId === undefined || Number.isNaN(userId))
      return rewardsError(400, 8000, 'Unable to fetch user reward: userId is required');
    const found = rewardsMember(userId);
    if (isAnswer(found)) return found;
    const page = int(query.page) ?? 0;
    const size = int(query.size) ?? 100;
    // page 0 = no paging; otherwise page/size from page 1.
    if (!(page >= 0) || !(size >= 1 && size <= 100)) return rewardsError(400, 8009, 'Invalid page or size');
    const now = core.now();
    const list = rewardsCatalog(now).filter((reward) =>
      eligible(reward, found.account, now, query.includeExpired === 'true'),
    );
    const shown = page === 0 ? list : list.slice((page - 1) * size, page * size);
    return { status: 200, body: { success: true, code: 200, message: 'Success', rewardList: shown.map(rewardView) } };
  }

  /** `POST .../user/reward/{rewardId}/issue?username=&skip_validation=true` (reference/post-issue-user-reward). */
  async function issueReward(rewardId: number, query: Record<string, string>, body: unknown): Promise<SimAnswer> {
    if (!query.username) return rewardsError(400, 8003, 'Unable to issue user reward: username (till) is required');
    if (!isRecord(body)) return rewardsError(400, 8003, 'Unable to issue user reward: invalid body');
    if (body.brand !== rewardsBrand) return rewardsError(400, 8005, 'Reward is disabled for this brand');
    const identifier = (['mobile', 'email', 'externalId'] as const).find(
      (key) => typeof body[key] === 'string' && body[key],
    );
    if (!identifier)
      return rewardsError(400, 8003, 'Unable to issue user reward: mobile, email or externalId is required');
    const holder = core.holders({ type: identifier, value: String(body[identifier]) })[0];
    if (!holder) return rewardsError(400, 8015, NOT_FOUND);
    const lines = Array.isArray(body.rewards) ? body.rewards.filter(isRecord) : [];
    const requestId =
      switches.rewardRequestIdPlacement === 'top-level'
        ? typeof body.requestId === 'string'
          ? body.requestId
          : undefined
        : typeof lines[0]?.requestId === 'string'
          ? lines[0].requestId
          : undefined;
    return withLock(holder.id, () => {
      // The same requestId never issues twice (reference/idempotency-check-for-issuing-reward).
      const earlier = requestId === undefined ? undefined : issuedByRequestId.get(`${holder.id}|${requestId}`);
      if (earlier) {
        return switches.rewardRequestIdRepeat === 'replay'
          ? structuredClone(earlier)
          : rewardsError(409, 8012, 'Duplicate request id: the reward was already issued');
      }
      const now = core.now();
      const reward = rewardsCatalog(now).find((r) => r.id === rewardId);
      const account = accountOf(holder);
      if (!reward) return rewardsError(400, 8003, 'Unable to issue user reward: no such reward');
      if (!reward.enabled) return rewardsError(400, 8005, 'Reward is disabled');
      if (!eligible(reward, account, now, false))
        return rewardsError(400, 8004, 'Unable to issue user reward: not eligible');
      const programId = typeof body.programId === 'number' ? body.programId : DEFAULT_PROGRAM_ID;
      const state = account.programs.find((p) => p.programId === programId);
      // 8089 for a program the customer is not in; one isRedeemable check (818 when the points do not cover it).
      if (!state) return rewardsError(400, 8089, 'Customer not registered for the Loyalty Program');
      if (state.loyaltyPoints < reward.intouchPoints) {
        return rewardsError(400, 818, 'Current points are less than points requested for redemption');
      }
      applyEntry(account, {
        eventLogId: ids.next(),
        eventName: 'PointsRedemption',
        at: now,
        points: [{ programId, points: -reward.intouchPoints }],
      });
      issues++;
      const issual: SimIssual = {
        rewardTransactionId: ids.next(),
        rewardIssueRefId: randomUUID().slice(0, 6),
        rewardId,
        at: now,
        points: reward.intouchPoints,
        programId,
        couponCode: `RW${rewardId}${String(ids.next()).slice(-5)}`,
        codeExpiry: now + 30 * 86_400_000,
        success: true,
        requestId,
      };
      account.issuals.push(issual);
      const answer: SimAnswer = {
        status: 200,
        body: {
          success: true,
          code: 200,
          message: 'Reward issued successfully',
          pointsRedeemed: reward.intouchPoints,
          couponCode: issual.couponCode,
          codeExpiry: iso(issual.codeExpiry),
          transactionId: issual.rewardTransactionId,
          promotion: null,
          vendor: null,
          paymentMode: 'POINTS',
          redemptionDetails: [{ programId, points: reward.intouchPoints }],
          eventLogId: null,
          requestId: requestId ?? null,
          eventDateTime: iso(now),
          issueDateTime: iso(now),
        },
      };
      if (requestId !== undefined) issuedByRequestId.set(`${holder.id}|${requestId}`, structuredClone(answer));
      return answer;
    });
  }

  /** `GET .../management/customer/{customerId}/issuals` (reference/get-all-reward-transactions-for-a-user). */
  function issuals(customerId: number, query: Record<string, string>): SimAnswer {
    const found = rewardsMember(customerId);
    if (isAnswer(found)) return found;
    const page = int(query.page) ?? 0;
    const size = int(query.size) ?? 100;
    if (!(page >= 0) || !(size >= 1 && size <= 100)) return rewardsError(400, 8009, 'Invalid page or size');
    // pointsRefIds: "the limit is 10".
    if ((query.pointsRefIds ?? '').split(',').filter(Boolean).length > 10)
      return rewardsError(400, 8009, 'At most 10 pointsRefIds');
    if (query.status !== undefined && query.status !== 'true' && query.status !== 'false') {
      return rewardsError(400, 8009, 'status must be true or false');
    }
    const catalog = rewardsCatalog(core.now());
    const list = found.account.issuals
      .filter((issual) => query.status === undefined || String(issual.success) === query.status)
      .sort((a, b) => b.at - a.at);
    const shown = page === 0 ? list : list.slice((page - 1) * size, page * size);
    return {
      status: 200,
      body: {
        status: { success: true, code: 200, message: 'Success' },
        data: shown.map((issual) => {
          const reward = catalog.find((r) => r.id === issual.rewardId);
          return {
            rewardTransactionId: issual.rewardTransactionId,
            rewardIssueRefId: issual.rewardIssueRefId,
            rewardTransactionDate: issual.at,
            status: {
              success: issual.success,
              code: issual.success ? 200 : 8004,
              message: issual.success ? 'Issued' : 'Failed',
            },
            rewardId: issual.rewardId,
            name: reward?.name ?? '',
            description: reward?.description ?? '',
            imageUrl: reward?.imageUrl ?? '',
            intouchPoints: issual.points,
            quantity: 1,
            couponCode: issual.couponCode,
          };
        }),
      },
    };
  }

  // ---------- Neo (10.7, docs/trigger) ----------

  function matchDataflow(method: string, path: string): { flow: Dataflow; params: Record<string, string> } | undefined {
    const segments = path.split('/');
    for (const flow of dataflows) {
      if (flow.method !== method) continue;
      const pattern = flow.pattern.split('/');
      if (pattern.length !== segments.length) continue;
      const params: Record<string, string> = {};
      const ok = pattern.every((part, index) => {
        const segment = segments[index] ?? '';
        if (part.startsWith(':')) {
          params[part.slice(1)] = decodeURIComponent(segment);
          return segment !== '';
        }
        return part === segment;
      });
      if (ok) return { flow, params };
    }
    return undefined;
  }

  function neo(request: SimRequest): SimAnswer {
    // Neo is server-to-server by default: a CIAM bearer token on a dataflow not whitelisted in
    // api_gateway_extensions gets 401 "even if a valid CIAM token is provided" (docs/trigger, 2026 note).
    if (!request.authorized)
      return { status: 401, body: { status: { success: false, code: 401, message: 'Unauthorized' } } };
    // The trigger's methods are GET, POST or PUT.
    if (!['GET', 'POST', 'PUT'].includes(request.method)) {
      return { status: 405, body: { status: { success: false, code: 405, message: 'Method not allowed' } } };
    }
    const match = matchDataflow(request.method, request.path);
    if (!match)
      return { status: 404, body: { status: { success: false, code: 404, message: 'No dataflow for this path' } } };
    const headers = Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name]) => name.startsWith('x-cap-') || name === 'content-type')
        .map(([name, value]) => [name, String(value)]),
    );
    neoRuns.push({
      method: request.method,
      path: request.path,
      query: { ...request.query },
      body: request.body,
      headers,
    });
    return {
      status: 200,
      // Internal headers a dataflow answer carries; the gateway must not pass them on.
      headers: { 'x-cap-neo-dag-id': randomUUID(), 'x-cap-neo-trace': 'sim-trace' },
      body: {
        dataflow: match.flow.pattern,
        customerId: match.params.customerId ?? null,
        params: match.params,
        query: request.query,
        body: request.body ?? null,
      },
    };
  }

  // ---------- routing ----------

  const REWARDS = '/api_gateway/rewards/core/v1';

  async function route(request: SimRequest): Promise<SimAnswer | undefined> {
    const { method, path, query } = request;
    if (path.startsWith('/x/neo/')) return neo(request);
    const family = path.startsWith('/v2/') || path.startsWith('/v1.1/') || path.startsWith(REWARDS);
    if (!family) return undefined;
    const byId = /^\/v2\/customers\/(\d+)(\/loyaltyDetails|\/pointsExpirySchedule|\/transactions)?$/.exec(path);
    const catalogPath = new RegExp(`^${REWARDS}/user/reward/brand/([^/]+)$`).exec(path);
    const issuePath = new RegExp(`^${REWARDS}/user/reward/(\\d+)/issue$`).exec(path);
    const issualsPath = new RegExp(`^${REWARDS}/management/customer/(\\d+)/issuals$`).exec(path);
    const known =
      (byId && (byId[2] || (query.embed ?? '').split(',').includes('mlp'))) ||
      path === '/v2/pointsLedger/getCustomerLedgerInfo' ||
      path === '/v1.1/customer/coupons' ||
      catalogPath ||
      issuePath ||
      issualsPath;
    if (!known) return undefined;
    // Every call needs the server's credentials (X-CAP-API-OAUTH-TOKEN or Basic), 401 otherwise.
    if (!request.authorized) return v2Error(401, 401, 'Authentication failed');
    if (byId && method === 'GET') {
      const id = Number(byId[1]);
      if (byId[2] === '/loyaltyDetails') return loyaltyDetails(id, query);
      if (byId[2] === '/pointsExpirySchedule') return expirySchedule(id, query);
      if (byId[2] === '/transactions') return transactions(id, query);
      return customerWithMlp(id, query);
    }
    if (method === 'GET' && path === '/v2/pointsLedger/getCustomerLedgerInfo') return ledger(query);
    if (method === 'GET' && path === '/v1.1/customer/coupons') return coupons(query);
    if (method === 'GET' && catalogPath) return rewardsForUser(decodeURIComponent(catalogPath[1] ?? ''), query);
    if (method === 'POST' && issuePath) return issueReward(Number(issuePath[1]), query, request.body);
    if (method === 'GET' && issualsPath) return issuals(Number(issualsPath[1]), query);
    return v2Error(405, 405, 'Method not allowed');
  }

  const api: LoyaltySimulator = {
    switches: () => ({ ...switches }),
    configure: (change) => {
      if (change.rewardRequestIdPlacement === 'top-level' || change.rewardRequestIdPlacement === 'reward-line') {
        switches.rewardRequestIdPlacement = change.rewardRequestIdPlacement;
      }
      if (change.rewardRequestIdRepeat === 'replay' || change.rewardRequestIdRepeat === 'error') {
        switches.rewardRequestIdRepeat = change.rewardRequestIdRepeat;
      }
      if (change.mlpFieldNames === 'reference' || change.mlpFieldNames === 'example')
        switches.mlpFieldNames = change.mlpFieldNames;
      if (change.seed === 'demo' || change.seed === 'empty') switches.seed = change.seed;
      if (typeof change.writeHoldMs === 'number' && change.writeHoldMs >= 0) switches.writeHoldMs = change.writeHoldMs;
    },
    account: (customerId) => {
      const found = member(customerId);
      return isAnswer(found) ? undefined : view(found.account);
    },
    credit: (customerId, credit) => {
      const found = member(customerId);
      if (isAnswer(found)) throw new Error(`no live customer ${customerId}`);
      const { account } = found;
      const now = core.now();
      const programId = credit.programId ?? DEFAULT_PROGRAM_ID;
      if (!programOf(programId)) throw new Error(`no program ${programId}`);
      for (const item of credit.transactions ?? []) {
        const transaction: SimTransaction = {
          id: ids.next(),
          billNumber: item.billNumber ?? `SIM-${customerId}-${ids.next()}`,
          billingTime: now,
          amount: item.amount,
          grossAmount: item.amount,
          discount: 0,
          type: 'REGULAR',
          notes: 'added by the simulator control',
          storeCode: 'store-001',
        };
        account.transactions.push(transaction);
        for (const state of account.programs)
          state.cumulativePurchases = points3(state.cumulativePurchases + item.amount);
        applyEntry(account, {
          eventLogId: ids.next(),
          eventName: 'TransactionAdd',
          at: now,
          transactionId: transaction.id,
          points: SIM_PROGRAMS.map((program) => ({
            programId: program.programId,
            points: points3(item.amount * program.earnRate),
          })),
        });
      }
      if (credit.points !== undefined && credit.points !== 0) {
        applyEntry(account, {
          eventLogId: ids.next(),
          eventName: 'GoodwillPoints',
          at: now,
          points: [{ programId, points: points3(credit.points) }],
        });
      }
      for (const item of credit.coupons ?? []) {
        const id = ids.next();
        account.coupons.push({
          id,
          code: `SIMC${id}`,
          seriesId: 7100,
          description: item.description ?? 'Added by the simulator control',
          discountType: 'PERC',
          discountValue: item.discountValue ?? 10,
          issuedOn: now,
          validTill: now + (item.validDays ?? 30) * 86_400_000,
          redeemedOn: undefined,
        });
      }
      return view(account);
    },
    rewardsBrand,
    catalog: () => rewardsCatalog(core.now()),
    issuesPerformed: () => issues,
    neoRuns: () => structuredClone(neoRuns),
  };

  /** The body of the credit control route, checked: `{points}` (non-zero number) and/or transactions, coupons. */
  function parseCredit(body: unknown): LoyaltyCredit | string {
    if (!isRecord(body)) return 'body must be a JSON object';
    const credit: LoyaltyCredit = {};
    if (body.points !== undefined) {
      if (typeof body.points !== 'number' || !Number.isFinite(body.points)) return 'points must be a number';
      credit.points = body.points;
    }
    if (body.programId !== undefined) {
      if (typeof body.programId !== 'number' || !programOf(body.programId))
        return `programId must be one of ${SIM_PROGRAMS.map((p) => p.programId).join(', ')}`;
      credit.programId = body.programId;
    }
    if (body.transactions !== undefined) {
      if (
        !Array.isArray(body.transactions) ||
        !body.transactions.every((t) => isRecord(t) && typeof t.amount === 'number' && t.amount > 0)
      ) {
        return 'transactions must be a list of {amount > 0, billNumber?}';
      }
      credit.transactions = body.transactions.map((t) => ({
        amount: Number(t.amount),
        ...(typeof t.billNumber === 'string' ? { billNumber: t.billNumber } : {}),
      }));
    }
    if (body.coupons !== undefined) {
      if (!Array.isArray(body.coupons) || !body.coupons.every(isRecord)) return 'coupons must be a list of objects';
      credit.coupons = body.coupons.map((c) => ({
        ...(typeof c.description === 'string' ? { description: c.description } : {}),
        ...(typeof c.discountValue === 'number' ? { discountValue: c.discountValue } : {}),
        ...(typeof c.validDays === 'number' ? { validDays: c.validDays } : {}),
      }));
    }
    if (credit.points === undefined && !credit.transactions && !credit.coupons)
      return 'send at least points, transactions or coupons';
    return credit;
  }

  const extension: SimExtension = {
    route,
    control: (method, path, body) => {
      const account = /^\/__sim\/customers\/(\d+)\/loyalty$/.exec(path);
      if (account) {
        const id = Number(account[1]);
        if (method === 'GET') {
          const found = api.account(id);
          return found ? { status: 200, body: found } : { status: 404, body: { error: `no live customer ${id}` } };
        }
        if (method === 'POST') {
          if (!api.account(id)) return { status: 404, body: { error: `no live customer ${id}` } };
          const credit = parseCredit(body);
          if (typeof credit === 'string') return { status: 400, body: { error: credit } };
          return { status: 200, body: api.credit(id, credit) };
        }
      }
      if (method === 'GET' && path === '/__sim/loyalty') {
        return {
          status: 200,
          body: { switches: api.switches(), rewardsBrand, catalog: api.catalog(), programs: SIM_PROGRAMS },
        };
      }
      if (method === 'POST' && path === '/__sim/loyalty/config' && isRecord(body)) {
        api.configure(body as Partial<LoyaltySwitches>);
        return { status: 200, body: api.switches() };
      }
      if (method === 'POST' && path === '/__sim/neo' && isRecord(body)) {
        const flowMethod = String(body.method ?? '');
        const pattern = String(body.path ?? '');
        if (!['GET', 'POST', 'PUT'].includes(flowMethod) || !/^\/x\/neo(\/[^/]+)+$/.test(pattern)) {
          return { status: 400, body: { error: 'send {method: GET|POST|PUT, path: /x/neo/... with :param segments}' } };
        }
        dataflows.push({ method: flowMethod, pattern });
        return { status: 201, body: { dataflows } };
      }
      return undefined;
    },
    reset: () => {
      accounts = new Map();
      locks = new Set();
      issuedByRequestId = new Map();
      issues = 0;
      dataflows = [...builtInDataflows];
      neoRuns = [];
    },
  };
  return { extension, api };
}
