// The API Gateway emulator with fake handlers: event shapes, the REQUEST authorizer's 401/403/500 paths,
// policy evaluation, the result cache (with a moved clock), 502 for bad integrations, the admin key,
// the body cap and the static files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthorizerResult, policyAllows } from '../../../local/api-gateway/policy.js';
import { startApiGatewayEmulator } from '../../../local/api-gateway/server.js';
import type { ApiGatewayEmulator, ApiGatewayEmulatorOptions } from '../../../local/api-gateway/types.js';
import type { FunctionName, RouteDefinition } from '../../../shared/routes.js';

const ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/health', functionName: 'health', auth: 'none', summary: '' },
  { method: 'GET', path: '/v1/me', functionName: 'me', auth: 'ciam', summary: '' },
  { method: 'POST', path: '/v1/auth/session', functionName: 'session', auth: 'ciam', summary: '' },
  {
    method: 'POST',
    path: '/v1/auth/backchannel-logout/{brandId}',
    functionName: 'backchannel-logout',
    auth: 'none',
    summary: '',
  },
  { method: 'GET', path: '/v1/admin/brands/{brandId}', functionName: 'admin', auth: 'iam', summary: '' },
];

function allow(resource: string | string[], context: Record<string, unknown> = { brandId: 'demo', orgId: 7 }) {
  return {
    principalId: 'demo|alice',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context,
  };
}

const ANY = 'arn:aws:execute-api:local:000000000000:local/local/*/*';

describe('startApiGatewayEmulator', () => {
  let emulator: ApiGatewayEmulator;
  let events: APIGatewayProxyEvent[];
  let authorizerEvents: APIGatewayRequestAuthorizerEvent[];
  let authorizerAnswer: (event: APIGatewayRequestAuthorizerEvent) => Promise<unknown>;
  let handlerAnswer: (name: FunctionName, event: APIGatewayProxyEvent) => Promise<unknown>;
  let nowMs: number;
  let tmp: string;

  async function start(overrides: Partial<ApiGatewayEmulatorOptions> = {}) {
    await emulator?.close();
    emulator = await startApiGatewayEmulator({
      routes: ROUTES,
      adminKey: 'admin-key',
      authorizerCacheTtlSeconds: 60,
      now: () => nowMs,
      loadAuthorizer: async () => async (event) => {
        authorizerEvents.push(event);
        return authorizerAnswer(event);
      },
      loadHandler: async (name) => async (event) => {
        events.push(event);
        return handlerAnswer(name, event);
      },
      ...overrides,
    });
  }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'emulator-unit-'));
  });

  afterEach(() => {
    events = [];
    authorizerEvents = [];
  });

  afterAll(async () => {
    await emulator?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function reset(overrides: Partial<ApiGatewayEmulatorOptions> = {}) {
    events = [];
    authorizerEvents = [];
    nowMs = 1_000_000;
    authorizerAnswer = async () => allow(ANY);
    handlerAnswer = async () => ({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"ok":true}',
    });
    await start(overrides);
  }

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${emulator.url}${path}`, { headers });

  describe('proxy events', () => {
    beforeAll(() => reset());

    it('passes a REST proxy event with path parameters, query, headers, body and request context', async () => {
      // Act
      const response = await fetch(`${emulator.url}/v1/auth/backchannel-logout/my%20brand?a=1&a=2&b=x`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Custom': 'v' },
        body: 'logout_token=abc',
      });

      // Assert
      expect(response.status).toBe(200);
      const [event] = events;
      expect(event).toMatchObject({
        resource: '/v1/auth/backchannel-logout/{brandId}',
        path: '/v1/auth/backchannel-logout/my%20brand',
        httpMethod: 'POST',
        pathParameters: { brandId: 'my brand' },
        queryStringParameters: { a: '2', b: 'x' },
        multiValueQueryStringParameters: { a: ['1', '2'], b: ['x'] },
        body: 'logout_token=abc',
        isBase64Encoded: false,
        stageVariables: null,
        requestContext: { stage: 'local', path: '/local/v1/auth/backchannel-logout/my%20brand', httpMethod: 'POST' },
      });
      expect(event?.headers['X-Custom']).toBe('v');
      expect(event?.multiValueHeaders['X-Custom']).toEqual(['v']);
      expect(event?.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(event?.requestContext.identity.sourceIp).toBe('127.0.0.1');
      expect(response.headers.get('x-amzn-requestid')).toBe(event?.requestContext.requestId);
    });

    it('base64-encodes a binary body and leaves an empty one null', async () => {
      // Act
      await fetch(`${emulator.url}/v1/auth/backchannel-logout/demo`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: new Uint8Array([0xff, 0x00, 0x01]),
      });
      await fetch(`${emulator.url}/v1/auth/backchannel-logout/demo`, { method: 'POST' });

      // Assert
      expect(events[0]).toMatchObject({ isBase64Encoded: true, body: Buffer.from([0xff, 0, 1]).toString('base64') });
      expect(events[1]).toMatchObject({ isBase64Encoded: false, body: null, queryStringParameters: null });
    });

    it('answers unknown paths 404 and a known path with another method 405, as JSON', async () => {
      // Act
      const unknown = await get('/v2/nothing');
      const wrongMethod = await fetch(`${emulator.url}/health`, { method: 'DELETE' });

      // Assert
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
      expect(await wrongMethod.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
      expect(events).toHaveLength(0);
    });

    it('refuses a body over the cap with 413 before calling the function', async () => {
      // Arrange
      await reset({ maxBodyBytes: 1024 });

      // Act
      const response = await fetch(`${emulator.url}/v1/auth/backchannel-logout/demo`, {
        method: 'POST',
        body: 'x'.repeat(2048),
      });

      // Assert
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: 'BODY_TOO_LARGE' } });
      expect(events).toHaveLength(0);
    });
  });

  describe('HEAD and oversized headers', () => {
    beforeAll(() => reset());

    it('answers HEAD on a GET route like GET, without a body', async () => {
      // Act
      const get = await fetch(`${emulator.url}/health`);
      const head = await fetch(`${emulator.url}/health`, { method: 'HEAD' });

      // Assert
      expect(head.status).toBe(get.status);
      expect(head.headers.get('content-type')).toBe(get.headers.get('content-type'));
      expect(await head.text()).toBe('');
      expect(events.map((event) => event.httpMethod)).toEqual(['GET', 'GET']);
    });

    it('answers headers over 16 KB with 431 and the JSON error body', async () => {
      // Act
      const response = await fetch(`${emulator.url}/health`, { headers: { 'x-big': 'a'.repeat(20_000) } });

      // Assert
      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(await response.json()).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
    });
  });

  describe('integration results', () => {
    beforeAll(() => reset());

    it('turns a thrown error or a malformed result into 502 INTERNAL_ERROR', async () => {
      // Arrange
      const answers = [
        async () => {
          throw new Error('boom');
        },
        async () => ({ statusCode: '200', body: 'x' }),
        async () => ({ statusCode: 200, body: { not: 'a string' } }),
        async () => 'just a string',
      ];

      // Act / Assert
      for (const answer of answers) {
        handlerAnswer = answer;
        const response = await get('/health');
        expect(response.status).toBe(502);
        expect(await response.json()).toMatchObject({ error: { code: 'INTERNAL_ERROR' } });
      }
    });

    it('decodes a base64 result and sends every value of multiValueHeaders', async () => {
      // Arrange
      handlerAnswer = async () => ({
        statusCode: 201,
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
        body: Buffer.from('binary!').toString('base64'),
        isBase64Encoded: true,
      });

      // Act
      const response = await get('/health');

      // Assert
      expect(response.status).toBe(201);
      expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(await response.text()).toBe('binary!');
    });

    it('answers 504 when the function does not return within the integration timeout', async () => {
      // Arrange
      await reset({ integrationTimeoutMs: 50 });
      handlerAnswer = () => new Promise(() => undefined);

      // Act
      const response = await get('/health');

      // Assert
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({ error: { code: 'INTERNAL_ERROR' } });
    });
  });

  describe('the REQUEST authorizer', () => {
    beforeAll(() => reset());

    it('answers 401 without calling the authorizer when the Authorization header is missing', async () => {
      // Act
      const response = await get('/v1/me');

      // Assert
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: 'Unauthorized' } });
      expect(emulator.counters.authorizerInvocations).toBe(0);
      expect(events).toHaveLength(0);
    });

    it('sends a REQUEST event and passes principalId and the context (as strings) to the function', async () => {
      // Act
      const response = await get('/v1/me?x=1', { Authorization: 'Bearer t-allow' });

      // Assert
      expect(response.status).toBe(200);
      expect(authorizerEvents[0]).toMatchObject({
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:local:000000000000:local/local/GET/v1/me',
        resource: '/v1/me',
        path: '/v1/me',
        httpMethod: 'GET',
        headers: { Authorization: 'Bearer t-allow' },
        queryStringParameters: { x: '1' },
      });
      expect(events[0]?.requestContext.authorizer).toMatchObject({
        principalId: 'demo|alice',
        brandId: 'demo',
        orgId: '7',
      });
      expect(response.headers.get('x-local-authorizer-cache')).toBe('miss');
      expect(JSON.parse(response.headers.get('x-local-authorizer-context') ?? '{}')).toEqual({
        principalId: 'demo|alice',
        brandId: 'demo',
        orgId: 7,
      });
    });

    it('maps Unauthorized to 401, other thrown errors to 503 AUTHORIZER_UNAVAILABLE, malformed results to 500, explicit Deny to 403', async () => {
      // Arrange
      const cases: [string, () => Promise<unknown>, number, string][] = [
        [
          'u',
          async () => {
            throw new Error('Unauthorized');
          },
          401,
          'UNAUTHORIZED',
        ],
        [
          'e',
          async () => {
            throw new Error('database down');
          },
          503,
          'AUTHORIZER_UNAVAILABLE',
        ],
        ['m', async () => ({ principalId: 'x' }), 500, 'INTERNAL_ERROR'],
        ['c', async () => allow(ANY, { nested: { no: 1 } }), 500, 'INTERNAL_ERROR'],
        [
          'd',
          async () => ({
            principalId: 'x',
            policyDocument: { Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: ANY }] },
          }),
          403,
          'FORBIDDEN',
        ],
        ['o', async () => allow('arn:aws:execute-api:local:000000000000:local/local/POST/*'), 403, 'FORBIDDEN'],
      ];

      // Act / Assert
      for (const [token, answer, status, code] of cases) {
        authorizerAnswer = answer;
        const response = await get('/v1/me', { authorization: `Bearer ${token}` });
        expect({ token, status: response.status }).toEqual({ token, status });
        expect(await response.json()).toMatchObject({ error: { code } });
        // Only the 503 tells the app when to come back; nothing else carries a retry hint.
        expect(response.headers.get('retry-after')).toBe(status === 503 ? '2' : null);
      }
      expect(events).toHaveLength(0);
    });

    it('names the authorizer reason in x-local-authorizer-reason and challenges every 401 (RFC 6750)', async () => {
      // Arrange: the real authorizer's refusals carry their reason (unauthorizedError, AuthorizerUnavailableError)
      await reset();
      const { unauthorizedError, AuthorizerUnavailableError } = await import(
        '../../../shared/auth/authorize-request.js'
      );
      const allowAny = async () => allow(ANY);
      const answers: Record<string, () => Promise<unknown>> = {
        expired: async () => {
          throw unauthorizedError('TOKEN_EXPIRED');
        },
        jwks: async () => {
          throw new AuthorizerUnavailableError('JWKS_UNAVAILABLE');
        },
        revoked: async () => allow(ANY, { brandId: 'demo', revoked: 'SESSION_REVOKED' }),
        ok: allowAny,
        route: async () => allow('arn:aws:execute-api:local:000000000000:local/local/POST/*'),
      };
      authorizerAnswer = (event) => (answers[String(event.headers?.authorization).slice(7)] ?? allowAny)();

      // Act
      const read = async (headers: Record<string, string>) => {
        const response = await get('/v1/me', headers);
        return [
          response.status,
          response.headers.get('x-local-authorizer-reason'),
          response.headers.get('www-authenticate'),
        ];
      };

      // Assert
      expect(await read({})).toEqual([401, 'AUTHORIZATION_MISSING', 'Bearer error="invalid_token"']);
      expect(await read({ authorization: 'Bearer expired' })).toEqual([
        401,
        'TOKEN_EXPIRED',
        'Bearer error="invalid_token"',
      ]);
      expect(await read({ authorization: 'Bearer jwks' })).toEqual([503, 'JWKS_UNAVAILABLE', null]);
      expect(await read({ authorization: 'Bearer route' })).toEqual([403, 'POLICY_DENIES_ROUTE', null]);
      expect((await read({ authorization: 'Bearer revoked' })).slice(0, 2)).toEqual([200, 'SESSION_REVOKED']);
      expect((await read({ authorization: 'Bearer ok' })).slice(0, 2)).toEqual([200, 'ALLOWED']);
    });

    it('reports each API request once answered: method, path, status, time, brand and why it was refused', async () => {
      // Arrange
      const entries: unknown[] = [];
      await reset({ onRequest: (entry) => entries.push(entry) });
      const { unauthorizedError } = await import('../../../shared/auth/authorize-request.js');
      authorizerAnswer = async (event) => {
        if (event.headers?.authorization === 'Bearer expired') throw unauthorizedError('TOKEN_EXPIRED');
        return allow(ANY);
      };

      // Act
      await get('/v1/me', { authorization: 'Bearer ok' });
      await get('/v1/me', { authorization: 'Bearer expired' });
      await get('/v1/admin/brands/shop', { 'x-admin-key': 'wrong' });
      await get('/nowhere');

      // Assert
      expect(entries).toEqual([
        { method: 'GET', path: '/v1/me', status: 200, durationMs: expect.any(Number), brandId: 'demo' },
        { method: 'GET', path: '/v1/me', status: 401, durationMs: expect.any(Number), reason: 'TOKEN_EXPIRED' },
        {
          method: 'GET',
          path: '/v1/admin/brands/shop',
          status: 403,
          durationMs: expect.any(Number),
          brandId: 'shop',
          reason: 'FORBIDDEN',
        },
        { method: 'GET', path: '/nowhere', status: 404, durationMs: expect.any(Number), reason: 'ROUTE_NOT_FOUND' },
      ]);
    });

    it('caches a result per Authorization value for the TTL and re-evaluates it against each method ARN', async () => {
      // Arrange
      await reset();
      authorizerAnswer = async () => allow('arn:aws:execute-api:local:000000000000:local/local/GET/v1/me');

      // Act
      const first = await get('/v1/me', { authorization: 'Bearer cached' });
      const second = await get('/v1/me', { authorization: 'Bearer cached' });
      const otherRoute = await fetch(`${emulator.url}/v1/auth/session`, {
        method: 'POST',
        headers: { authorization: 'Bearer cached' },
      });
      const otherToken = await get('/v1/me', { authorization: 'Bearer other' });
      nowMs += 60_001;
      const afterTtl = await get('/v1/me', { authorization: 'Bearer cached' });

      // Assert
      expect([first.status, second.status, otherRoute.status, otherToken.status, afterTtl.status]).toEqual([
        200, 200, 403, 200, 200,
      ]);
      expect(first.headers.get('x-local-authorizer-cache')).toBe('miss');
      expect(second.headers.get('x-local-authorizer-cache')).toBe('hit');
      expect(otherRoute.headers.get('x-local-authorizer-cache')).toBe('hit');
      expect(afterTtl.headers.get('x-local-authorizer-cache')).toBe('miss');
      expect(emulator.counters.authorizerInvocations).toBe(3);
      expect(emulator.counters.authorizerCacheHits).toBe(2);
    });

    it('calls the authorizer on every request when the TTL is 0, and never caches a 401', async () => {
      // Arrange
      await reset({ authorizerCacheTtlSeconds: 0 });

      // Act
      await get('/v1/me', { authorization: 'Bearer a' });
      await get('/v1/me', { authorization: 'Bearer a' });
      await reset();
      authorizerAnswer = async () => {
        throw new Error('Unauthorized');
      };
      await get('/v1/me', { authorization: 'Bearer b' });
      await get('/v1/me', { authorization: 'Bearer b' });

      // Assert
      expect(emulator.counters.authorizerInvocations).toBe(2);
    });
  });

  describe('admin (iam) routes', () => {
    beforeAll(() => reset());

    it('requires the admin key: 403 without it or with a wrong one', async () => {
      // Act
      const without = await get('/v1/admin/brands/demo');
      const wrong = await get('/v1/admin/brands/demo', { 'x-admin-key': 'nope' });
      const right = await get('/v1/admin/brands/demo', { 'x-admin-key': 'admin-key' });

      // Assert
      expect([without.status, wrong.status, right.status]).toEqual([403, 403, 200]);
      expect(await without.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
      expect(events).toHaveLength(1);
      expect(events[0]?.pathParameters).toEqual({ brandId: 'demo' });
    });
  });

  describe('static files', () => {
    it('serves openapi.json, the playground, JSON documents, and JSON 404s when absent or outside the folder', async () => {
      // Arrange
      const dist = join(tmp, 'dist');
      mkdirSync(dist, { recursive: true });
      writeFileSync(join(dist, 'index.html'), '<!doctype html><title>p</title>');
      writeFileSync(join(dist, 'app.js'), 'console.log(1)');
      writeFileSync(join(tmp, 'secret.txt'), 'no');
      writeFileSync(join(tmp, 'openapi.json'), '{"openapi":"3.1.0"}');
      await reset({
        staticDir: dist,
        openApiFile: join(tmp, 'openapi.json'),
        documents: { '/playground-config.json': () => ({ clientId: 'demo-spa' }) },
      });

      // Act
      const index = await get('/');
      const script = await get('/app.js');
      const openapi = await get('/openapi.json');
      const config = await get('/playground-config.json');
      const traversal = await get('/..%2Fsecret.txt');
      const missing = await get('/nope.css');

      // Assert
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toContain('text/html');
      expect(script.headers.get('content-type')).toContain('text/javascript');
      expect(await openapi.json()).toEqual({ openapi: '3.1.0' });
      expect(await config.json()).toEqual({ clientId: 'demo-spa' });
      expect(traversal.status).toBe(404);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
    });

    it('answers 404 JSON for / and /openapi.json when nothing was built', async () => {
      // Arrange
      await reset({ staticDir: join(tmp, 'not-built'), openApiFile: join(tmp, 'absent.json') });

      // Act
      const index = await get('/');
      const openapi = await get('/openapi.json');

      // Assert
      expect(index.status).toBe(404);
      expect(await index.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
      expect(openapi.status).toBe(404);
    });
  });
});

describe('parseAuthorizerResult and policyAllows', () => {
  it('accepts a single statement object and string or array resources', () => {
    // Arrange
    const parsed = parseAuthorizerResult({
      principalId: 'p',
      policyDocument: { Statement: { Action: 'execute-api:*', Effect: 'Allow', Resource: ['arn:a/local/GET/*'] } },
    });

    // Assert
    expect(parsed).toBeDefined();
    expect(policyAllows(parsed?.statements ?? [], 'arn:a/local/GET/v1/me')).toBe(true);
    expect(policyAllows(parsed?.statements ?? [], 'arn:a/local/POST/v1/me')).toBe(false);
  });

  it('lets an explicit Deny win over an Allow', () => {
    // Arrange
    const statements = [
      { effect: 'Allow' as const, actions: ['*'], resources: ['*'] },
      { effect: 'Deny' as const, actions: ['execute-api:Invoke'], resources: ['arn:a/local/*/v1/admin/*'] },
    ];

    // Assert
    expect(policyAllows(statements, 'arn:a/local/GET/v1/me')).toBe(true);
    expect(policyAllows(statements, 'arn:a/local/GET/v1/admin/brands')).toBe(false);
  });

  it('rejects results without a principal, a policy or valid statements', () => {
    // Assert
    expect(parseAuthorizerResult(undefined)).toBeUndefined();
    expect(parseAuthorizerResult({ policyDocument: { Statement: [] } })).toBeUndefined();
    expect(parseAuthorizerResult({ principalId: 'p', policyDocument: { Statement: [] } })).toBeUndefined();
    expect(
      parseAuthorizerResult({
        principalId: 'p',
        policyDocument: { Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] },
      }),
    ).toBeUndefined();
  });
});
