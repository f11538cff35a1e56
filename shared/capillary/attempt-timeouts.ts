// Per-attempt timeouts of Capillary calls, by kind. A read (lookup, get) is idempotent: when one attempt has not
// answered in a short time, a fresh attempt is the better bet, and a slow read must not hold the execution.
// A write (add, update, changeIdentifier) gets the brand's full timeout: cutting it short leaves the caller not
// knowing whether Capillary applied it, and a retry then meets the customer it just created.

export interface AttemptTimeouts {
  readMs: number;
  writeMs: number;
}

/** Reads get this share of the brand's (write) timeout... */
const READ_TIMEOUT_SHARE = 0.4;
/** ...but never less than this (a healthy Capillary read answers well within it), nor more than the write timeout. */
const MIN_READ_TIMEOUT_MS = 1_000;

/** The timeouts derived from a brand's `capillary.timeoutMs` (the write timeout). */
export function attemptTimeoutsFor(writeMs: number): AttemptTimeouts {
  const readMs = Math.min(writeMs, Math.max(MIN_READ_TIMEOUT_MS, Math.round(writeMs * READ_TIMEOUT_SHARE)));
  return { readMs, writeMs };
}

/** GET is a read; every other method writes. */
export function attemptTimeoutMs(timeouts: AttemptTimeouts, method: string): number {
  return method.toUpperCase() === 'GET' ? timeouts.readMs : timeouts.writeMs;
}
