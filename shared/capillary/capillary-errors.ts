// Typed failures of Capillary calls, mapped onto the gateway's error model by the body's codes (never by
// the HTTP status alone, since Capillary sends business errors with HTTP 500 too): not found (8015/8009),
// merged away (8069), lookups the org refuses (8013/8011), duplicates (8006/8007/8008...), INSTORE profile
// required (8090), refused identifier changes (warnings 8070-8075), retryable (521, 5xx, 429, timeouts) and
// anything else (502). Each carries Capillary's codes and request id for the logs.
import { type CodeWithStatus, ConflictError, ErrorCodes, NotFoundError, UpstreamError } from '../errors.js';

export interface CapillaryFailureInfo {
  codes: number[];
  httpStatus: number | undefined;
  requestId: string | undefined;
}

/** Codes meaning "no customer for these identifiers / this id". */
const NOT_FOUND_CODES: ReadonlySet<number> = new Set([8015, 8009]);
/** "The customer is merged into another account" (get of a merged-away id). */
const MERGED_CODE = 8069;
/**
 * "Invalid identifier passed" / "invalid source account passed" / "invalid source passed": the org does not
 * answer this lookup (CAPILLARY.md §3: the cuid lookup on OAUTH_EXTERNAL may meet 8003, 8011 or 8013).
 */
const LOOKUP_REFUSED_CODES: ReadonlySet<number> = new Set([8013, 8011, 8003]);
/**
 * Warnings a successful add carries that say nothing about the customer it holds: 8107 "Default customer
 * status label not set" (the published success example). Any other warning (8050 merged, 8052 conflicting,
 * 8055 e-mail dropped, ...) means the customer is not exactly what was sent.
 */
export const INFORMATIONAL_WARNING_CODES: ReadonlySet<number> = new Set([8107]);
/** "Unable to create profile as instore profile doesn't exist." */
const INSTORE_REQUIRED_CODE = 8090;
/** Codes meaning the identifier or profile already exists (same source) or would merge conflicting customers. */
const CONFLICT_CODES: ReadonlySet<number> = new Set([8006, 8007, 8008, 8028, 8052, 8053, 8066, 8067]);
/** "Multiple actions running for the same customer, retry later." */
export const CONCURRENT_ACTION_CODE = 521;

/** changeIdentifier warnings that mean the change was not made, each with its gateway code. */
export const IDENTIFIER_CHANGE_FAILURES: ReadonlyMap<number, CodeWithStatus<409>> = new Map<
  number,
  CodeWithStatus<409>
>([
  [8070, ErrorCodes.IDENTIFIER_CHANGE_REFUSED],
  [8071, ErrorCodes.IDENTIFIER_TAKEN],
  [8072, ErrorCodes.IDENTIFIER_TAKEN],
  [8073, ErrorCodes.IDENTIFIER_TAKEN],
  [8074, ErrorCodes.IDENTIFIER_IN_MULTIPLE_CUSTOMERS],
  [8075, ErrorCodes.PRIMARY_IDENTIFIER_MISMATCH],
]);

/** Business codes are Capillary's own (8xxx, 1017, 91015, 3217 ...); below 1000 they echo HTTP statuses. */
export function isBusinessCode(code: number): boolean {
  return code >= 1000;
}

/** Capillary has no customer for the given identifiers or id (8015, 8009). */
export class CapillaryNotFoundError extends NotFoundError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(ErrorCodes.NOT_FOUND, message);
    this.capillary = capillary;
  }
}

/** The customer was merged into another one (8069): follow to the survivor. */
export class CapillaryMergedError extends CapillaryNotFoundError {}

/** Capillary refused a write because an identifier or profile already exists (8006/8007/8008, merge conflicts). */
export class CapillaryConflictError extends ConflictError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(ErrorCodes.CONFLICT, message);
    this.capillary = capillary;
  }
}

/** changeIdentifier answered with a createdId but a failure warning (8070-8075): nothing was changed. */
export class CapillaryIdentifierChangeError extends ConflictError {
  readonly capillary: CapillaryFailureInfo;
  constructor(code: CodeWithStatus<409>, message: string, capillary: CapillaryFailureInfo) {
    super(code, message);
    this.capillary = capillary;
  }
}

/** Capillary rejected the call for another reason (validation, credentials, unexpected body): 502. */
export class CapillaryRejectedError extends UpstreamError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo, code: CodeWithStatus<502> = ErrorCodes.UPSTREAM_ERROR) {
    super(502, code, message);
    this.capillary = capillary;
  }
}

/** The org refuses the lookup (8013/8011), e.g. `identifierName=cuid`, which the published enum leaves out. */
export class CapillaryLookupRefusedError extends CapillaryRejectedError {}

/** Capillary kept failing in a retryable way (5xx, 429, 521, timeouts) until the retries ran out: 502/503 + Retry-After. */
export class CapillaryUnavailableError extends UpstreamError {
  readonly capillary: CapillaryFailureInfo;
  constructor(status: 502 | 503, message: string, retryAfterSeconds: number, capillary: CapillaryFailureInfo) {
    if (status === 503) super(503, ErrorCodes.UPSTREAM_UNAVAILABLE, message, { retryAfterSeconds });
    else super(502, ErrorCodes.UPSTREAM_ERROR, message, { retryAfterSeconds });
    this.capillary = capillary;
  }
}

export type CapillaryCallError = CapillaryNotFoundError | CapillaryConflictError | CapillaryRejectedError;

/** Maps a failed (non-retryable) Capillary answer to the right typed error. */
export function toCapillaryError(operation: string, capillary: CapillaryFailureInfo): CapillaryCallError {
  const has = (codes: ReadonlySet<number>) => capillary.codes.some((code) => codes.has(code));
  if (capillary.codes.includes(MERGED_CODE)) {
    return new CapillaryMergedError(`Capillary ${operation}: the customer was merged into another one`, capillary);
  }
  if (has(NOT_FOUND_CODES)) return new CapillaryNotFoundError(`Capillary ${operation}: customer not found`, capillary);
  if (has(LOOKUP_REFUSED_CODES)) {
    return new CapillaryLookupRefusedError(`Capillary ${operation}: the org refuses this lookup`, capillary);
  }
  if (capillary.codes.includes(INSTORE_REQUIRED_CODE)) {
    return new CapillaryRejectedError(
      `Capillary ${operation}: the org needs an INSTORE profile first (set capillary.createWithInstoreProfile)`,
      capillary,
      ErrorCodes.INSTORE_PROFILE_REQUIRED,
    );
  }
  if (has(CONFLICT_CODES)) {
    return new CapillaryConflictError(`Capillary ${operation}: identifier or profile already exists`, capillary);
  }
  if (capillary.httpStatus === 401 || capillary.httpStatus === 403) {
    return new CapillaryRejectedError(`Capillary ${operation}: gateway credentials refused`, capillary);
  }
  return new CapillaryRejectedError(`Capillary ${operation} failed`, capillary);
}
