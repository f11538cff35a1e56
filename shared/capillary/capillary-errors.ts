// Typed failures of Capillary calls, mapped onto the gateway's error model by the body's codes (never by the
// HTTP status alone, since Capillary sends business errors with HTTP 500 too) as the call's code family reads
// them (capillary-codes.ts): not found, merged away, deleted (PII), lookups the org refuses, an unknown source
// account, duplicates, INSTORE profile required, refused identifier changes (warnings 8070-8075), retryable
// (521, 5xx, 429, timeouts) and anything else (502). Each carries Capillary's codes and request id for the logs.
import {
  type CodeWithStatus,
  ConflictError,
  ErrorCodes,
  type GatewayError,
  GoneError,
  NotFoundError,
  TooManyRequestsError,
  UpstreamError,
} from '../errors.js';
import type { CodeMeaning } from './capillary-codes.js';
import type { CapillaryCustomer } from './capillary-types.js';

export interface CapillaryFailureInfo {
  codes: number[];
  httpStatus: number | undefined;
  requestId: string | undefined;
  /**
   * An earlier attempt of this call ended without an answer (timeout, network, 5xx without a code): Capillary
   * may have applied it, so a refusal now may only say that the work is already done.
   */
  afterLostAnswer?: boolean;
}

/** The gateway error class `Base` with its one `code`, carrying Capillary's failure info. */
function carryingCapillary<C>(Base: new (code: C, message: string) => GatewayError, code: C) {
  return class extends Base {
    readonly capillary: CapillaryFailureInfo;
    constructor(message: string, capillary: CapillaryFailureInfo) {
      super(code, message);
      this.capillary = capillary;
    }
  };
}

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

/** Capillary has no customer for the given identifiers or id (8015, 8009, 8065, 816). */
export class CapillaryNotFoundError extends carryingCapillary(NotFoundError, ErrorCodes.NOT_FOUND) {}

/**
 * The customer asked for was merged into another one: 8069 as an error (no survivor named), or a read that
 * answered another customer (8069 as a warning, or simply another `id`): `survivor` is that customer.
 */
export class CapillaryMergedError extends CapillaryNotFoundError {
  readonly mergedId: number | undefined;
  readonly survivor: CapillaryCustomer | undefined;
  constructor(
    message: string,
    capillary: CapillaryFailureInfo,
    merge: { mergedId?: number; survivor?: CapillaryCustomer } = {},
  ) {
    super(message, capillary);
    this.mergedId = merge.mergedId;
    this.survivor = merge.survivor;
  }
}

/** The customer was erased on a PII deletion request (its reads say so; a new add answers 8026): 410. */
export class CapillaryDeletedError extends carryingCapillary(GoneError, ErrorCodes.CUSTOMER_DELETED) {}

/** Capillary refused a write because an identifier or profile already exists (8006/8007/8008, merge conflicts). */
export class CapillaryConflictError extends carryingCapillary(ConflictError, ErrorCodes.CONFLICT) {}

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

/** The org refuses the lookup (8013/8003), e.g. `identifierName=cuid`, which the published enum leaves out. */
export class CapillaryLookupRefusedError extends CapillaryRejectedError {}

/** The org does not know the source account (8011/8127/8045/8091): the brand's `sourceAccountId` is wrong. */
export class CapillaryAccountUnknownError extends CapillaryRejectedError {
  constructor(message: string, capillary: CapillaryFailureInfo) {
    super(message, capillary, ErrorCodes.SOURCE_ACCOUNT_UNKNOWN);
  }
}

/** Capillary kept failing in a retryable way (5xx, 429, 521, timeouts) until the retries ran out: 502/503 + Retry-After. */
export class CapillaryUnavailableError extends UpstreamError {
  readonly capillary: CapillaryFailureInfo;
  constructor(status: 502 | 503, message: string, retryAfterSeconds: number, capillary: CapillaryFailureInfo) {
    if (status === 503) super(503, ErrorCodes.UPSTREAM_UNAVAILABLE, message, { retryAfterSeconds });
    else super(502, ErrorCodes.UPSTREAM_ERROR, message, { retryAfterSeconds });
    this.capillary = capillary;
  }
}

/** The gateway's own throttle: the brand's Capillary rate limit is spent, so the call was not sent (429). */
export class CapillaryRateLimitedError extends TooManyRequestsError {
  readonly api: string;
  constructor(api: string, retryAfterSeconds: number) {
    super(
      ErrorCodes.CAPILLARY_RATE_LIMITED,
      `The brand's Capillary rate limit for ${api} is spent for now; retry later`,
      retryAfterSeconds,
    );
    this.api = api;
  }
}

export type CapillaryCallError =
  | CapillaryNotFoundError
  | CapillaryDeletedError
  | CapillaryConflictError
  | CapillaryRejectedError;

/** The typed error of a final (non-retryable) refusal whose meaning the family gave. */
export function errorForMeaning(
  meaning: CodeMeaning | undefined,
  operation: string,
  capillary: CapillaryFailureInfo,
): CapillaryCallError {
  switch (meaning) {
    case 'merged':
      return new CapillaryMergedError(`Capillary ${operation}: the customer was merged into another one`, capillary);
    case 'deleted':
      return new CapillaryDeletedError(
        `Capillary ${operation}: the customer was erased on a PII deletion request`,
        capillary,
      );
    case 'not-found':
      return new CapillaryNotFoundError(`Capillary ${operation}: customer not found`, capillary);
    case 'lookup-refused':
      return new CapillaryLookupRefusedError(`Capillary ${operation}: the org refuses this lookup`, capillary);
    case 'account-unknown':
      return new CapillaryAccountUnknownError(
        `Capillary ${operation}: the org does not know the source account (check capillary.sourceAccountId)`,
        capillary,
      );
    case 'instore-required':
      return new CapillaryRejectedError(
        `Capillary ${operation}: the org needs an INSTORE profile first (set capillary.createWithInstoreProfile)`,
        capillary,
        ErrorCodes.INSTORE_PROFILE_REQUIRED,
      );
    case 'conflict':
      return new CapillaryConflictError(`Capillary ${operation}: identifier or profile already exists`, capillary);
    default:
      if (capillary.httpStatus === 401 || capillary.httpStatus === 403 || meaning === 'auth-refused') {
        return new CapillaryRejectedError(`Capillary ${operation}: gateway credentials refused`, capillary);
      }
      return new CapillaryRejectedError(`Capillary ${operation} failed`, capillary);
  }
}
