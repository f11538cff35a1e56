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
  // 415 / 431
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  // Identity safety (issue 14). 401: the token's exp (+ skew) has passed, whatever a cached Allow says.
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  // 503 from the gateway: the authorizer could not decide (a peer failed); never cached, retry.
  AUTHORIZER_UNAVAILABLE: 'AUTHORIZER_UNAVAILABLE',
  // 409: another brand already accepts tokens of this issuer for an overlapping audience.
  BRAND_AUDIENCE_TAKEN: 'BRAND_AUDIENCE_TAKEN',
  // 409: the brand's issuer would change while customers are linked under the old one (send force=true).
  BRAND_HAS_LINKS: 'BRAND_HAS_LINKS',
  // Capillary answers the post-auth flows map to their own codes (docs/post-auth.md).
  /** changeIdentifier warning 8070: Capillary detected no valid change (409). */
  IDENTIFIER_CHANGE_REFUSED: 'IDENTIFIER_CHANGE_REFUSED',
  /** changeIdentifier warning 8074: the identifier sits on several sources and customers (409). */
  IDENTIFIER_IN_MULTIPLE_CUSTOMERS: 'IDENTIFIER_IN_MULTIPLE_CUSTOMERS',
  /** changeIdentifier warning 8075: the primary identifier does not match the others (409). */
  PRIMARY_IDENTIFIER_MISMATCH: 'PRIMARY_IDENTIFIER_MISMATCH',
  /** 8090: the org needs an INSTORE profile first; set `capillary.createWithInstoreProfile` (502). */
  INSTORE_PROFILE_REQUIRED: 'INSTORE_PROFILE_REQUIRED',
  /** The org refuses the cuid lookup (8013/8011) while the brand forces `capillary.cuidLookup: lookup` (502). */
  CUID_LOOKUP_REFUSED: 'CUID_LOOKUP_REFUSED',
  /** The brand's `capillary.sourceAccountId` is not an OAUTH_EXTERNAL account of the org (8011/8127) (502). */
  SOURCE_ACCOUNT_UNKNOWN: 'SOURCE_ACCOUNT_UNKNOWN',
  /** The linked customer was erased on a PII deletion request (410). */
  CUSTOMER_DELETED: 'CUSTOMER_DELETED',
  /** The gateway keeps under the brand's Capillary rate limit: retry after `Retry-After` (429). */
  CAPILLARY_RATE_LIMITED: 'CAPILLARY_RATE_LIMITED',
  /** A dual-eligibility org identifies members by its primary identifier, which the CIAM has not verified (409). */
  PRIMARY_IDENTIFIER_REQUIRED: 'PRIMARY_IDENTIFIER_REQUIRED',
  // The member API (docs/member-api.md).
  /** The brand switched this member route off, or has not set up what it needs (404). */
  ROUTE_DISABLED: 'ROUTE_DISABLED',
  /** No Neo API of that name in the brand's `memberApi.neo` allow-list (404). */
  NEO_API_NOT_FOUND: 'NEO_API_NOT_FOUND',
  /** The token lacks a scope the route requires (403, `WWW-Authenticate: Bearer error="insufficient_scope"`). */
  INSUFFICIENT_SCOPE: 'INSUFFICIENT_SCOPE',
  /** The sign-in behind the token is not strong or recent enough (401, RFC 9470 `insufficient_user_authentication`). */
  STEP_UP_REQUIRED: 'STEP_UP_REQUIRED',
  /** A write that spends value came without an `Idempotency-Key` header (400). */
  IDEMPOTENCY_KEY_REQUIRED: 'IDEMPOTENCY_KEY_REQUIRED',
  /** The `Idempotency-Key` was used before for a different request (422). */
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  /** The first request with this `Idempotency-Key` is still running (409). */
  IDEMPOTENCY_IN_PROGRESS: 'IDEMPOTENCY_IN_PROGRESS',
  /** The member's points do not cover the reward (409). */
  INSUFFICIENT_POINTS: 'INSUFFICIENT_POINTS',
  /** The reward cannot be issued to this member (not in their catalog, disabled, expired, out of stock) (409). */
  REWARD_NOT_AVAILABLE: 'REWARD_NOT_AVAILABLE',
  /** Capillary issues rewards by mobile, e-mail or external id, and the member's customer has none (409). */
  MEMBER_IDENTIFIER_REQUIRED: 'MEMBER_IDENTIFIER_REQUIRED',
  /** Too many writes by this member (or the brand's Capillary rate limit) before Capillary was called (429). */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The largest JSON request body a function accepts unless it sets its own (`maxBodyBytes`). */
export const DEFAULT_MAX_BODY_BYTES = 16_384;

/** Retry-After (seconds) of the gateway's 503 AUTHORIZER_UNAVAILABLE answer (stack and local emulator). */
export const AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

/**
 * The challenge every 401 carries, in every stage (RFC 6750 §3): the gateway's own 401 (API Gateway's UNAUTHORIZED
 * gateway response, the local emulator) and the handlers' (TOKEN_EXPIRED, TOKEN_REVOKED, UNAUTHORIZED).
 */
export const BEARER_CHALLENGE = 'Bearer error="invalid_token"';

/**
 * Every code with the HTTP status(es) it is answered with and when: the one table. docs/errors.md is
 * generated from it (scripts/error-table.ts), and test/contract/error-catalog.test.ts checks the code,
 * openapi/openapi.json and the docs against it.
 */
type CatalogShape = {
  readonly [C in ErrorCode]: { readonly status: readonly number[]; readonly when: string };
};
// Kept literal (`as const`) so CodeWithStatus below can read each code's statuses at compile time. Its entries are
// alike by design (the duplicate check lists them as boilerplate): one table of codes.
const catalog = {
  BAD_REQUEST: {
    status: [400],
    when: 'API Gateway refused the request before any function ran (its default 4xx answer)',
  },
  INVALID_JSON: { status: [400], when: 'the body is not JSON, or not a JSON object' },
  VALIDATION_FAILED: { status: [400], when: 'a field is missing, unknown or invalid; `details[].field` names it' },
  BODY_TOO_LARGE: {
    status: [413],
    when: 'the body is over the route limit: 16 KB (post-auth and logout), 32 KB (admin); 10 MB at the gateway',
  },
  UNAUTHORIZED: { status: [401], when: 'no bearer token, or the token is refused (signature, claims, brand, CIAM)' },
  TOKEN_REVOKED: {
    status: [401],
    when: 'the token, its session or its user was logged out (the same answer whether the cached authorizer decision or the revocation guard saw it)',
  },
  TOKEN_EXPIRED: {
    status: [401],
    when: "the token's `exp` (+ the brand's clock skew) has passed, whatever a cached authorizer Allow says",
  },
  FORBIDDEN: {
    status: [403],
    when: 'the gateway denied the call: unknown route in AWS, admin call without IAM (locally a wrong `x-admin-key`)',
  },
  BRAND_DISABLED: { status: [403], when: 'the brand is not active' },
  BRAND_MISMATCH: { status: [403], when: '`X-Brand-Id` names another brand than the token' },
  USER_TOKEN_REQUIRED: { status: [403], when: 'a client-credentials token on a route for end users' },
  UNVERIFIED_IDENTIFIER: {
    status: [403],
    when: 'the CIAM does not mark the e-mail or mobile that would be used as verified',
  },
  NOT_FOUND: { status: [404], when: 'Capillary has no such customer' },
  ROUTE_NOT_FOUND: { status: [404], when: 'local stack: no route has that path (AWS answers 403 `FORBIDDEN`)' },
  METHOD_NOT_ALLOWED: {
    status: [405],
    when: 'the path exists, the method does not (local stack; AWS answers 403 `FORBIDDEN`); a Neo API called with another method than its entry names',
  },
  BRAND_NOT_FOUND: { status: [404], when: 'no brand has that id' },
  CUSTOMER_NOT_LINKED: {
    status: [404],
    when: 'no Capillary customer is linked to the caller yet: call `POST /v1/auth/session`',
  },
  CONFLICT: { status: [409], when: 'Capillary refused the write as a duplicate or conflicting merge' },
  VERSION_CONFLICT: { status: [409], when: 'the brand exists (create) or is at another `version` (update, delete)' },
  BRAND_ISSUER_CLIENT_TAKEN: { status: [409], when: 'another brand has the same `issuer` and `clientId`' },
  BRAND_AUDIENCE_TAKEN: {
    status: [409],
    when: 'another brand accepts tokens of the same issuer for an overlapping audience (`details` names it)',
  },
  BRAND_HAS_LINKS: {
    status: [409],
    when: 'the issuer would change while customers are linked under the old one (send `force=true`)',
  },
  IDENTIFIER_TAKEN: { status: [409], when: 'the e-mail or mobile belongs to another customer' },
  IDENTIFIER_CHANGE_REFUSED: {
    status: [409],
    when: 'Capillary found no valid identifier change (changeIdentifier warning 8070)',
  },
  IDENTIFIER_IN_MULTIPLE_CUSTOMERS: {
    status: [409],
    when: 'the identifier sits on several sources and customers in Capillary (changeIdentifier warning 8074)',
  },
  PRIMARY_IDENTIFIER_MISMATCH: {
    status: [409],
    when: "the primary identifier does not match the customer's other identifiers (changeIdentifier warning 8075)",
  },
  IDENTIFIER_CHANGE_PENDING: {
    status: [409],
    when: 'the CIAM identifiers differ from Capillary: call `POST /v1/me/identifiers/sync` first',
  },
  BRAND_VALIDATION_FAILED: {
    status: [422],
    when: 'a save-time check failed: JWKS, discovery document or Capillary credentials',
  },
  TOO_MANY_REQUESTS: { status: [429], when: 'API Gateway throttled the call (stage or usage plan)' },
  INTERNAL_ERROR: {
    status: [500, 502, 504],
    when: 'a bug or a crashed function (500), a malformed function answer (502), no answer within 29 s (504)',
  },
  UPSTREAM_ERROR: { status: [502], when: 'Capillary answered wrongly or kept failing' },
  UPSTREAM_UNAVAILABLE: {
    status: [503],
    when: "Capillary or the gateway's own store (DynamoDB) is unavailable; retry after `Retry-After`",
  },
  CIAM_UNAVAILABLE: {
    status: [502, 503],
    when: "the brand's CIAM (userinfo, JWKS) answered wrongly (502) or not at all (503)",
  },
  AUTHORIZER_UNAVAILABLE: {
    status: [503],
    when: 'the authorizer could not decide because a peer failed (brand store, JWKS, revocation list); never cached, retry after `Retry-After`',
  },
  INSTORE_PROFILE_REQUIRED: {
    status: [502],
    when: 'the org needs an INSTORE profile before any other (Capillary 8090): set `capillary.createWithInstoreProfile`',
  },
  CUID_LOOKUP_REFUSED: {
    status: [502],
    when: 'the org refuses the cuid lookup (Capillary 8013/8011) while the brand sets `capillary.cuidLookup: lookup`',
  },
  SOURCE_ACCOUNT_UNKNOWN: {
    status: [502],
    when: "the org does not know the brand's `capillary.sourceAccountId` as an OAUTH_EXTERNAL account (Capillary 8011/8127)",
  },
  CUSTOMER_DELETED: {
    status: [410],
    when: "the caller's Capillary customer was erased on a PII deletion request (Capillary 8026 or its deleted answer)",
  },
  CAPILLARY_RATE_LIMITED: {
    status: [429],
    when: "the brand's Capillary rate limit (`capillary.rateLimits`) is spent for now; retry after `Retry-After`",
  },
  PRIMARY_IDENTIFIER_REQUIRED: {
    status: [409],
    when: "the org has dual eligibility and the CIAM has not verified the user's primary identifier (`capillary.primaryIdentifier`)",
  },
  CONFIG_UNAVAILABLE: {
    status: [503],
    when: 'brand configuration or secrets cannot be read (DynamoDB, SSM); retry after `Retry-After`',
  },
  LINK_IN_PROGRESS: {
    status: [409],
    when: 'a concurrent first session is still linking this user; retry after `Retry-After`',
  },
  UNSUPPORTED_MEDIA_TYPE: { status: [415], when: 'a JSON route got a body with another `Content-Type`' },
  HEADERS_TOO_LARGE: {
    status: [431],
    when: 'local stack: the request headers are over 16 KB (API Gateway has its own limit)',
  },
  ROUTE_DISABLED: {
    status: [404],
    when: 'the brand switched this member route off (`memberApi.routes.<route>.enabled: false`), or the route needs settings the brand has not set (`memberApi.rewards`)',
  },
  NEO_API_NOT_FOUND: { status: [404], when: "no Neo API of that name is in the brand's `memberApi.neo` allow-list" },
  INSUFFICIENT_SCOPE: {
    status: [403],
    when: 'the token lacks a scope the brand requires for the route; `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` (RFC 6750)',
  },
  STEP_UP_REQUIRED: {
    status: [401],
    when: 'the sign-in behind the token is not strong (`acr`) or recent (`auth_time`) enough for the route; `WWW-Authenticate: Bearer error="insufficient_user_authentication", acr_values=..., max_age=...` (RFC 9470): sign in again with them',
  },
  IDEMPOTENCY_KEY_REQUIRED: {
    status: [400],
    when: 'a write that spends points came without an `Idempotency-Key` header',
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: [422],
    when: 'the `Idempotency-Key` was used before by this member for a different request',
  },
  IDEMPOTENCY_IN_PROGRESS: {
    status: [409],
    when: 'the first request with this `Idempotency-Key` is still running; retry after `Retry-After` to get its answer',
  },
  INSUFFICIENT_POINTS: { status: [409], when: "the member's points do not cover the reward" },
  REWARD_NOT_AVAILABLE: {
    status: [409],
    when: "the reward is not in the member's catalog, or Capillary refused to issue it (disabled, expired, limit reached)",
  },
  MEMBER_IDENTIFIER_REQUIRED: {
    status: [409],
    when: "Capillary issues rewards by mobile, e-mail or external id and the member's customer has none: sync identifiers first",
  },
  RATE_LIMITED: {
    status: [429],
    when: "too many writes by this member (`memberApi.writeLimit`) or calls over the brand's Capillary rate limit; retry after `Retry-After`",
  },
} as const satisfies CatalogShape;
export const ErrorCatalog: CatalogShape = catalog;

/**
 * The codes the catalog answers with status `S`: each error class below accepts only these, so
 * a ConflictError carrying TOKEN_EXPIRED (a 401) does not compile. A non-literal `number` allows any code.
 */
export type CodeWithStatus<S extends number> = number extends S
  ? ErrorCode
  : { [C in ErrorCode]: S extends (typeof catalog)[C]['status'][number] ? C : never }[ErrorCode];

/** One problem with one input field, for validation errors (`field` is a dotted path). */
export interface FieldIssue {
  field: string;
  message: string;
}

export interface GatewayErrorOptions {
  details?: FieldIssue[];
  retryAfterSeconds?: number;
  /** The `WWW-Authenticate` challenge of a 401/403 (RFC 6750, RFC 9470). */
  wwwAuthenticate?: string;
  cause?: unknown;
}

/**
 * Base of every client-visible failure. `status` is the HTTP status it maps to; throw the subclass of
 * that status (below), which accepts only the codes the catalog gives that status.
 */
export class GatewayError<S extends number = number> extends Error {
  readonly code: ErrorCode;
  readonly status: S;
  readonly details: FieldIssue[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly wwwAuthenticate: string | undefined;

  constructor(status: S, code: CodeWithStatus<S>, message: string, options: GatewayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.wwwAuthenticate = options.wwwAuthenticate;
  }
}

/** The GatewayError of one HTTP status: its constructor takes only the codes the catalog gives that status. */
function errorOfStatus<S extends number>(status: S) {
  return class extends GatewayError {
    constructor(code: CodeWithStatus<S>, message: string, options?: GatewayErrorOptions) {
      super(status, code, message, options);
    }
  };
}

export class BadRequestError extends errorOfStatus(400) {}

export class ValidationError extends BadRequestError {
  constructor(message: string, details: FieldIssue[]) {
    super(ErrorCodes.VALIDATION_FAILED, message, { details });
  }
}

export class UnauthorizedError extends GatewayError {
  constructor(code: CodeWithStatus<401> = ErrorCodes.UNAUTHORIZED, message = 'Unauthorized') {
    super(401, code, message);
  }
}

export class ForbiddenError extends errorOfStatus(403) {}

export class NotFoundError extends errorOfStatus(404) {}

export class MethodNotAllowedError extends errorOfStatus(405) {}

export class ConflictError extends errorOfStatus(409) {}

/** The resource existed and is gone for good (a customer erased on a PII deletion request). */
export class GoneError extends errorOfStatus(410) {}

/** The gateway throttles the call itself (always with `Retry-After`). */
export class TooManyRequestsError extends GatewayError {
  constructor(code: CodeWithStatus<429>, message: string, retryAfterSeconds: number) {
    super(429, code, message, { retryAfterSeconds });
  }
}

export class PayloadTooLargeError extends errorOfStatus(413) {}

export class UnsupportedMediaTypeError extends errorOfStatus(415) {}

/** A save-time check failed (the request was well formed, what it names did not pass). */
export class UnprocessableEntityError extends errorOfStatus(422) {}

export class HeadersTooLargeError extends errorOfStatus(431) {}

/**
 * An upstream peer (Capillary, the CIAM, a store) answered wrongly or failed: 502, or 503 when retrying
 * later may help. Each status takes only its own codes; BadGatewayError and ServiceUnavailableError fix it.
 */
export class UpstreamError extends GatewayError {
  constructor(status: 502, code: CodeWithStatus<502>, message: string, options?: GatewayErrorOptions);
  constructor(status: 503, code: CodeWithStatus<503>, message: string, options?: GatewayErrorOptions);
  constructor(status: 504, code: CodeWithStatus<504>, message: string, options?: GatewayErrorOptions);
  constructor(status: 502 | 503 | 504, code: ErrorCode, message: string, options?: GatewayErrorOptions) {
    super(status, code, message, options);
  }
}

export class BadGatewayError extends UpstreamError {
  constructor(code: CodeWithStatus<502>, message: string, options?: GatewayErrorOptions) {
    super(502, code, message, options);
  }
}

export class ServiceUnavailableError extends UpstreamError {
  constructor(code: CodeWithStatus<503>, message: string, options?: GatewayErrorOptions) {
    super(503, code, message, options);
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
