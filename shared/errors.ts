// The gateway's one error model. Every failure a client can cause or see is a GatewayError with a
// stable `code`; shared/http/responses.ts is the single place that turns one into an HTTP response.

/** Stable error codes, part of the public contract (OpenAPI documents them). */
export const ErrorCodes = {
  // 400
  BAD_REQUEST: 'BAD_REQUEST',
  INVALID_JSON: 'INVALID_JSON',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  // 401 / 403
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOKEN_REVOKED: 'TOKEN_REVOKED',
  FORBIDDEN: 'FORBIDDEN',
  BRAND_DISABLED: 'BRAND_DISABLED',
  BRAND_MISMATCH: 'BRAND_MISMATCH',
  USER_TOKEN_REQUIRED: 'USER_TOKEN_REQUIRED',
  UNVERIFIED_IDENTIFIER: 'UNVERIFIED_IDENTIFIER',
  // 404 / 405
  NOT_FOUND: 'NOT_FOUND',
  ROUTE_NOT_FOUND: 'ROUTE_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  BRAND_NOT_FOUND: 'BRAND_NOT_FOUND',
  CUSTOMER_NOT_LINKED: 'CUSTOMER_NOT_LINKED',
  // 409 / 412 / 422
  CONFLICT: 'CONFLICT',
  VERSION_CONFLICT: 'VERSION_CONFLICT',
  BRAND_ISSUER_CLIENT_TAKEN: 'BRAND_ISSUER_CLIENT_TAKEN',
  IDENTIFIER_TAKEN: 'IDENTIFIER_TAKEN',
  IDENTIFIER_CHANGE_PENDING: 'IDENTIFIER_CHANGE_PENDING',
  BRAND_VALIDATION_FAILED: 'BRAND_VALIDATION_FAILED',
  // 429 / 5xx
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  UPSTREAM_ERROR: 'UPSTREAM_ERROR',
  UPSTREAM_UNAVAILABLE: 'UPSTREAM_UNAVAILABLE',
  CIAM_UNAVAILABLE: 'CIAM_UNAVAILABLE',
  CONFIG_UNAVAILABLE: 'CONFIG_UNAVAILABLE',
  // Post-auth: a concurrent first session is still linking this user; retry shortly (409).
  LINK_IN_PROGRESS: 'LINK_IN_PROGRESS',
  // The authorizer could not decide (a store or the JWKS unreachable): API Gateway's AUTHORIZER_FAILURE, 503.
  AUTHORIZER_UNAVAILABLE: 'AUTHORIZER_UNAVAILABLE',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** One problem with one input field, for validation errors (`field` is a dotted path). */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface GatewayErrorOptions {
  details?: FieldIssue[];
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** Base of every client-visible failure. `status` is the HTTP status it maps to. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: FieldIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(status: number, code: ErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export class BadRequestError extends GatewayError {
  constructor(code: ErrorCode, message: string, options?: GatewayErrorOptions) {
    super(400, code, message, options);
  }
}

export class ValidationError extends BadRequestError {
  constructor(message: string, details: FieldIssue[]) {
    super(ErrorCodes.VALIDATION_FAILED, message, { details });
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(code: ErrorCode = ErrorCodes.UNAUTHORIZED, message = 'Unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends GatewayError {
  constructor(code: ErrorCode, message: string) {
    super(403, code, message);
  }
}

export class NotFoundError extends GatewayError {
  constructor(code: ErrorCode, message: string) {
    super(404, code, message);
  }
}

export class ConflictError extends GatewayError {
  constructor(code: ErrorCode, message: string, options?: GatewayErrorOptions) {
    super(409, code, message, options);
  }
}

/** An upstream peer (Capillary, the CIAM) answered wrongly or failed: 502, or 503 when retrying later may help. */
export class UpstreamError extends GatewayError {
  constructor(status: 502 | 503 | 504, code: ErrorCode, message: string, options?: GatewayErrorOptions) {
    super(status, code, message, options);
  }
}

/**
 * A deployment or programming mistake (bad environment, malformed configuration at cold start).
 * Kept apart from GatewayError so alarms can tell a deploy bug from an attack; maps to 500.
 */
export class ConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
