// GET /v1/me/transactions and GET /v1/me/coupons: the member's bills (newest first, `limit` at a time behind an
// opaque cursor over Capillary's record offset) and coupons (active, redeemed, expired; one `status` filter).
// Each is one Capillary call.
import { z } from 'zod';
import type { CapillaryCoupon, TransactionsAnswer } from '../capillary/loyalty-types.js';
import { withMemberCustomer } from './member-customer.js';
import { loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';
import { CursorParam, decodeCursor, encodeCursor, limitParam, parseQuery } from './member-query.js';

const TRANSACTIONS = 'transactions';

const TransactionsQuerySchema = z.object({ limit: limitParam(20, 100), cursor: CursorParam });
const TransactionsCursorSchema = z.object({ offset: z.number().int().min(0), limit: z.number().int().min(1).max(100) });

export interface MemberTransaction {
  id: number;
  billNumber: string | null;
  /** As Capillary stamps it (ISO, the org's server time zone). */
  billedAt: string;
  type: string | null;
  /** Capillary's floor-rounded amounts, unchanged. */
  amount: number | null;
  grossAmount: number | null;
  discount: number | null;
}

export function memberTransaction(item: TransactionsAnswer['data'][number]): MemberTransaction {
  return {
    id: item.id,
    billNumber: item.billNumber ?? null,
    billedAt: item.billingTime,
    type: item.type ?? null,
    amount: item.amount ?? null,
    grossAmount: item.grossAmount ?? null,
    discount: item.discount ?? null,
  };
}

export interface TransactionsPage {
  customerId: number;
  total: number;
  transactions: MemberTransaction[];
  nextCursor: string | null;
}

export async function viewTransactions(
  services: MemberServices,
  caller: MemberCaller,
  rawQuery: Record<string, string>,
): Promise<TransactionsPage> {
  const query = parseQuery(TransactionsQuerySchema, rawQuery);
  const at = query.cursor
    ? decodeCursor(TRANSACTIONS, query.cursor, TransactionsCursorSchema)
    : { offset: 0, limit: query.limit };
  return withMemberCustomer(services, caller, async (customerId) => {
    const answer = await loyaltyCallsFor(services, caller).transactions(customerId, at);
    const total = answer.pagination.total;
    const nextOffset = at.offset + at.limit;
    return {
      customerId,
      total,
      transactions: answer.data.map(memberTransaction),
      nextCursor:
        nextOffset < total && answer.data.length > 0
          ? encodeCursor(TRANSACTIONS, { offset: nextOffset, limit: at.limit })
          : null,
    };
  });
}

const CouponStatuses = ['active', 'redeemed', 'expired'] as const;
export type CouponStatus = (typeof CouponStatuses)[number];

const CouponsQuerySchema = z.object({ status: z.enum(CouponStatuses).optional() });

export interface MemberCoupon {
  id: string;
  code: string;
  description: string | null;
  discountType: string | null;
  discountValue: number | null;
  status: CouponStatus;
  issuedAt: string | null;
  validTill: string | null;
  redeemedAt: string | null;
}

/** v1.1 times (`YYYY-MM-DD HH:mm:ss`, the org's zone, read as UTC) or ISO; NaN when unreadable. */
function timeOf(value: string | null | undefined): number {
  if (!value) return Number.NaN;
  return Date.parse(/[Zz]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value.replace(' ', 'T')}Z`);
}

/** Redeemed wins; then expired by `valid_till`; else active (v1.1's own `active` ignores redemption). */
export function couponStatus(coupon: CapillaryCoupon, nowMs: number): CouponStatus {
  const redeemed = (coupon.redemption_count ?? 0) > 0 || Boolean(coupon.redeemed_on);
  if (redeemed) return 'redeemed';
  const validTill = timeOf(coupon.valid_till);
  return !Number.isNaN(validTill) && validTill <= nowMs ? 'expired' : 'active';
}

export function memberCoupon(coupon: CapillaryCoupon, nowMs: number): MemberCoupon {
  return {
    id: String(coupon.id),
    code: coupon.code,
    description: coupon.description ?? null,
    discountType: coupon.discount_type ?? null,
    discountValue: coupon.discount_value ?? null,
    status: couponStatus(coupon, nowMs),
    issuedAt: coupon.created_date ?? null,
    validTill: coupon.valid_till ?? null,
    redeemedAt: coupon.redeemed_on || null,
  };
}

export async function viewCoupons(
  services: MemberServices,
  caller: MemberCaller,
  rawQuery: Record<string, string>,
): Promise<{ customerId: number; coupons: MemberCoupon[] }> {
  const { status } = parseQuery(CouponsQuerySchema, rawQuery);
  const now = (services.now ?? Date.now)();
  return withMemberCustomer(services, caller, async (customerId) => {
    // Capillary filters by the same names; its `active` still lists redeemed coupons, dropped here.
    const list = await loyaltyCallsFor(services, caller).coupons(customerId, status);
    const coupons = list
      .map((coupon) => memberCoupon(coupon, now))
      .filter((coupon) => status === undefined || coupon.status === status);
    return { customerId, coupons };
  });
}
