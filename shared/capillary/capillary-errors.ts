// Typed failures of Capillary calls, mapped onto the gateway's error model by code family:
// not found (8015/8009), duplicates and identifier conflicts (8006/8007/8008...), retryable (521, 5xx, 429,
// timeouts) and anything else (502). Each carries Capillary's codes and request id for the logs.
import { ConflictError, ErrorCodes, NotFoundError, UpstreamError } from '../errors.js';

/** Capillary's `{status, code, message}` items of `warnings[]` and `errors[]`. */
export interface CapillaryStatusItem {
  code: number;
  message: string;
}

export interface CapillaryFailureInfo {
  codes: number[];
  httpStatus: number | undefined;
  requestId: string | undefined;
}

/** Codes meaning "no customer for these identifiers / this id". */
export const NOT_FOUND_CODES: ReadonlySet<number> = new Set([8015, 8009]);
/** Codes meaning the identifier or profile already exists (same source) or would merge conflicting customers. */
export const CONFLICT_CODES: ReadonlySet<number> = new Set([
  8006, 8007, 8008, 8028, 8052, 8053, 8066, 8067, 8070, 8071, 8072, 8073, 8074, 8075,
]);
/** "Multiple actions running for the same customer, retry later." */
export const CONCURRENT_ACTION_CODE = 521;

/** Capillary has no customer for the given identifiers or id (8015, 8009). */
export class CapillaryNotFoundError extends NotFoundError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(ErrorCodes.NOT_FOUND, message);
    this.capillary = capillary;
  }
}

/** Capillary refused a write because an identifier or profile already exists (8006/8007/8008, merge conflicts). */
export class CapillaryConflictError extends ConflictError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(ErrorCodes.CONFLICT, message);
    this.capillary = capillary;
  }
}

/** Capillary rejected the call for another reason (validation, credentials, unexpected body): 502. */
export class CapillaryRejectedError extends UpstreamError {
  readonly capillary: CapillaryFailureInfo;
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(502, ErrorCodes.UPSTREAM_ERROR, message);
    this.capillary = capillary;
  }
}

/** Capillary kept failing in a retryable way (5xx, 429, 521, timeouts) until the retries ran out: 502/503 + Retry-After. */
export class CapillaryUnavailableError extends UpstreamError {
  readonly capillary: CapillaryFailureInfo;
  constructor(status: 502 | 503, message: string, retryAfterSeconds: number, capillary: CapillaryFailureInfo) {
    super(status, status === 503 ? ErrorCodes.UPSTREAM_UNAVAILABLE : ErrorCodes.UPSTREAM_ERROR, message, {
      retryAfterSeconds,
    });
    this.capillary = capillary;
  }
}

/** Maps a failed (non-retryable) Capillary answer to the right typed error. */
export function toCapillaryError(
  operation: string,
  capillary: CapillaryFailureInfo,
): CapillaryNotFoundError | CapillaryConflictError | CapillaryRejectedError {
  if (capillary.codes.some((code) => NOT_FOUND_CODES.has(code))) {
    return new CapillaryNotFoundError(`Capillary ${operation}: customer not found`, capillary);
  }
  if (capillary.codes.some((code) => CONFLICT_CODES.has(code))) {
    return new CapillaryConflictError(`Capillary ${operation}: identifier or profile already exists`, capillary);
  }
  if (capillary.httpStatus === 401 || capillary.httpStatus === 403) {
    return new CapillaryRejectedError(`Capillary ${operation}: gateway credentials refused`, capillary);
  }
  return new CapillaryRejectedError(`Capillary ${operation} failed`, capillary);
}
