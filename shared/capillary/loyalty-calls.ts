// The member API's Capillary calls (CAPILLARY.md section 10), each through the brand's CapillaryClient (its
// authentication, timeouts, retries, deadline and rate limit) with a judge for its endpoint family: v2 `errors[]`,
// v1.1 `response.status` + `item_status`, Rewards `{success, code, message}`, and Neo answers passed through.
// Every answer is parsed (loyalty-types.ts), never trusted; failures map to gateway codes (loyalty-errors.ts).
import { z } from 'zod';
import { isRecord } from '../lang/is-record.js';
import type { CapillaryClient } from './capillary-client.js';
import { errorCodes, failureInfo, isRetryable, type RawAnswer, type Verdict } from './capillary-envelope.js';
import { isBusinessCode } from './capillary-codes.js';
import { CapillaryRejectedError } from './capillary-errors.js';
import {
  CapillaryDuplicateRequestError,
  isDuplicateRequest,
  type LoyaltyFamily,
  toLoyaltyError,
} from './loyalty-errors.js';
import {
  type CapillaryCoupon,
  type CapillaryIssual,
  type CapillaryReward,
  CouponsAnswerSchema,
  ExpiryScheduleSchema,
  IssualsAnswerSchema,
  IssueAnswerSchema,
  type IssuedReward,
  LedgerSchema,
  type LedgerPage,
  LoyaltyDetailsSchema,
  type LoyaltyProgram,
  type PointsExpiry,
  RewardsAnswerSchema,
  type TierGap,
  TierGapBlockSchema,
  TransactionsSchema,
  type TransactionsAnswer,
  type UpgradeStrategy,
} from './loyalty-types.js';

type Judge<T> = (answer: RawAnswer, auth: 'renewable' | 'fixed') => Verdict<T>;

const REWARDS = '/api_gateway/rewards/core/v1';

function unexpectedShape(operation: string, answer: RawAnswer): Verdict<never> {
  return {
    kind: 'fail',
    error: new CapillaryRejectedError(`Capillary ${operation} answered an unexpected shape`, failureInfo(answer)),
  };
}

/** Retry, renew the token or fail for an answer that is not a success and carries no business code. */
function transient(family: LoyaltyFamily, operation: string, answer: RawAnswer, codes: number[], auth: string) {
  if (answer.status === 401 && auth === 'renewable') return { kind: 'renew-auth' } as const;
  if (isRetryable(answer.status, codes)) return { kind: 'retry' } as const;
  return {
    kind: 'fail',
    error: toLoyaltyError(family, operation, { codes, httpStatus: answer.status, requestId: answer.requestId }),
  } as const;
}

/** The v2 family: success is a 2xx with no `errors[]` and the documented shape; a business code is final. */
function judgeV2<T>(operation: string, schema: z.ZodType<T>): Judge<T> {
  return (answer, auth) => {
    const codes = errorCodes(answer.json);
    if (answer.status < 300 && codes.length === 0) {
      const parsed = schema.safeParse(answer.json);
      return parsed.success ? { kind: 'done', value: parsed.data } : unexpectedShape(operation, answer);
    }
    if (codes.some(isBusinessCode)) {
      return { kind: 'fail', error: toLoyaltyError('v2', operation, failureInfo(answer)) };
    }
    return transient('v2', operation, answer, codes, auth);
  };
}

const isTrue = (value: unknown) => value === true || value === 'true';
const isTransientCouponCode = (code: number) => code >= 786 && code <= 799;

/** The v1.1 family: `response.status.success` and the customer's `item_status` (string booleans). */
function judgeV11Coupons(operation: string): Judge<CapillaryCoupon[]> {
  return (answer, auth) => {
    const parsed = CouponsAnswerSchema.safeParse(answer.json);
    if (!parsed.success)
      return answer.status < 300
        ? unexpectedShape(operation, answer)
        : transient('v1.1-customer', operation, answer, [], auth);
    const { status, customers } = parsed.data.response;
    const customer = customers?.customer[0];
    if (answer.status < 300 && isTrue(status.success) && customer && isTrue(customer.item_status.success)) {
      return { kind: 'done', value: customer.coupons?.coupon ?? [] };
    }
    const codes = [customer?.item_status.code, status.code].filter((code): code is number => typeof code === 'number');
    // 786-799: "try again later" / "report to Capillary Support" (reference/coupon-1): retried, then unavailable.
    if (codes.some(isTransientCouponCode)) return { kind: 'retry' };
    const final = codes.some((code) => code >= 700 && code !== 500 && answer.status < 500);
    if (final) {
      return {
        kind: 'fail',
        error: toLoyaltyError('v1.1-customer', operation, {
          codes,
          httpStatus: answer.status,
          requestId: answer.requestId,
        }),
      };
    }
    return transient('v1.1-customer', operation, answer, codes, auth);
  };
}

/** The Rewards family: `success` (or `status.success`) true, else `code` and `message`. */
function judgeRewards<T>(operation: string, schema: z.ZodType<T>): Judge<T> {
  return (answer, auth) => {
    const body = isRecord(answer.json) ? answer.json : {};
    const nested = isRecord(body.status) ? body.status : {};
    const succeeded = body.success === true || nested.success === true;
    if (answer.status < 300 && succeeded) {
      const parsed = schema.safeParse(answer.json);
      return parsed.success ? { kind: 'done', value: parsed.data } : unexpectedShape(operation, answer);
    }
    const rawCode = body.code ?? nested.code;
    const code = typeof rawCode === 'number' ? rawCode : typeof rawCode === 'string' ? Number(rawCode) : undefined;
    const message =
      typeof body.message === 'string' ? body.message : typeof nested.message === 'string' ? nested.message : undefined;
    const codes = code !== undefined && Number.isFinite(code) ? [code] : [];
    const info = { codes, httpStatus: answer.status, requestId: answer.requestId };
    if (isDuplicateRequest(code, message)) {
      return {
        kind: 'fail',
        error: new CapillaryDuplicateRequestError(`Capillary ${operation}: already issued`, info),
      };
    }
    // 521: another request for the same customer is running (retry after a short delay, reference/redeem-points).
    if (answer.status === 521 || code === 521) return { kind: 'retry' };
    if (codes.some((c) => c >= 700) && answer.status < 500) {
      return { kind: 'fail', error: toLoyaltyError('rewards', operation, info, message) };
    }
    return transient('rewards', operation, answer, codes, auth);
  };
}

/** A Neo dataflow's answer, passed through: its status and JSON body (never its headers). */
export interface NeoAnswer {
  status: number;
  body: unknown;
}

/** Neo answers pass through; the gateway's own credential problems and outages do not reach the member as such. */
function judgeNeo(operation: string): Judge<NeoAnswer> {
  return (answer, auth) => {
    if (answer.status === 401 && auth === 'renewable') return { kind: 'renew-auth' };
    if (answer.status === 401 || answer.status === 403) {
      return {
        kind: 'fail',
        error: new CapillaryRejectedError(
          `Capillary ${operation}: the gateway's credentials were refused`,
          failureInfo(answer),
        ),
      };
    }
    if (isRetryable(answer.status, [])) return { kind: 'retry' };
    if (answer.json === undefined && answer.status !== 204) return unexpectedShape(operation, answer);
    return { kind: 'done', value: { status: answer.status, body: answer.json ?? null } };
  };
}

/** `YYYY-MM-DDThh:mm:ss` in UTC, the ledger's date format. */
function ledgerDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** The tier-gap blocks of a customer answered with `embed=mlp`, wherever they sit (placement is not published). */
function findTierGaps(json: unknown, depth = 0, found: TierGap[] = []): TierGap[] {
  if (depth > 6) return found;
  if (Array.isArray(json)) {
    for (const item of json) findTierGaps(item, depth + 1, found);
    return found;
  }
  if (!isRecord(json)) return found;
  const block = TierGapBlockSchema.safeParse(json);
  const strategies = block.success ? (block.data.upgradeStrategies ?? block.data.gapToUpgrade) : undefined;
  if (block.success && strategies) {
    found.push({ programId: block.data.programId, criteria: strategies.map(criterion) });
    return found;
  }
  for (const value of Object.values(json)) findTierGaps(value, depth + 1, found);
  return found;
}

function criterion(strategy: UpgradeStrategy) {
  const values = strategy.customerUpgradeEntityValues;
  return {
    basedOn: strategy.upgrade_based_on ?? strategy.upgradeBasedOn ?? 'UNKNOWN',
    threshold: strategy.upgradeThreshold ?? null,
    current: values?.currentValue ?? null,
    gap: values?.gapToUpgrade ?? null,
  };
}

/** How the reward issue identifies the member: Capillary takes mobile, e-mail or external id, never the id. */
export interface RewardMember {
  type: 'mobile' | 'email' | 'externalId';
  value: string;
}

/** The member API's Capillary calls for one brand (and deadline: `client` may be cut to one). */
export class LoyaltyCalls {
  private readonly client: CapillaryClient;

  constructor(client: CapillaryClient) {
    this.client = client;
  }

  /** A v2 GET judged by its codes, its answer parsed with `schema`. */
  private getV2<T>(operation: string, path: string, schema: z.ZodType<T>, params?: Record<string, string>): Promise<T> {
    return this.client.exchange(
      { operation, method: 'GET', path, ...(params ? { params } : {}) },
      judgeV2(operation, schema),
    );
  }

  /** `GET /v2/customers/{id}/loyaltyDetails`: points and tier per program. */
  async loyaltyDetails(customerId: number): Promise<LoyaltyProgram[]> {
    const path = `/v2/customers/${customerId}/loyaltyDetails`;
    return (await this.getV2('loyaltyDetails', path, LoyaltyDetailsSchema)).data;
  }

  /** `GET /v2/customers/{id}/pointsExpirySchedule`: points expiring per program and date. */
  async expirySchedule(customerId: number): Promise<PointsExpiry[]> {
    const path = `/v2/customers/${customerId}/pointsExpirySchedule`;
    const answer = await this.getV2('pointsExpirySchedule', path, ExpiryScheduleSchema);
    return answer.expirySchedules.map(({ programId, points, expiryDate }) => ({ programId, points, expiryDate }));
  }

  /** `GET /v2/customers/{id}?source=ALL&embed=mlp&gapToUpgrade=0`: what each program's next tier needs. */
  async tierGaps(customerId: number): Promise<TierGap[]> {
    const params = { source: 'ALL', embed: 'mlp', gapToUpgrade: '0' };
    return findTierGaps(await this.getV2('customer mlp', `/v2/customers/${customerId}`, z.unknown(), params));
  }

  /**
   * `GET /v2/pointsLedger/getCustomerLedgerInfo` for one window of at most 90 days: `page` is a page number
   * (0 = first), `limit` at most 100 (reference/get-ledger-information). Newest first.
   */
  async ledger(
    customerId: number,
    window: { startMs: number; endMs: number; page: number; limit: number },
  ): Promise<LedgerPage> {
    const params = {
      identifierName: 'id',
      identifierValue: String(customerId),
      source: 'ALL',
      startDate: ledgerDate(window.startMs),
      endDate: ledgerDate(window.endMs),
      limit: String(window.limit),
      offset: String(window.page),
      order: 'DESC',
    };
    const answer = await this.getV2('pointsLedger', '/v2/pointsLedger/getCustomerLedgerInfo', LedgerSchema, params);
    return {
      totalEntries: answer.ledgerDetails.totalEntries,
      entries: answer.ledgerEntries.map((entry) => ({
        id: String(entry.eventLogId),
        event: entry.eventName,
        at: entry.ledgerCreatedDateISO ?? entry.ledgerCreatedDate ?? '',
        points: entry.entryDetails.map((detail) => ({
          programId: detail.programId,
          programName: detail.programName ?? null,
          type: detail.ledgerEntryType === 'DEBIT' ? 'DEBIT' : 'CREDIT',
          points: detail.points,
        })),
        netPoints:
          entry.netPointsOnEvent ??
          entry.entryDetails.reduce((sum, d) => sum + (d.ledgerEntryType === 'DEBIT' ? -d.points : d.points), 0),
        transactionNumber: entry.transactionDetails?.transactionNumber ?? null,
      })),
    };
  }

  /** `GET /v2/customers/{id}/transactions`: `offset` is a record offset, `limit` at most 1000; newest first. */
  async transactions(customerId: number, page: { offset: number; limit: number }): Promise<TransactionsAnswer> {
    const params = {
      limit: String(page.limit),
      offset: String(page.offset),
      sortBy: 'BILLING_TIME',
      sortOrder: 'DESC',
    };
    return this.getV2('transactions', `/v2/customers/${customerId}/transactions`, TransactionsSchema, params);
  }

  /** v1.1 `GET /v1.1/customer/coupons?id=` with an optional `status` (unredeemed, redeemed, expired, active). */
  coupons(customerId: number, status?: 'unredeemed' | 'redeemed' | 'expired' | 'active'): Promise<CapillaryCoupon[]> {
    const operation = 'coupons';
    const params = { id: String(customerId), format: 'json', ...(status ? { status } : {}) };
    return this.client.exchange(
      { operation, method: 'GET', path: '/v1.1/customer/coupons', params },
      judgeV11Coupons(operation),
    );
  }

  /** `GET .../user/reward/brand/{BrandName}?userId=`: the rewards this member may get (page from 1). */
  async rewardsForUser(
    brand: string,
    customerId: number,
    page: { page: number; size: number },
  ): Promise<CapillaryReward[]> {
    const operation = 'rewards';
    const params = { userId: String(customerId), page: String(page.page), size: String(page.size) };
    const path = `${REWARDS}/user/reward/brand/${encodeURIComponent(brand)}`;
    const answer = await this.client.exchange(
      { operation, method: 'GET', path, params },
      judgeRewards(operation, RewardsAnswerSchema),
    );
    return answer.rewardList;
  }

  /**
   * `POST .../user/reward/{rewardId}/issue?username=&skip_validation=true`. `requestId` goes both at the top level
   * and on the reward line (the reference shows both), so Capillary never issues twice for it; a retry of a call
   * whose answer was lost may meet CapillaryDuplicateRequestError.
   */
  async issueReward(input: {
    rewardId: number;
    brand: string;
    till: string;
    member: RewardMember;
    requestId: string;
    programId?: number | undefined;
  }): Promise<IssuedReward> {
    const operation = 'issueReward';
    const body = {
      [input.member.type]: input.member.value,
      brand: input.brand,
      transactionNumber: input.requestId,
      requestId: input.requestId,
      ...(input.programId === undefined ? {} : { programId: input.programId }),
      rewards: [{ rewardId: input.rewardId, quantity: 1, requestId: input.requestId }],
    };
    const answer = await this.client.exchange(
      {
        operation,
        method: 'POST',
        path: `${REWARDS}/user/reward/${input.rewardId}/issue`,
        params: { username: input.till, skip_validation: 'true' },
        body,
      },
      judgeRewards(operation, IssueAnswerSchema),
    );
    return {
      pointsRedeemed: answer.pointsRedeemed ?? null,
      couponCode: answer.couponCode ?? null,
      codeExpiry: answer.codeExpiry === undefined || answer.codeExpiry === null ? null : String(answer.codeExpiry),
      transactionId:
        answer.transactionId === undefined || answer.transactionId === null ? null : String(answer.transactionId),
      issuedAt: answer.issueDateTime ?? null,
    };
  }

  /** `GET .../management/customer/{customerId}/issuals`: rewards issued to the member (page from 1). */
  async issuals(customerId: number, page: { page: number; size: number }): Promise<CapillaryIssual[]> {
    const operation = 'issuals';
    const params = { page: String(page.page), size: String(page.size), status: 'true' };
    const path = `${REWARDS}/management/customer/${customerId}/issuals`;
    const answer = await this.client.exchange(
      { operation, method: 'GET', path, params },
      judgeRewards(operation, IssualsAnswerSchema),
    );
    return answer.data;
  }

  /** A Neo dataflow, server to server (`x-cap-neo-dag-scope: org` as the trigger page's sample sends it). */
  neo(request: {
    method: 'GET' | 'POST' | 'PUT';
    path: string;
    params: Record<string, string | readonly string[]>;
    body?: unknown;
  }): Promise<NeoAnswer> {
    const operation = 'neo';
    return this.client.exchange(
      {
        operation,
        method: request.method,
        path: request.path,
        params: request.params,
        ...(request.body === undefined ? {} : { body: request.body }),
        headers: { 'x-cap-neo-dag-scope': 'org' },
      },
      judgeNeo(operation),
    );
  }
}
