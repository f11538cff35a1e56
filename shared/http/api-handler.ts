// The shape of every API function: a middy chain that parses the event, checks the caller, runs the
// use-case and maps any error to the JSON error body in one place. Handlers stay a few lines long.
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type AuthorizerContext, parseAuthorizerContext } from '../auth/authorizer-context.js';
import { ConfigError, ErrorCodes, ForbiddenError, GatewayError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import { parseJsonObjectBody } from './json.js';
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

function headerValue(event: APIGatewayProxyEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}

/** Adds CORS headers when the request's Origin is allowed; REST proxy integrations must add them themselves. */
function withCors(
  response: APIGatewayProxyResult,
  event: APIGatewayProxyEvent,
  allowed: readonly string[] | undefined,
): APIGatewayProxyResult {
  const origin = headerValue(event, 'origin');
  if (!origin || !allowed?.includes(origin)) return response;
  return {
    ...response,
    headers: {
      ...response.headers,
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'retry-after',
      vary: 'Origin',
    },
  };
}

function wrap(
  options: ApiHandlerOptions,
  run: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): middy.MiddyfiedHandler<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>().handler(async (event, context) => {
    const requestId = event.requestContext?.requestId ?? context.awsRequestId ?? '';
    try {
      const body = parseJsonObjectBody(event.body, event.isBase64Encoded === true, options.maxBodyBytes);
      const remainingTimeMs = () =>
        typeof context?.getRemainingTimeInMillis === 'function'
          ? context.getRemainingTimeInMillis()
          : Number.POSITIVE_INFINITY;
      return withCors(await run({ event, body, requestId, remainingTimeMs }), event, options.corsAllowedOrigins);
    } catch (error) {
      logFailure(options.logger, error);
      return withCors(errorResponse(error, requestId), event, options.corsAllowedOrigins);
    }
  });
}

/** A public endpoint (no authorizer). */
export function createPublicApiHandler(
  options: ApiHandlerOptions,
  useCase: (request: ApiRequest) => Promise<APIGatewayProxyResult>,
): LambdaHandler {
  return wrap(options, useCase);
}

/**
 * The optional `X-Brand-Id` header must name the token's brand. The authorizer checks it too, but its
 * cached result is keyed on the Authorization header only, so handlers check again on every call.
 */
export function assertBrandHeaderMatches(event: APIGatewayProxyEvent, auth: AuthorizerContext): void {
  const value = headerValue(event, 'x-brand-id');
  if (value !== undefined && value !== auth.brandId) {
    throw new ForbiddenError(ErrorCodes.BRAND_MISMATCH, 'X-Brand-Id does not match the token brand');
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
    assertBrandHeaderMatches(request.event, auth);
    for (const guard of options.guards ?? []) await guard(auth);
    return useCase({ ...request, auth });
  });
}
