// CORS as the deployed API does it: OPTIONS preflights answered per resource, and CORS headers on the
// gateway's own answers for a configured origin (Lambda answers carry what the handler added).
import { isGatewayAnswer, gatewayError } from './gateway-error.js';
import type { GatewayAnswer } from './types.js';

/** Request headers a preflight may ask for; the same list as infra/constructs/gateway-api.ts (a test pins them). */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Brand-Id', 'X-Request-Id', 'Idempotency-Key'];
/** CDK's Cors.ALL_METHODS, which the deployed preflight answers with. */
const CORS_ALLOWED_METHODS = 'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD';

/** The deployed OPTIONS method of a resource: 204 with CORS for a configured origin, 403 otherwise. */
export function preflight(
  origin: string | undefined,
  corsOrigins: ReadonlySet<string>,
  requestId: string,
): GatewayAnswer {
  if (typeof origin !== 'string' || !corsOrigins.has(origin)) {
    return gatewayError(403, 'FORBIDDEN', 'CORS preflight from an origin that is not allowed', requestId);
  }
  return {
    status: 204,
    headers: {
      'access-control-allow-origin': origin,
      'access-control-allow-methods': CORS_ALLOWED_METHODS,
      'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(','),
      'access-control-max-age': '3600',
      vary: 'Origin',
    },
    body: Buffer.alloc(0),
  };
}

/** Adds CORS to one of the emulator's own answers when the request came from a configured origin. */
export function withGatewayCors(
  answer: GatewayAnswer,
  origin: string | undefined,
  corsOrigins: ReadonlySet<string>,
): GatewayAnswer {
  // The emulator's own answers (gatewayError: x-amzn-errortype) stand for the deployed gateway
  // responses, which carry CORS for a configured origin; Lambda answers carry what the handler added.
  if (isGatewayAnswer(answer) && typeof origin === 'string' && corsOrigins.has(origin)) {
    answer.headers['access-control-allow-origin'] ??= origin;
    answer.headers['access-control-expose-headers'] ??= 'retry-after, www-authenticate, x-local-authorizer-reason';
    answer.headers.vary ??= 'Origin';
  }
  return answer;
}
