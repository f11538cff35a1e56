// The shapes of the brand doctor's report (`npm run brand -- doctor`, POST /v1/admin/brands/{id}/doctor): one check
// per question, each pass, warn or fail with what it found (and, for a Capillary probe, which reading the org
// follows) and what to do.

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Stable id, e.g. `discovery`, `cuid-lookup`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** What was found, in one or two sentences. */
  summary: string;
  /** Capillary probes: the reading of an open question (CAPILLARY.md 8-10) the org follows. */
  reading?: string;
  /** What to do about a warn or fail (or which setting fits the reading). */
  action?: string;
  /** The calls and answers the check rests on (`GET /v2/customers/lookup?... -> HTTP 200, 8013`), never secrets. */
  evidence?: string[];
}

/** A check that did not run, and what it needs. */
export interface NotRun {
  id: string;
  title: string;
  why: string;
}

export function check(
  id: string,
  title: string,
  status: CheckStatus,
  summary: string,
  extra: Pick<DoctorCheck, 'reading' | 'action' | 'evidence'> = {},
): DoctorCheck {
  return { id, title, status, summary, ...extra };
}

/** Counts of a list of checks by status. */
export function countChecks(checks: readonly DoctorCheck[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const item of checks) counts[item.status]++;
  return counts;
}
