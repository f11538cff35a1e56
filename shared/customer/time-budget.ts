// Time budgets of the post-auth functions, derived from the invocation's remaining time so that the designed
// answers (503 + Retry-After when Capillary keeps failing, 409 LINK_IN_PROGRESS) reach the client before
// Lambda's own timeout. Everything that can wait (Capillary attempts and backoff, the wait for a concurrent
// session's link, the first-session lease) is cut to the deadline; the rest is bounded by its own timeout and
// counted in worstCaseBudgetMs, which test/infra/function-budgets.test.ts holds below each function's timeout.
import { type Deadline, DefaultRetryPolicy, NoDeadline } from '../capillary/capillary-transport.js';

export { type Deadline, NoDeadline };

/** The parts of a post-auth invocation's time budget, in ms. */
export interface Budget {
  reserveMs: number;
  minAttemptMs: number;
  leaseTtlMs: number;
  claimsTimeoutMs: number;
  dynamoAllowanceMs: number;
}

export const BudgetDefaults: Readonly<Budget> = {
  /** Kept back from Lambda's remaining time to write the answer, the audit line and release the lease. */
  reserveMs: 1_000,
  /** A Capillary attempt is not started with less than this left: the caller gets 503 + Retry-After at once. */
  minAttemptMs: DefaultRetryPolicy.minAttemptMs,
  /** Longest first-session lease: a lease left by an invocation that died expires within this. */
  leaseTtlMs: 5_000,
  /** The CIAM userinfo call's timeout (CiamClaimSource's default); not cut to the deadline. */
  claimsTimeoutMs: 3_000,
  /** DynamoDB reads and writes one post-auth call makes outside the deadline (revocation, link, lease). */
  dynamoAllowanceMs: 1_500,
};

/** The deadline `remainingMs` from now, minus the reserve. */
export function deadlineFrom(
  remainingMs: number,
  now: () => number = Date.now,
  reserveMs: number = BudgetDefaults.reserveMs,
): Deadline {
  if (!Number.isFinite(remainingMs)) return NoDeadline;
  const end = now() + remainingMs - reserveMs;
  return { remainingMs: () => Math.max(0, end - now()) };
}

/** A deadline `ms` from now (e.g. a lease's expiry). */
export function deadlineIn(ms: number, now: () => number = Date.now): Deadline {
  const end = now() + ms;
  return { remainingMs: () => Math.max(0, end - now()) };
}

/** Whichever of the deadlines comes first. */
export function earliest(...deadlines: Deadline[]): Deadline {
  return { remainingMs: () => Math.min(...deadlines.map((deadline) => deadline.remainingMs())) };
}

/** The post-auth functions (the names of functions/<name>/ and of the stack's function ids). */
export const PostAuthFunctions = ['session', 'me', 'profile', 'registration', 'identifiers'] as const;
export type PostAuthFunction = (typeof PostAuthFunctions)[number];

/**
 * The worst case of one post-auth invocation, in ms: what is not cut to the deadline (the userinfo call,
 * DynamoDB), one Capillary attempt so that a Capillary failure can still be answered, and the reserve. A
 * function whose timeout exceeds this always answers with its own 503/409 instead of timing out.
 */
export function worstCaseBudgetMs(_fn: PostAuthFunction, budget: Readonly<Budget> = BudgetDefaults): number {
  // Every post-auth function has the same shape (claims, link store, Capillary under the deadline).
  return budget.claimsTimeoutMs + budget.dynamoAllowanceMs + budget.minAttemptMs + budget.reserveMs;
}
