// The single place where errors become HTTP responses, plus the JSON response helpers every handler uses.
import type { APIGatewayProxyResult } from 'aws-lambda';
import { BEARER_CHALLENGE, ErrorCodes, GatewayError } from '../errors.js';

const BASE_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

/** The JSON error body every endpoint returns: `{ error: { code, message, details?, requestId? } }`. */
interface ErrorBody {
  error: { code: string; message: string; details?: { field: string; message: string }[]; requestId?: string };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyResult {
  return { statusCode, headers: { ...BASE_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function noContent(headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store', ...headers }, body: '' };
}

/**
 * Maps any thrown value to a response. GatewayErrors keep their status and code; anything else is an
 * internal error whose message and stack never leave the process.
 */
export function errorResponse(error: unknown, requestId?: string): APIGatewayProxyResult {
  if (error instanceof GatewayError) {
    const body: ErrorBody = { error: { code: error.code, message: error.message } };
    if (error.details?.length) body.error.details = error.details;
    if (requestId) body.error.requestId = requestId;
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    if (error.wwwAuthenticate !== undefined) headers['www-authenticate'] = error.wwwAuthenticate;
    else if (error.status === 401) headers['www-authenticate'] = BEARER_CHALLENGE;
    return jsonResponse(error.status, body, headers);
  }
  const body: ErrorBody = { error: { code: ErrorCodes.INTERNAL_ERROR, message: 'Internal error' } };
  if (requestId) body.error.requestId = requestId;
  return jsonResponse(500, body);
}

/** An OAuth-style error (RFC 6749 §5.2 shape) for protocol endpoints such as back-channel logout; never cached. */
export function oauthErrorResponse(statusCode: number, error: string, description: string): APIGatewayProxyResult {
  return jsonResponse(statusCode, { error, error_description: description });
}
