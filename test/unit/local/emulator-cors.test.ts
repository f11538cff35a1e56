// The emulator as the deployed API treats browsers on their own origin: CORS preflights answered for the
// configured origins only (403 for others), and CORS headers on its own 401/403 answers; Lambda answers
// carry what the handlers add themselves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORS_ALLOWED_HEADERS as DEPLOYED_HEADERS } from '../../../infra/constructs/gateway-api.js';
import { CORS_ALLOWED_HEADERS } from '../../../local/api-gateway/cors.js';
import { startApiGatewayEmulator } from '../../../local/api-gateway/server.js';
import type { ApiGatewayEmulator } from '../../../local/api-gateway/types.js';
import { parseSpaOrigins } from '../../../local/stack.js';
import type { RouteDefinition } from '../../../shared/routes.js';

const SPA = 'http://127.0.0.1:5173';
const ROUTES: RouteDefinition[] = [
  { method: 'GET', path: '/v1/me', functionName: 'me', auth: 'ciam', summary: '' },
  { method: 'GET', path: '/v1/admin/brands', functionName: 'admin', auth: 'iam', summary: '' },
];

describe('the emulator and CORS', () => {
  let emulator: ApiGatewayEmulator;
  let handlerCalls = 0;

  beforeAll(async () => {
    emulator = await startApiGatewayEmulator({
      routes: ROUTES,
      adminKey: 'admin-key',
      authorizerCacheTtlSeconds: 0,
      corsAllowedOrigins: [SPA],
      loadAuthorizer: async () => async () => {
        throw new Error('Unauthorized');
      },
      loadHandler: async () => async () => {
        handlerCalls++;
        return { statusCode: 200, headers: {}, body: '{}' };
      },
    });
  });
  afterAll(() => emulator.close());

  const preflight = (origin: string, path = '/v1/me') =>
    fetch(`${emulator.url}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });

  it('answers a preflight from a configured origin as the deployed OPTIONS method does', async () => {
    const response = await preflight(SPA);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(SPA);
    expect(response.headers.get('access-control-allow-headers')).toBe(CORS_ALLOWED_HEADERS.join(','));
    expect(response.headers.get('access-control-allow-methods')).toContain('GET');
    expect(response.headers.get('access-control-max-age')).toBe('3600');
    expect(handlerCalls).toBe(0);
  });

  it('refuses a preflight from any other origin with 403 and no CORS headers', async () => {
    const response = await preflight('http://127.0.0.1:6666');
    expect(response.status).toBe(403);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });

  it('puts CORS headers on its own 401 and 403 answers for a configured origin only', async () => {
    const unauthorized = await fetch(`${emulator.url}/v1/me`, { headers: { origin: SPA } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe(SPA);
    const forbidden = await fetch(`${emulator.url}/v1/admin/brands`, { headers: { origin: SPA } });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('access-control-allow-origin')).toBe(SPA);
    const bearer = await fetch(`${emulator.url}/v1/me`, { headers: { origin: SPA, authorization: 'Bearer x' } });
    expect(bearer.status).toBe(401);
    expect(bearer.headers.get('access-control-allow-origin')).toBe(SPA);
    const other = await fetch(`${emulator.url}/v1/me`, { headers: { origin: 'http://127.0.0.1:6666' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the same request headers as the deployed API', () => {
    expect(CORS_ALLOWED_HEADERS).toEqual(DEPLOYED_HEADERS);
  });
});

describe('SPA_ORIGINS', () => {
  it('takes origins and refuses anything else', () => {
    expect(parseSpaOrigins(['http://127.0.0.1:5173', 'https://app.example/'])).toEqual([
      'http://127.0.0.1:5173',
      'https://app.example',
    ]);
    expect(() => parseSpaOrigins(['http://127.0.0.1:5173/app'])).toThrow(/not an origin/);
    expect(() => parseSpaOrigins(['ftp://x'])).toThrow(/not an origin/);
  });
});
