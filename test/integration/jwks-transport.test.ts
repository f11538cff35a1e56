// Every function's runtime gives the container's JWKS caches one transport: node:http(s) (no undici at cold
// start: no fetch() user-agent or accept-encoding reaches the server) and never plain http outside the local
// stage, for the authorizer's caches as for the logout hints and the post-auth ID tokens (shared registry).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearJwksCaches, getJwksCache } from '../../shared/auth/jwks-cache.js';
import type { GatewaySettings } from '../../shared/env.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';
import { generateTestKey } from '../support/jwt.js';

const key = generateTestKey('ES256', 'transport-1');
const settings: GatewaySettings = {
  logLevel: 'SILENT',
  stage: 'dev',
  tables: { brands: 'brands', links: 'links', revocations: 'revocations' },
  ssmPrefix: '/gw/test',
  configCacheTtlSeconds: 60,
  configStaleIfErrorSeconds: 300,
  revocationCacheTtlSeconds: 5,
  authorizerCacheTtlSeconds: 300,
  corsAllowedOrigins: [],
};
let server: Server;
let uri = '';
const requests: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.headers);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  uri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
afterAll(async () => {
  clearJwksCaches();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  clearJwksCaches();
  requests.length = 0;
});

describe('the runtime JWKS transport', () => {
  it('refuses a plain-http JWKS outside the local stage, before any connection, and reports it', async () => {
    const failures: unknown[] = [];
    createCoreRuntime(settings, { onJwksFetchError: (error) => failures.push(error) });
    const cache = getJwksCache(uri);
    await cache.prefetch();
    expect(requests).toHaveLength(0);
    expect(cache.stats()).toMatchObject({ keys: 0, failures: 1 });
    expect(String(failures[0])).toMatch(/non-https/);
  });

  it('fetches it over node:http in the local stage (no fetch() headers)', async () => {
    createCoreRuntime({ ...settings, stage: 'local' });
    const cache = getJwksCache(uri);
    await cache.prefetch();
    expect(cache.stats()).toMatchObject({ keys: 1, failures: 0 });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.accept).toBe('application/jwk-set+json, application/json');
    expect(requests[0]?.['user-agent']).toBeUndefined();
    expect(requests[0]?.['accept-encoding']).toBeUndefined();
  });
});
