// The emulator's own answers (401, 403, 404, 405, 413, 431, 500, 502, 503, 504): the JSON bodies of the
// gateway responses the CDK stack configures, marked by `x-amzn-errortype` (the CORS step looks for it).
import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS, BEARER_CHALLENGE } from '../../shared/errors.js';
import type { GatewayAnswer } from './types.js';

/** A gateway response: the JSON error body the CDK stack's gateway responses produce. */
export function gatewayError(status: number, code: string, message: string, requestId: string): GatewayAnswer {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-amzn-errortype': code,
      // The stack's UNAUTHORIZED gateway response sends the same challenge (RFC 6750).
      ...(status === 401 ? { 'www-authenticate': BEARER_CHALLENGE } : {}),
    },
    body: Buffer.from(JSON.stringify({ error: { code, message, requestId } })),
  };
}

/** True for an answer the emulator made itself (a gateway response), not one a Lambda returned. */
export function isGatewayAnswer(answer: GatewayAnswer): boolean {
  return answer.headers['x-amzn-errortype'] !== undefined;
}

/** AUTHORIZER_FAILURE as the stack answers it: 503 AUTHORIZER_UNAVAILABLE with Retry-After. */
export function authorizerUnavailable(requestId: string): GatewayAnswer {
  const unavailable = gatewayError(
    503,
    'AUTHORIZER_UNAVAILABLE',
    'The authorizer could not decide; retry shortly',
    requestId,
  );
  unavailable.headers['retry-after'] = String(AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS);
  return unavailable;
}

/** 413 for a request body over the cap. */
export function bodyTooLarge(maxBody: number, requestId: string): GatewayAnswer {
  return gatewayError(413, 'BODY_TOO_LARGE', `Request body exceeds ${maxBody} bytes (API Gateway: 10 MB)`, requestId);
}

/**
 * The raw HTTP/1.1 answer to a request Node's parser refused (headers over its 16 KB limit: 431; anything
 * else malformed: 400), written straight to the socket since there is no response object.
 */
export function clientErrorResponse(errorCode: string | undefined, requestId: string): string {
  const tooLarge = errorCode === 'HPE_HEADER_OVERFLOW';
  const answer = tooLarge
    ? gatewayError(431, 'HEADERS_TOO_LARGE', 'Request headers exceed 16 KB', requestId)
    : gatewayError(400, 'BAD_REQUEST', 'Malformed HTTP request', requestId);
  const head = Object.entries({
    ...answer.headers,
    'content-length': String(answer.body.length),
    connection: 'close',
  })
    .map(([name, value]) => `${name}: ${value}`)
    .join('\r\n');
  return `HTTP/1.1 ${answer.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head}\r\n\r\n${answer.body.toString('utf8')}`;
}
