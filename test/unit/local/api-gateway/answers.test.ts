// The emulator's own answers alone: gateway errors (503 with Retry-After, 413, the raw 431/400), CORS
// preflight and CORS on gateway answers, and how a Lambda proxy result is read (malformed -> undefined).
import { describe, expect, it } from 'vitest';
import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../../../shared/errors.js';
import { CORS_ALLOWED_HEADERS, preflight, withGatewayCors } from '../../../../local/api-gateway/cors.js';
import {
  authorizerUnavailable,
  bodyTooLarge,
  clientErrorResponse,
  gatewayError,
  isGatewayAnswer,
} from '../../../../local/api-gateway/gateway-error.js';
import { toAnswer } from '../../../../local/api-gateway/lambda.js';

const SPA = 'http://127.0.0.1:5173';

describe('gateway errors', () => {
  it('carry the JSON error body and mark themselves as gateway answers', () => {
    const answer = gatewayError(401, 'UNAUTHORIZED', 'Unauthorized', 'r1');
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body.toString())).toEqual({
      error: { code: 'UNAUTHORIZED', message: 'Unauthorized', requestId: 'r1' },
    });
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(isGatewayAnswer(answer)).toBe(true);
    expect(isGatewayAnswer({ status: 200, headers: {}, body: Buffer.alloc(0) })).toBe(false);
  });

  it('answer an undecided authorizer 503 AUTHORIZER_UNAVAILABLE with Retry-After, and a big body 413', () => {
    const unavailable = authorizerUnavailable('r2');
    expect(unavailable.status).toBe(503);
    expect(unavailable.headers['x-amzn-errortype']).toBe('AUTHORIZER_UNAVAILABLE');
    expect(unavailable.headers['retry-after']).toBe(String(AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS));
    const tooLarge = bodyTooLarge(100, 'r3');
    expect(tooLarge.status).toBe(413);
    expect(JSON.parse(tooLarge.body.toString()).error.code).toBe('BODY_TOO_LARGE');
  });

  it('write a refused request as raw HTTP: 431 for oversized headers, 400 otherwise, connection closed', () => {
    const big = clientErrorResponse('HPE_HEADER_OVERFLOW', 'r4');
    expect(big.startsWith('HTTP/1.1 431 Request Header Fields Too Large\r\n')).toBe(true);
    const [head = '', body = ''] = big.split('\r\n\r\n');
    expect(head).toContain('connection: close');
    expect(head).toContain(`content-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body).error).toEqual({
      code: 'HEADERS_TOO_LARGE',
      message: 'Request headers exceed 16 KB',
      requestId: 'r4',
    });
    expect(clientErrorResponse('HPE_INVALID_METHOD', 'r5').startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
    expect(clientErrorResponse(undefined, 'r6')).toContain('"code":"BAD_REQUEST"');
  });
});

describe('CORS', () => {
  const origins = new Set([SPA]);

  it('answers a preflight from a configured origin 204 with the deployed lists, others 403', () => {
    const ok = preflight(SPA, origins, 'r');
    expect(ok.status).toBe(204);
    expect(ok.headers).toMatchObject({
      'access-control-allow-origin': SPA,
      'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(','),
      vary: 'Origin',
    });
    expect(ok.body.length).toBe(0);
    expect(preflight('http://127.0.0.1:9999', origins, 'r').status).toBe(403);
    expect(preflight(undefined, origins, 'r').status).toBe(403);
  });

  it('adds CORS to gateway answers for a configured origin only, never to Lambda answers', () => {
    const gateway = withGatewayCors(gatewayError(403, 'FORBIDDEN', 'no', 'r'), SPA, origins);
    expect(gateway.headers).toMatchObject({
      'access-control-allow-origin': SPA,
      // The app may read why it was refused: the retry hint, the RFC 6750 challenge, the local reason.
      'access-control-expose-headers': 'retry-after, www-authenticate, x-local-authorizer-reason',
      vary: 'Origin',
    });
    const other = withGatewayCors(gatewayError(403, 'FORBIDDEN', 'no', 'r'), 'http://127.0.0.1:1', origins);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const lambda = withGatewayCors({ status: 200, headers: {}, body: Buffer.alloc(0) }, SPA, origins);
    expect(lambda.headers).toEqual({});
  });
});

describe('toAnswer', () => {
  it('reads status, lower-cased headers (multi-value ones as lists) and a text or base64 body', () => {
    expect(
      toAnswer({ statusCode: 201, headers: { 'X-A': 1 }, multiValueHeaders: { 'Set-Cookie': ['a', 'b'] }, body: 'ok' }),
    ).toEqual({
      status: 201,
      headers: { 'x-a': '1', 'set-cookie': ['a', 'b'] },
      body: Buffer.from('ok'),
    });
    expect(toAnswer({ statusCode: 200, body: 'aGk=', isBase64Encoded: true })?.body.toString()).toBe('hi');
    expect(toAnswer({ statusCode: 204 })?.body.length).toBe(0);
  });

  it('refuses what API Gateway calls malformed', () => {
    for (const bad of [
      null,
      'text',
      [],
      { statusCode: '200' },
      { statusCode: 99 },
      { statusCode: 600 },
      { statusCode: 200.5 },
      { statusCode: 200, headers: [] },
      { statusCode: 200, headers: { a: {} } },
      { statusCode: 200, multiValueHeaders: { a: 'x' } },
      { statusCode: 200, body: {} },
      { statusCode: 200, isBase64Encoded: 'yes' },
    ]) {
      expect(toAnswer(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
