import { describe, expect, it } from 'vitest';
import {
  BudgetDefaults,
  deadlineFrom,
  deadlineIn,
  earliest,
  NoDeadline,
  worstCaseBudgetMs,
} from '../../../shared/customer/time-budget.js';

describe('time budgets', () => {
  it('keeps the reserve back from the remaining invocation time and never goes below zero', () => {
    let now = 1_000;
    const deadline = deadlineFrom(3_000, () => now);
    expect(deadline.remainingMs()).toBe(3_000 - BudgetDefaults.reserveMs);
    now += 5_000;
    expect(deadline.remainingMs()).toBe(0);
  });

  it('has no deadline outside Lambda (Infinity remaining)', () => {
    expect(deadlineFrom(Number.POSITIVE_INFINITY)).toBe(NoDeadline);
    expect(NoDeadline.remainingMs()).toBe(Number.POSITIVE_INFINITY);
  });

  it('takes the earliest of several deadlines', () => {
    const now = () => 0;
    expect(earliest(deadlineIn(500, now), deadlineIn(200, now), NoDeadline).remainingMs()).toBe(200);
  });

  it('counts the userinfo timeout, DynamoDB, one Capillary attempt and the reserve', () => {
    expect(worstCaseBudgetMs('identifiers', { ...BudgetDefaults, claimsTimeoutMs: 0 })).toBe(
      BudgetDefaults.dynamoAllowanceMs + BudgetDefaults.minAttemptMs + BudgetDefaults.reserveMs,
    );
  });
});
