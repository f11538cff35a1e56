// Promises the HTTP surface makes whatever the use-case does: an internal failure answers a bare 500 that
// carries neither the message, the stack nor the error's name; and a CORS-enabled answer says `Vary: Origin`
// (its headers depend on the caller's Origin, so a shared cache must key on it), error answers included.
import { describe, expect, it, vi } from 'vitest';
import { createHandler as createAdminHandler } from '../../functions/admin/handler.js';
import type { BrandAdmin } from '../../shared/config/brand-admin.js';
import { ConfigError, ErrorCodes, NotFoundError } from '../../shared/errors.js';
import { createAuthenticatedApiHandler, createPublicApiHandler } from '../../shared/http/api-handler.js';
import { errorResponse, jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { authorizedEvent, lambdaContext, proxyEvent, sampleAuth } from '../support/events.js';

const logger = createLogger('test', 'SILENT');

const SECRET = 'arn:aws:dynamodb:eu-west-1:123456789012:table/brands password=hunter2';

/** Internal failures of every shape a bug or a dependency can throw. */
function internalFailures(): [string, unknown][] {
  const withCause = new Error(`wrapper ${SECRET}`, { cause: new Error(`cause ${SECRET}`) });
  const typeError = new TypeError(`Cannot read properties of undefined (reading '${SECRET}')`);
  const sdkLike = Object.assign(new Error(SECRET), {
    name: 'ResourceNotFoundException',
    $metadata: { requestId: SECRET },
  });
  return [
    ['Error', new Error(SECRET)],
    ['Error with cause', withCause],
    ['TypeError', typeError],
    ['SDK-shaped error', sdkLike],
    ['ConfigError', new ConfigError(`Environment variable ${SECRET} is required`)],
    ['error-like object', { message: SECRET, stack: `Error: ${SECRET}\n    at secret (/var/task/index.js:1:1)` }],
    ['string', SECRET],
    ['rejected promise value', Promise.reject(new Error(SECRET)).catch((e: unknown) => e)],
  ];
}

function expectBare500(result: { statusCode: number; body: string }, requestId: string): void {
  expect(result.statusCode).toBe(500);
  expect(JSON.parse(result.body)).toEqual({
    error: { code: ErrorCodes.INTERNAL_ERROR, message: 'Internal error', requestId },
  });
  for (const leak of ['hunter2', 'arn:aws', 'ResourceNotFoundException', 'TypeError', 'ConfigError', '    at ']) {
    expect(result.body).not.toContain(leak);
  }
}

describe('a 500 never carries the internal message or stack', () => {
  it.each(internalFailures())('errorResponse: %s', async (_name, thrown) => {
    expectBare500(errorResponse(await thrown, 'req-1'), 'req-1');
  });

  it.each(internalFailures())('public API handler: %s', async (_name, thrown) => {
    const handler = createPublicApiHandler({ logger }, async () => {
      throw await thrown;
    });
    expectBare500(await handler(proxyEvent(), lambdaContext), 'test-request');
  });

  it.each(internalFailures())('authenticated API handler, guard failing: %s', async (_name, thrown) => {
    const handler = createAuthenticatedApiHandler(
      {
        logger,
        guards: [
          async () => {
            throw await thrown;
          },
        ],
      },
      async () => jsonResponse(200, {}),
    );
    expectBare500(await handler(authorizedEvent(sampleAuth()), lambdaContext), 'test-request');
  });

  it('the admin function: a failing store answers the same bare 500', async () => {
    const admin = {
      get: async () => {
        throw new Error(SECRET);
      },
    } as unknown as BrandAdmin;
    const handler = createAdminHandler({
      logger,
      admin: () => admin,
      golive: () => {
        throw new Error('the go-live tools are not called here');
      },
      adminKey: 'k',
    });
    const result = await handler(
      proxyEvent({ httpMethod: 'GET', path: '/v1/admin/brands/demo', headers: { 'x-admin-key': 'k' } }),
      lambdaContext,
    );
    expectBare500(result, 'test-request');
  });

  it('a deliberate GatewayError keeps its own message (the contrast)', () => {
    const result = errorResponse(new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, 'Unknown brand'), 'r');
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body).error.message).toBe('Unknown brand');
  });
});

describe('CORS answers say Vary: Origin', () => {
  const corsAllowedOrigins = ['https://app.example.com', 'https://admin.example.com'];
  const origin = { Origin: 'https://app.example.com' };

  it('on success, refusal and internal error for an allowed Origin', async () => {
    let outcome: 'ok' | 'refuse' | 'crash' = 'ok';
    const handler = createPublicApiHandler({ logger, corsAllowedOrigins }, async () => {
      if (outcome === 'refuse') throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, 'Unknown brand');
      if (outcome === 'crash') throw new Error(SECRET);
      return jsonResponse(200, {});
    });
    for (const [next, status] of [
      ['ok', 200],
      ['refuse', 404],
      ['crash', 500],
    ] as const) {
      outcome = next;
      const result = await handler(proxyEvent({ headers: origin }), lambdaContext);
      expect(result.statusCode).toBe(status);
      expect(result.headers).toMatchObject({
        'access-control-allow-origin': 'https://app.example.com',
        vary: 'Origin',
      });
    }
  });

  it('also when the Origin is not allowed or absent: the answer still depends on it', async () => {
    const handler = createPublicApiHandler({ logger, corsAllowedOrigins }, async () => jsonResponse(200, {}));
    for (const headers of [{ Origin: 'https://evil.example' }, {}]) {
      const result = await handler(proxyEvent({ headers }), lambdaContext);
      expect(result.headers?.['access-control-allow-origin']).toBeUndefined();
      expect(result.headers?.vary).toBe('Origin');
    }
  });

  it('and not when CORS is off for the function (its answers never depend on Origin)', async () => {
    const handler = createPublicApiHandler({ logger }, async () => jsonResponse(200, {}));
    const result = await handler(proxyEvent({ headers: origin }), lambdaContext);
    expect(result.headers?.vary).toBeUndefined();
    expect(result.headers?.['access-control-allow-origin']).toBeUndefined();
  });
});

describe('log keys belong to one invocation', () => {
  function captureLogLines(): { lines: () => Record<string, unknown>[]; restore: () => void } {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    return {
      lines: () =>
        written
          .join('')
          .split('\n')
          .filter((line) => line.startsWith('{'))
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      restore: () => spy.mockRestore(),
    };
  }

  it("a warm handler never logs the previous caller's brand and token hash, and logs the Lambda context", async () => {
    const infoLogger = createLogger('keys-test', 'INFO');
    const handler = createAuthenticatedApiHandler({ logger: infoLogger }, async () => {
      throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, 'Unknown brand');
    });
    const capture = captureLogLines();
    try {
      await handler(authorizedEvent(sampleAuth({ brandId: 'first-brand', tokenHash: 'first-hash' })), lambdaContext);
      await handler(proxyEvent(), { ...lambdaContext, awsRequestId: 'second-request' });
    } finally {
      capture.restore();
    }
    const [first, second] = capture.lines().filter((line) => line.message === 'request refused');
    expect(first).toMatchObject({
      brandId: 'first-brand',
      tokenHash: 'first-hash',
      function_request_id: 'test-aws-request',
    });
    expect(second).toMatchObject({ errorCode: ErrorCodes.UNAUTHORIZED, function_request_id: 'second-request' });
    expect(second).not.toHaveProperty('brandId');
    expect(second).not.toHaveProperty('tokenHash');
  });
});
