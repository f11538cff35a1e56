// The shape of every API function: a middy chain (Powertools logger middleware, then the one error formatter
// as an onError middleware) around a handler that parses the event, checks the caller and runs the use-case.
// Handlers stay a few lines long.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type AuthorizerContext, parseAuthorizerContext } from '../auth/authorizer-context.js';
import { ConfigError, ErrorCodes, ForbiddenError, GatewayError, UnauthorizedError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { firstHeader, singleHeader } from './headers.js';
import { assertJsonContentType, parseJsonObjectBody } from './json.js';
import { errorResponse } from './responses.js';

export interface ApiRequest {
  event: APIGatewayProxyEvent;
  /** The parsed JSON object body (`{}` when empty). */
  body: Record<string, unknown>;
  requestId: string;
  /** Lambda's remaining time for this invocation (Infinity outside Lambda); time budgets derive from it. */
  remainingTimeMs: () => number;
}

export interface AuthenticatedApiRequest extends ApiRequest {
  auth: AuthorizerContext;
}

/** Runs after the authorizer context is parsed, before the use-case (e.g. the revocation check). */
export type AuthGuard = (auth: AuthorizerContext) => Promise<void>;

export interface ApiHandlerOptions {
  logger: Logger;
  maxBodyBytes?: number;
  /** Browser origins whose requests get CORS headers on every answer, errors included (API Gateway answers preflights). */
  corsAllowedOrigins?: readonly string[];
  /** Epoch milliseconds (the token's `exp` is checked against it on every call). */
  now?: () => number;
}

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

function logFailure(logger: Logger, error: unknown): void {
  if (error instanceof GatewayError) {
    logger.info('request refused', { errorCode: error.code, status: error.status });
  } else if (error instanceof ConfigError) {
    logger.error('configuration error', { error });
  } else {
    logger.error('unhandled error', { error });
  }
}

/**
 * Adds CORS headers when the request's Origin is allowed (REST proxy integrations must add them themselves),
 * and `Vary: Origin` to every answer of a CORS-enabled function.
 */
function withCors(
  response: APIGatewayProxyResult,
  event: APIGatewayProxyEvent,
  allowed: readonly string[] | undefined,
): APIGatewayProxyResult {
  if (!allowed?.length) return response;
  const origin = firstHeader(event, 'origin');
  // The answer depends on Origin whether or not it is allowed: a shared cache must key on it either way.
  if (!origin || !allowed.includes(origin)) return { ...response, headers: { ...response.headers, vary: 'Origin' } };
  return {
    ...response,
    headers: {
      ...response.headers,
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'retry-after, www-authenticate',
      vary: 'Origin',
    },
  };
}

type ApiMiddleware = middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>;

function requestIdOf(event: APIGatewayProxyEvent, context: Context): string {
  return event.requestContext?.requestId ?? context.awsRequestId ?? '';
}

/**
 * The one error formatter: whatever the chain throws becomes the JSON error answer (with CORS). It returns
 * nothing, so the logger middleware's onError still runs after it and resets the invocation's keys.
 */
function errorFormatter(options: ApiHandlerOptions): ApiMiddleware {
  return {
    onError: (request) => {
      logFailure(options.logger, request.error);
      request.response = withCors(
        errorResponse(request.error, requestIdOf(request.event, request.context)),
        request.event,
        options.corsAllowedOrigins,
      );
    },
  };
}

function wrap(
  options: ApiHandlerOptions,
  run: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return (
    middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
      // Lambda context on every log line; keys appended during an invocation (brandId, tokenHash, ...) are
      // removed after it, so a warm container never logs one caller's keys on the next caller's lines.
      .use(injectLambdaContext(options.logger, { resetKeys: true }))
      .use(errorFormatter(options))
      .handler(async (event, context) => {
        assertJsonContentType(firstHeader(event, 'content-type'), event.body);
        const body = parseJsonObjectBody(event.body, event.isBase64Encoded === true, options.maxBodyBytes);
        const remainingTimeMs = () =>
          typeof context?.getRemainingTimeInMillis === 'function'
            ? context.getRemainingTimeInMillis()
            : Number.POSITIVE_INFINITY;
        const response = await run({ event, body, requestId: requestIdOf(event, context), remainingTimeMs });
        return withCors(response, event, options.corsAllowedOrigins);
      })
  );
}

/** A public endpoint (no authorizer). */
export function createPublicApiHandler(
  options: ApiHandlerOptions,
  useCase: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): LambdaHandler {
  return wrap(options, useCase);
}

/**
 * The optional `X-Brand-Id` header must name the token's brand (once). Only the handlers check it: the
 * authorizer's result is cached per Authorization value, so a Deny for a header would outlive the request.
 */
export function assertBrandHeaderMatches(event: APIGatewayProxyEvent, auth: AuthorizerContext): void {
  const value = singleHeader(event, 'x-brand-id');
  if (value !== undefined && value !== auth.brandId) {
    throw new ForbiddenError(ErrorCodes.BRAND_MISMATCH, 'X-Brand-Id does not match the token brand');
  }
}

/**
 * The token's `exp` (+ the brand's skew, as the verifier applies it) from the authorizer context: API
 * Gateway may answer from a cached Allow for the whole TTL, but an expired token never reaches a use-case.
 */
export function assertNotExpired(auth: AuthorizerContext, nowMs: number): void {
  if (Math.floor(nowMs / 1000) >= auth.exp + auth.clockSkew) {
    throw new UnauthorizedError(ErrorCodes.TOKEN_EXPIRED, 'Token has expired');
  }
}

/** An endpoint behind the CIAM authorizer: the context is parsed and every guard runs on every call. */
export function createAuthenticatedApiHandler(
  options: ApiHandlerOptions & { guards?: AuthGuard[] },
  useCase: (request: AuthenticatedApiRequest) => Promise<APIGatewayProxyResult>,
): LambdaHandler {
  return wrap(options, async (request) => {
    const auth = parseAuthorizerContext(request.event.requestContext?.authorizer);
    options.logger.appendKeys({ brandId: auth.brandId, principalType: auth.principalType, tokenHash: auth.tokenHash });
    // Marked by the authorizer (a cached decision included): the same 401 the revocation guard answers.
    if (auth.revoked) throw new UnauthorizedError(ErrorCodes.TOKEN_REVOKED, 'Token has been revoked');
    assertNotExpired(auth, (options.now ?? Date.now)());
    assertBrandHeaderMatches(request.event, auth);
    for (const guard of options.guards ?? []) await guard(auth);
    return useCase({ ...request, auth });
  });
}
