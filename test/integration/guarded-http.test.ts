// Issue 21 item 7: every outbound connection is checked where it is made. The guarded transports (fetch for
// userinfo, discovery, revocation and Capillary; the JWKS GET) against a loopback server, with an injected
// resolver standing in for DNS: a name that rebinds to an internal address between the save-time check and
// the fetch gets no connection, IP literals are checked too, and the production wiring (the runtime's JWKS
// transport, buildPostAuthDeps for userinfo and Capillary) refuses internal addresses outside the local stage.
// Names are `*.localhost` only so the test network guard lets the socket start; the injected resolver decides
// where each name points.
import type { LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler as createSessionHandler } from '../../functions/session/handler.js';
import { guardedFetch, type Resolve } from '../../shared/adapters/guarded-http.js';
import { guardedHttpGet } from '../../shared/adapters/node-http-get.js';
import { clearJwksCaches, getJwksCache } from '../../shared/auth/jwks-cache.js';
import { CapillaryClient } from '../../shared/capillary/capillary-client.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';
import { buildPostAuthDeps } from '../../shared/runtime/post-auth-deps.js';
import type { GatewaySettings } from '../../shared/env.js';
import { checkOutboundHosts } from '../../shared/http/outbound-url.js';
import { NoMetrics } from '../../shared/observability/metrics.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';
import { authorizedEvent, lambdaContext, sampleAuth } from '../support/events.js';
import { makeBrand } from '../support/jwt.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { hashToken } from '../../shared/auth/authorize-request.js';

const PUBLIC = { allowLoopback: false };
const LOCAL = { allowLoopback: true };

let server: Server;
let port = 0;
const seen: { method: string; url: string; body: string }[] = [];

/** A resolver answering from a table (names to addresses), recording each question. */
function resolver(table: Record<string, string[] | (() => string[])>) {
  const asked: string[] = [];
  const resolve: Resolve = (hostname, callback) => {
    asked.push(hostname);
    const entry = table[hostname];
    const addresses = typeof entry === 'function' ? entry() : entry;
    if (!addresses) {
      callback(Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' }), []);
      return;
    }
    callback(
      null,
      addresses.map((address): LookupAddress => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };
  return { resolve, asked };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      if (req.url === '/redirect') {
        res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
        return;
      }
      if (req.url === '/empty') {
        res.writeHead(204).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  clearJwksCaches();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen.length = 0;
});

describe('guardedFetch', () => {
  it('connects to an allowed address and answers a WHATWG Response (method, headers, body)', async () => {
    const { resolve } = resolver({ 'ciam.localhost': ['127.0.0.1'] });
    const fetch = guardedFetch({ policy: LOCAL, resolve });
    const response = await fetch(`http://ciam.localhost:${port}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'abc', token_type_hint: 'refresh_token' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual([{ method: 'POST', url: '/token', body: 'token=abc&token_type_hint=refresh_token' }]);
    const empty = await fetch(`http://ciam.localhost:${port}/empty`, { method: 'GET' });
    expect(empty.status).toBe(204);
  });

  it('refuses a name that resolves to an internal address, before any connection', async () => {
    const { resolve, asked } = resolver({ 'rebind.localhost': ['127.0.0.1'] });
    const fetch = guardedFetch({ policy: PUBLIC, resolve });
    const error = await fetch(`http://rebind.localhost:${port}/me`, { method: 'GET' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).cause).toMatchObject({ name: 'BlockedAddressError', range: 'loopback' });
    expect(asked).toEqual(['rebind.localhost']);
    expect(seen).toHaveLength(0);
  });

  it('DNS rebinding: public at the save-time check, internal at fetch time: the fetch gets no connection', async () => {
    let answers = 0;
    const flip = () => (answers++ === 0 ? ['93.184.215.14'] : ['127.0.0.1']);
    const { resolve } = resolver({ 'ciam.rebind.localhost': flip });
    const saveTime = await checkOutboundHosts(
      { jwksUri: `http://ciam.rebind.localhost:${port}/jwks` },
      (host) => new Promise((ok, fail) => resolve(host, (e, list) => (e ? fail(e) : ok(list.map((a) => a.address))))),
    );
    expect(saveTime).toEqual([]);
    const error = await guardedFetch({ policy: PUBLIC, resolve })(`http://ciam.rebind.localhost:${port}/jwks`, {
      method: 'GET',
    }).catch((e: unknown) => e);
    expect((error as Error).cause).toMatchObject({ address: '127.0.0.1' });
    expect(seen).toHaveLength(0);
  });

  it('refuses when any of several addresses is internal (the socket could pick it)', async () => {
    const { resolve } = resolver({ 'mixed.localhost': ['93.184.215.14', '10.0.0.8'] });
    const error = await guardedFetch({ policy: PUBLIC, resolve })('https://mixed.localhost/', { method: 'GET' }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).cause).toMatchObject({ address: '10.0.0.8', range: 'private' });
  });

  it.each([
    ['IPv4 literal', 'http://127.0.0.1'],
    ['IPv6 literal', 'http://[::1]'],
    ['IPv4-mapped literal', 'http://[::ffff:7f00:1]'],
  ])('checks an %s (net never looks those up)', async (_name, origin) => {
    const error = await guardedFetch({ policy: PUBLIC })(`${origin}:${port}/me`, { method: 'GET' }).catch(
      (e: unknown) => e,
    );
    expect((error as Error).cause).toMatchObject({ name: 'BlockedAddressError' });
    expect(seen).toHaveLength(0);
  });

  it('never follows a redirect (and refuses one when told to)', async () => {
    const fetch = guardedFetch({ policy: LOCAL });
    const manual = await fetch(`http://127.0.0.1:${port}/redirect`, { method: 'GET' });
    expect(manual.status).toBe(302);
    await expect(fetch(`http://127.0.0.1:${port}/redirect`, { method: 'GET', redirect: 'error' })).rejects.toThrow(
      'fetch failed',
    );
    expect(seen.map((s) => s.url)).toEqual(['/redirect', '/redirect']);
  });

  it('aborts on its signal like fetch (the timeout reason reaches the caller)', async () => {
    const hang = createServer(() => undefined);
    await new Promise<void>((resolve) => hang.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/`;
      const error = await guardedFetch({ policy: LOCAL })(url, {
        method: 'GET',
        signal: AbortSignal.timeout(50),
      }).catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError' });
    } finally {
      hang.closeAllConnections();
      await new Promise<void>((resolve) => hang.close(() => resolve()));
    }
  });
});

describe('guardedHttpGet (the JWKS transport)', () => {
  it('gets from an allowed address and refuses an internal one, names and literals alike', async () => {
    const options = { accept: 'application/json', timeoutMs: 2_000, maxBytes: 1_000 };
    const { resolve } = resolver({ 'keys.localhost': ['127.0.0.1'] });
    const ok = await guardedHttpGet({ policy: LOCAL, resolve })(`http://keys.localhost:${port}/jwks`, options);
    expect(ok.status).toBe(200);
    await expect(
      guardedHttpGet({ policy: PUBLIC, resolve })(`http://keys.localhost:${port}/jwks`, options),
    ).rejects.toMatchObject({ name: 'BlockedAddressError' });
    await expect(guardedHttpGet({ policy: PUBLIC })(`http://127.0.0.1:${port}/jwks`, options)).rejects.toMatchObject({
      name: 'BlockedAddressError',
    });
    expect(seen).toHaveLength(1);
  });
});

describe('the production wiring refuses internal addresses outside the local stage', () => {
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
  let tcp: TcpServer;
  let tcpPort = 0;
  let connections = 0;
  beforeAll(async () => {
    tcp = createTcpServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    tcpPort = (tcp.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  });
  beforeEach(() => {
    connections = 0;
    clearJwksCaches();
  });

  it('the runtime JWKS transport: an https JWKS on an internal address is never connected to', async () => {
    const failures: unknown[] = [];
    createCoreRuntime(settings, { onJwksFetchError: (error) => failures.push(error) });
    const cache = getJwksCache(`https://127.0.0.1:${tcpPort}/jwks`);
    await cache.prefetch();
    expect(cache.stats()).toMatchObject({ keys: 0, failures: 1 });
    expect(failures[0]).toMatchObject({ name: 'BlockedAddressError' });
    expect(connections).toBe(0);
  });

  it('buildPostAuthDeps: userinfo on an internal address is 503 CIAM_UNAVAILABLE with no connection made', async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    try {
      const brand = makeBrand({ userInfoEndpoint: `https://127.0.0.1:${tcpPort}/me` });
      const runtime = {
        settings,
        brandDirectory: new InMemoryBrandDirectory([brand]),
        secretSource: new InMemorySecretSource({}),
        documentClient: {} as never,
        links: {} as never,
        revocationGuard: async () => undefined,
        metrics: NoMetrics,
        auditLog: new InMemoryAuditLog(),
      };
      const deps = buildPostAuthDeps('session', runtime);
      // The link store is not reached: the claims are read first.
      const token = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'user-1' })).toString('base64url')}.c2ln`;
      const auth = sampleAuth({ brandId: brand.brandId, iss: brand.issuer, tokenHash: hashToken(token) });
      const answer = await createSessionHandler({ ...deps, services: { ...deps.services, links: undefined as never } })(
        authorizedEvent(auth, { httpMethod: 'POST', headers: { Authorization: `Bearer ${token}` } }),
        lambdaContext,
      );
      expect(answer.statusCode).toBe(503);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'CIAM_UNAVAILABLE' } });
      expect(connections).toBe(0);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('the Capillary client: a base URL of https://169.254.169.254 gets no connection (the network guard would fail the test)', async () => {
    const client = new CapillaryClient({
      baseUrl: 'https://169.254.169.254',
      authMode: 'oauth',
      credentialsParameter: '/gw/test/capillary',
      secrets: new InMemorySecretSource({ '/gw/test/capillary': JSON.stringify({ key: 'k', secret: 's' }) }),
      timeoutMs: 500,
      fetch: guardedFetch({ policy: PUBLIC }),
      sleep: async () => undefined,
    });
    await expect(
      client.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'a@example.com' }),
    ).rejects.toMatchObject({ status: 503 });
  });
});
