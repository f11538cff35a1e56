// The member API's answers built from Capillary's items: every field Capillary may leave out becomes null (never
// undefined, never a guess), amounts and points keep Capillary's precision, times become what the contract says
// (issuals: epoch milliseconds, digit strings or dates to ISO instants), and the tier card only names a next tier
// Capillary names, with the points gap only from a points-based criterion.
import { describe, expect, it } from 'vitest';
import type { LoyaltyProgram } from '../../../shared/capillary/loyalty-types.js';
import { programCard } from '../../../shared/member/loyalty-card.js';
import { memberCoupon, memberTransaction } from '../../../shared/member/member-activity.js';
import { issuedView, memberReward } from '../../../shared/member/member-rewards.js';

const now = Date.UTC(2026, 5, 1);

describe('member views of Capillary items', () => {
  it('transactions: sparse items answer nulls, full items keep their amounts', () => {
    expect(memberTransaction({ id: 1, billingTime: '2026-05-01T10:00:00+05:30' })).toEqual({
      id: 1,
      billNumber: null,
      billedAt: '2026-05-01T10:00:00+05:30',
      type: null,
      amount: null,
      grossAmount: null,
      discount: null,
    });
    expect(
      memberTransaction({
        id: 2,
        billNumber: 'B-2',
        billingTime: '2026-05-02T10:00:00Z',
        type: 'REGULAR',
        amount: 1234.5,
        grossAmount: 1300,
        discount: 65.5,
      }),
    ).toMatchObject({ billNumber: 'B-2', type: 'REGULAR', amount: 1234.5, grossAmount: 1300, discount: 65.5 });
  });

  it('coupons: sparse items answer nulls and a state; an empty redeemed_on is no redemption', () => {
    expect(memberCoupon({ id: 7, code: 'C7', redeemed_on: '' }, now)).toEqual({
      id: '7',
      code: 'C7',
      description: null,
      discountType: null,
      discountValue: null,
      status: 'active',
      issuedAt: null,
      validTill: null,
      redeemedAt: null,
    });
    expect(
      memberCoupon(
        {
          id: 8,
          code: 'C8',
          description: '10% off',
          discount_type: 'PERC',
          discount_value: 10,
          created_date: '2026-01-01 10:00:00',
          valid_till: '2026-12-31 23:59:59',
          redemption_count: 1,
          redeemed_on: '2026-02-01 10:00:00',
        },
        now,
      ),
    ).toMatchObject({ status: 'redeemed', discountValue: 10, redeemedAt: '2026-02-01 10:00:00' });
  });

  it('rewards: sparse items answer nulls; numeric tiers and epoch dates become text', () => {
    expect(memberReward({ id: 5001, name: 'Coffee' })).toEqual({
      rewardId: 5001,
      name: 'Coffee',
      description: null,
      type: null,
      pointsPrice: null,
      tier: null,
      category: null,
      imageUrl: null,
      startsAt: null,
      endsAt: null,
    });
    expect(
      memberReward({
        id: 5002,
        name: 'Mug',
        description: 'A mug',
        type: 'VOUCHER',
        intouchPoints: 250.5,
        tier: 2,
        category: 'Merch',
        imageUrl: 'https://img.example/mug.png',
        startDate: 1767225600000,
        endDate: '2026-12-31',
      }),
    ).toMatchObject({ pointsPrice: 250.5, tier: '2', startsAt: '1767225600000', endsAt: '2026-12-31' });
  });

  it('issued rewards: epoch milliseconds, digit strings and dates become ISO instants; unreadable ones null', () => {
    const at = Date.UTC(2026, 4, 1, 12);
    const base = { rewardTransactionId: 9, rewardId: 5001 };
    expect(issuedView({ ...base, rewardTransactionDate: at }).issuedAt).toBe('2026-05-01T12:00:00.000Z');
    expect(issuedView({ ...base, rewardTransactionDate: String(at) }).issuedAt).toBe('2026-05-01T12:00:00.000Z');
    expect(issuedView({ ...base, rewardTransactionDate: '2026-05-01T12:00:00Z' }).issuedAt).toBe(
      '2026-05-01T12:00:00.000Z',
    );
    expect(issuedView(base)).toEqual({
      rewardTransactionId: '9',
      rewardId: 5001,
      name: null,
      description: null,
      imageUrl: null,
      pointsSpent: null,
      quantity: null,
      couponCode: null,
      issuedAt: null,
    });
    expect(
      issuedView({ ...base, name: 'Coffee', intouchPoints: 100, quantity: 1, couponCode: 'X1', imageUrl: 'u' }),
    ).toMatchObject({ name: 'Coffee', pointsSpent: 100, quantity: 1, couponCode: 'X1', imageUrl: 'u' });
  });

  it('loyalty card: the next tier only when Capillary names one, its gap only from a points criterion', () => {
    const program = {
      programId: 973,
      loyaltyId: 1,
      loyaltyPoints: 120.125,
      lifetimePoints: 500,
      redeemed: 300,
      expired: 80,
      delayedPoints: 10,
    } as LoyaltyProgram;
    const sparse = programCard(program, [], undefined);
    expect(sparse).toMatchObject({
      enrolled: true,
      points: { current: 120.125, totalAvailable: 130.125 },
      tier: null,
      nextTier: null,
      expiringPoints: [],
    });
    const top = programCard({ ...program, currentSlab: 'Gold', nextSlab: '', nextSlabSerialNumber: -1 }, [], undefined);
    expect(top.tier).toEqual({ name: 'Gold', serialNumber: null, expiresAt: null });
    expect(top.nextTier).toBeNull();
    const moneyOnly = programCard(
      { ...program, currentSlab: 'Silver', slabSNo: 2, nextSlab: 'Gold', nextSlabSerialNumber: 3 },
      [
        { programId: 973, points: 5, expiryDate: '2026-09-01' },
        { programId: 973, points: 3, expiryDate: '2026-07-01' },
        { programId: 983, points: 9, expiryDate: '2026-06-15' },
      ],
      { programId: 973, criteria: [{ basedOn: 'CUMULATIVE_PURCHASES', threshold: 1000, current: 400, gap: 600 }] },
    );
    expect(moneyOnly.nextTier).toMatchObject({ name: 'Gold', serialNumber: 3, pointsNeeded: null });
    expect(moneyOnly.expiringPoints).toEqual([
      { points: 3, expiresOn: '2026-07-01' },
      { points: 5, expiresOn: '2026-09-01' },
    ]);
    const byPoints = programCard(
      { ...program, loyaltyId: -1, currentSlab: 'Silver', nextSlab: 'Gold', nextSlabSerialNumber: 3 },
      [],
      { programId: 973, criteria: [{ basedOn: 'CURRENT_POINTS', threshold: 500, current: 120.125, gap: 379.875 }] },
    );
    expect(byPoints.enrolled).toBe(false);
    expect(byPoints.nextTier?.pointsNeeded).toBe(379.875);
  });
});
