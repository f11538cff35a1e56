import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { ConflictError, ErrorCodes, UnauthorizedError } from '../../../shared/errors.js';
import { createAuthenticatedApiHandler, createPublicApiHandler } from '../../../shared/http/api-handler.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import { createLogger } from '../../../shared/observability/logger.js';
import { authorizedEvent, lambdaContext, proxyEvent, sampleAuth } from '../../support/events.js';

const logger = createLogger('test', 'SILENT');

describe('createAuthenticatedApiHandler', () => {
  it('hands the parsed authorizer context and body to the use-case', async () => {
    const handler = createAuthenticatedApiHandler({ logger }, async ({ auth, body }) =>
      jsonResponse(200, { sub: auth.sub, body }),
    );
    const result = await handler(authorizedEvent(sampleAuth(), { body: '{"a":1}' }), lambdaContext);
    expect(JSON.parse(result.body)).toEqual({ sub: 'user-1', body: { a: 1 } });
  });

  it('answers 401 when the authorizer context is missing', async () => {
    const handler = createAuthenticatedApiHandler({ logger }, async () => jsonResponse(200, {}));
    const result = await handler(proxyEvent(), lambdaContext);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error.code).toBe(ErrorCodes.UNAUTHORIZED);
  });

  it('answers 403 BRAND_MISMATCH when X-Brand-Id names another brand', async () => {
    const handler = createAuthenticatedApiHandler({ logger }, async () => jsonResponse(200, {}));
    const result = await handler(authorizedEvent(sampleAuth(), { headers: { 'X-Brand-Id': 'other' } }), lambdaContext);
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body).error.code).toBe(ErrorCodes.BRAND_MISMATCH);
  });

  it('refuses several X-Brand-Id values (403 BRAND_MISMATCH) and accepts the token brand in any header case', async () => {
    const handler = createAuthenticatedApiHandler({ logger }, async () => jsonResponse(200, {}));
    const repeated = authorizedEvent(sampleAuth(), { multiValueHeaders: { 'x-brand-id': ['demo', 'other'] } });
    expect(JSON.parse((await handler(repeated, lambdaContext)).body).error.code).toBe(ErrorCodes.BRAND_MISMATCH);
    const same = authorizedEvent(sampleAuth(), { headers: { 'X-BRAND-ID': 'demo' } });
    expect((await handler(same, lambdaContext)).statusCode).toBe(200);
  });

  it('answers a token the authorizer marked revoked with 401 TOKEN_REVOKED, without running the use-case', async () => {
    let ran = 0;
    const handler = createAuthenticatedApiHandler({ logger }, async () => {
      ran++;
      return jsonResponse(200, {});
    });
    const revoked = await handler(authorizedEvent(sampleAuth({ revoked: 'SESSION_REVOKED' })), lambdaContext);
    expect(revoked.statusCode).toBe(401);
    expect(JSON.parse(revoked.body).error.code).toBe(ErrorCodes.TOKEN_REVOKED);
    expect(ran).toBe(0);
    expect((await handler(authorizedEvent(sampleAuth()), lambdaContext)).statusCode).toBe(200);
  });

  it('re-checks exp (+ the brand skew) from the context: a cached Allow never carries an expired token', async () => {
    const clock = { now: 0 };
    const handler = createAuthenticatedApiHandler({ logger, now: () => clock.now }, async () => jsonResponse(200, {}));
    const auth = sampleAuth({ exp: 1_000, clockSkew: 60 });
    clock.now = 1_059_999;
    expect((await handler(authorizedEvent(auth), lambdaContext)).statusCode).toBe(200);
    clock.now = 1_060_000;
    const expired = await handler(authorizedEvent(auth), lambdaContext);
    expect(expired.statusCode).toBe(401);
    expect(JSON.parse(expired.body).error.code).toBe(ErrorCodes.TOKEN_EXPIRED);
  });

  it('challenges every 401 with WWW-Authenticate: Bearer error="invalid_token" (RFC 6750), and nothing else', async () => {
    const handler = createAuthenticatedApiHandler({ logger, now: () => 2_000_000 }, async () => jsonResponse(200, {}));
    const answers = [
      await handler(proxyEvent(), lambdaContext),
      await handler(authorizedEvent(sampleAuth({ revoked: 'TOKEN_REVOKED' })), lambdaContext),
      await handler(authorizedEvent(sampleAuth({ exp: 1_000, clockSkew: 0 })), lambdaContext),
      await handler(authorizedEvent(sampleAuth(), { headers: { 'X-Brand-Id': 'other' } }), lambdaContext),
    ];
    expect(answers.map((answer) => [answer.statusCode, answer.headers?.['www-authenticate']])).toEqual([
      [401, 'Bearer error="invalid_token"'],
      [401, 'Bearer error="invalid_token"'],
      [401, 'Bearer error="invalid_token"'],
      [403, undefined],
    ]);
  });

  it('resets the log keys of the previous caller before each invocation', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const loud = createLogger('keys-test');
      loud.setLogLevel('INFO');
      const handler = createAuthenticatedApiHandler({ logger: loud }, async () => jsonResponse(200, {}));
      await handler(authorizedEvent(sampleAuth({ brandId: 'brand-x', tokenHash: 'hash-of-x' })), lambdaContext);
      await handler(proxyEvent(), lambdaContext); // no context: refused with 401 and logged
      const refused = lines.map((line) => JSON.parse(line)).find((line) => line.message === 'request refused');
      expect(refused).toMatchObject({ errorCode: 'UNAUTHORIZED' });
      expect(refused).not.toHaveProperty('brandId');
      expect(refused).not.toHaveProperty('tokenHash');
    } finally {
      spy.mockRestore();
    }
  });

  it('runs every guard before the use-case and stops at the first refusal', async () => {
    let ran = false;
    const handler = createAuthenticatedApiHandler(
      {
        logger,
        guards: [
          async () => {
            throw new UnauthorizedError(ErrorCodes.TOKEN_REVOKED, 'Token revoked');
          },
        ],
      },
      async () => {
        ran = true;
        return jsonResponse(200, {});
      },
    );
    const result = await handler(authorizedEvent(sampleAuth()), lambdaContext);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error.code).toBe(ErrorCodes.TOKEN_REVOKED);
    expect(ran).toBe(false);
  });
});

describe('CORS headers', () => {
  const allowed = ['https://app.example.com'];

  it('are added for an allowed Origin, on success and on errors alike', async () => {
    const ok = createAuthenticatedApiHandler({ logger, corsAllowedOrigins: allowed }, async () =>
      jsonResponse(200, {}),
    );
    const success = await ok(
      authorizedEvent(sampleAuth(), { headers: { Origin: 'https://app.example.com' } }),
      lambdaContext,
    );
    expect(success.headers?.['access-control-allow-origin']).toBe('https://app.example.com');
    const refused = await ok(proxyEvent({ headers: { origin: 'https://app.example.com' } }), lambdaContext);
    expect(refused.statusCode).toBe(401);
    expect(refused.headers?.['access-control-allow-origin']).toBe('https://app.example.com');
  });

  it('are left out for an Origin that is not allowed', async () => {
    const ok = createAuthenticatedApiHandler({ logger, corsAllowedOrigins: allowed }, async () =>
      jsonResponse(200, {}),
    );
    const result = await ok(
      authorizedEvent(sampleAuth(), { headers: { Origin: 'https://evil.example' } }),
      lambdaContext,
    );
    expect(result.headers?.['access-control-allow-origin']).toBeUndefined();
  });
});

describe('createPublicApiHandler', () => {
  it('keeps a GatewayError status, code and retry hint', async () => {
    const handler = createPublicApiHandler({ logger }, async () => {
      throw new ConflictError(ErrorCodes.VERSION_CONFLICT, 'stale', { retryAfterSeconds: 2 });
    });
    const result = await handler(proxyEvent(), lambdaContext);
    expect(result.statusCode).toBe(409);
    expect(result.headers?.['retry-after']).toBe('2');
    expect(JSON.parse(result.body).error).toMatchObject({ code: 'VERSION_CONFLICT', message: 'stale' });
  });

  it('turns any thrown value into a 4xx/5xx JSON response without a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (thrown) => {
        const handler = createPublicApiHandler({ logger }, async () => {
          throw thrown;
        });
        const result = await handler(proxyEvent(), lambdaContext);
        expect(result.statusCode).toBeGreaterThanOrEqual(400);
        expect(result.statusCode).toBeLessThan(600);
        expect(result.body).not.toMatch(/\n\s+at /);
        expect(JSON.parse(result.body).error.code).toMatch(/^[A-Z_]+$/);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses bodies that are not JSON objects with 400 and too large ones with 413', async () => {
    const handler = createPublicApiHandler({ logger, maxBodyBytes: 32 }, async () => jsonResponse(200, {}));
    for (const [body, status, code] of [
      ['[1,2]', 400, 'INVALID_JSON'],
      ['{"a":', 400, 'INVALID_JSON'],
      ['"text"', 400, 'INVALID_JSON'],
      [JSON.stringify({ a: 'x'.repeat(64) }), 413, 'BODY_TOO_LARGE'],
      ['{"constructor":{"prototype":{}}}', 400, 'INVALID_JSON'],
    ] as const) {
      const result = await handler(proxyEvent({ body }), lambdaContext);
      expect(result.statusCode).toBe(status);
      expect(JSON.parse(result.body).error.code).toBe(code);
    }
  });

  it('refuses a body declared as another media type with 415, and takes JSON types or no type', async () => {
    const handler = createPublicApiHandler({ logger }, async ({ body }) => jsonResponse(200, body));
    const answer = async (headers: Record<string, string>, body = '{"a":1}') =>
      handler(proxyEvent({ body, headers }), lambdaContext);

    const refused = await Promise.all(
      ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx'].map(
        (type) => answer({ 'Content-Type': type }),
      ),
    );
    const accepted = await Promise.all([
      answer({ 'content-type': 'application/json' }),
      answer({ 'content-type': 'application/json; charset=utf-8' }),
      answer({ 'content-type': 'application/merge-patch+json' }),
      answer({}),
      answer({ 'content-type': 'text/plain' }, ''),
    ]);

    for (const result of refused) {
      expect(result.statusCode).toBe(415);
      expect(JSON.parse(result.body).error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(accepted.map((result) => result.statusCode)).toEqual([200, 200, 200, 200, 200]);
  });
});
