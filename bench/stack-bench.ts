// The local-stack part of `npm run bench`: (4) post-auth session link for a returning and a new user
// (Capillary simulator round trips counted), then again with a fixed latency on every Capillary call (a
// delaying proxy in front of the simulator, which also times each call, so sequential round trips are
// counted from overlapping intervals); (5) each function's warm handler-chain overhead; and load with
// autocannon on the emulated API Gateway for an authorized `GET /v1/me` and for 401s from garbage tokens,
// against a bare node http server answering 200 in the same run. Everything listens on 127.0.0.1;
// autocannon runs in a child process so the load generator does not share the event loop it measures.
import { spawn } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { startApiGatewayEmulator } from '../local/api-gateway/server.js';
import type { AuthorizerHandler, ProxyHandler } from '../local/api-gateway/types.js';
import { REDEEM_SCOPE } from '../local/dev-ciam.js';
import { loginWithCode } from '../local/dev-ciam-client.js';
import { longestChain } from '../local/capillary-simulator.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';
import { type FunctionName, Routes } from '../shared/routes.js';
import { memberBench } from './member-bench.js';

export interface LoadRow {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses by status code (the path must answer what it claims to measure). */
  statusCodes: Record<string, number>;
  errors: number;
}

export interface SessionRow {
  runs: number;
  p50Ms: number;
  meanMs: number;
  /** Capillary simulator calls per session link (mean). */
  capillaryCallsPerLink: number;
  statusCodes: Record<string, number>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;
/** The fixed latency injected into every Capillary call for the round-trip count (issue 17 item 4). */
const LATENCY_MS = 50;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

// autocannon in a fresh process: `garbage` gives every request another malformed bearer token, so no
// cache (the emulator's authorizer result cache included) can answer it.
const CHILD = `
import autocannon from 'autocannon';
const o = JSON.parse(process.argv[1]);
let n = 0;
const requests = o.garbage
  ? [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.' + (n++).toString(36) } }) }]
  : undefined;
const r = await autocannon({ url: o.url, connections: o.connections, duration: o.duration, headers: o.headers, ...(requests ? { requests } : {}) });
process.stdout.write('\\nLOAD_RESULT ' + JSON.stringify({
  rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total,
  errors: r.errors + r.timeouts, codes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
}));`;

function autocannon(options: {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  garbage?: boolean;
}): Promise<LoadRow> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, JSON.stringify(options)], {
      cwd: process.cwd(),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('LOAD_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`autocannon failed (${code}): ${err.slice(0, 500)}`));
      const r = JSON.parse(line.slice('LOAD_RESULT '.length)) as {
        rps: number;
        p50: number;
        p99: number;
        total: number;
        errors: number;
        codes: Record<string, number>;
      };
      resolve({
        requestsPerSec: Math.round(r.rps),
        p50Ms: r.p50,
        p99Ms: r.p99,
        requests: r.total,
        statusCodes: r.codes,
        errors: r.errors,
      });
    });
  });
}

function countCodes(codes: number[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const code of codes) out[code] = (out[code] ?? 0) + 1;
  return out;
}

async function postSession(
  stack: LocalStack,
  accessToken: string,
): Promise<{ ms: number; status: number; calls: number }> {
  const before = stack.capillary.calls.length;
  const started = performance.now();
  const response = await fetch(`${stack.urls.gateway}/v1/auth/session`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    body: '{}',
  });
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status, calls: stack.capillary.calls.length - before };
}

function sessionRow(samples: { ms: number; status: number; calls: number }[]): SessionRow {
  return {
    runs: samples.length,
    p50Ms: round2(median(samples.map((s) => s.ms))),
    meanMs: round2(samples.reduce((a, s) => a + s.ms, 0) / samples.length),
    capillaryCallsPerLink: round2(samples.reduce((a, s) => a + s.calls, 0) / samples.length),
    statusCodes: countCodes(samples.map((s) => s.status)),
  };
}

// ---------- Capillary latency: a delaying, timing proxy in front of the simulator ----------
interface DelayProxy {
  url: string;
  /** [start, end] of every proxied call, in performance.now() ms. */
  intervals: [number, number][];
  close(): Promise<void>;
}

/** Forwards every request to `target` after `latencyMs` (the round trip to a remote Capillary), timing each. */
async function startDelayProxy(target: string, latencyMs: number): Promise<DelayProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const intervals: [number, number][] = [];
  const server = createServer((req, res) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const forward = httpRequest(
          {
            host: upstream.hostname,
            port: upstream.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: upstream.host },
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on('end', () => intervals.push([started, performance.now()]));
          },
        );
        forward.on('error', () => res.writeHead(502).end());
        forward.end(Buffer.concat(chunks));
      }, latencyMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    intervals,
    close: () =>
      new Promise<void>((r) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Lets the benchmark's member write as often as it times the exchange (the demo brand keeps its requirements). */
async function relaxMemberWriteLimit(stack: LocalStack): Promise<void> {
  const url = `${stack.urls.gateway}/v1/admin/brands/${stack.brandId}`;
  const headers = { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' };
  const current = (await (await fetch(url, { headers })).json()) as Record<string, unknown> & {
    memberApi?: Record<string, unknown>;
  };
  const memberApi = { ...current.memberApi, writeLimit: { maxWrites: 1000, windowSeconds: 1 } };
  const saved = await fetch(url, { method: 'PUT', headers, body: JSON.stringify({ ...current, memberApi }) });
  if (saved.status !== 200) throw new Error(`relaxing the write limit failed: ${saved.status} ${await saved.text()}`);
}

/** Points the demo brand's Capillary base URL at `baseUrl` through the admin API. */
async function repointCapillary(stack: LocalStack, baseUrl: string): Promise<void> {
  const url = `${stack.urls.gateway}/v1/admin/brands/${stack.brandId}`;
  const headers = { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' };
  const current = (await (await fetch(url, { headers })).json()) as Record<string, unknown> & {
    capillary: Record<string, unknown>;
  };
  const saved = await fetch(url, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...current, capillary: { ...current.capillary, baseUrl } }),
  });
  if (saved.status !== 200) throw new Error(`re-pointing Capillary failed: ${saved.status} ${await saved.text()}`);
}

export interface LatencyRow {
  runs: number;
  latencyMs: number;
  p50Ms: number;
  /** p50 of the link divided by the injected latency. */
  p50RatioToLatency: number;
  /** Median over links of the sequential Capillary round trips (overlapping calls count once). */
  sequentialRoundTrips: number;
  maxSequentialRoundTrips: number;
  capillaryCallsPerLink: number;
  statusCodes: Record<string, number>;
}

function latencyRow(
  samples: { ms: number; status: number; calls: [number, number][] }[],
  latencyMs: number,
): LatencyRow {
  const trips = samples.map((s) => longestChain(s.calls));
  const p50 = median(samples.map((s) => s.ms));
  return {
    runs: samples.length,
    latencyMs,
    p50Ms: round2(p50),
    p50RatioToLatency: round2(p50 / latencyMs),
    sequentialRoundTrips: median(trips),
    maxSequentialRoundTrips: Math.max(...trips),
    capillaryCallsPerLink: round2(samples.reduce((a, s) => a + s.calls.length, 0) / samples.length),
    statusCodes: countCodes(samples.map((s) => s.status)),
  };
}

/** The latency run's figures under the keys bench-results.json carries beside the plain session row. */
function withLatency(row: LatencyRow) {
  return {
    latencyMs: row.latencyMs,
    sequentialRoundTrips: row.sequentialRoundTrips,
    maxSequentialRoundTrips: row.maxSequentialRoundTrips,
    latencyP50Ms: row.p50Ms,
    latencyP50RatioToLatency: row.p50RatioToLatency,
    latencyRuns: row.runs,
    latencyCapillaryCallsPerLink: row.capillaryCallsPerLink,
    latencyStatusCodes: row.statusCodes,
  };
}

// ---------- function overhead: each real function behind its own emulator, peer time subtracted ----------
export interface OverheadRow {
  invocations: number;
  /** Median warm invocation time of the handler (index.ts export, middleware chain included). */
  handlerMs: number;
  /** Median time of the same invocations spent inside DynamoDB/SSM SDK send() and fetch() calls. */
  peerMs: number;
  /** Median of (handler time - peer time) per invocation: the handler chain's own cost. */
  warmOverheadMs: number;
  statusCodes: Record<string, number>;
}

/** Union length of intervals (overlapping peer calls count once). */
function unionMs(intervals: [number, number][]): number {
  let total = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [a, b] of [...intervals].sort((x, y) => x[0] - y[0])) {
    if (a > end) {
      total += b - a;
      end = b;
    } else if (b > end) {
      total += b - end;
      end = b;
    }
  }
  return total;
}

/** Times every peer call (SDK send of the DynamoDB, document and SSM clients; fetch) into `sink` while set. */
function instrumentPeers() {
  const state: { sink: [number, number][] | undefined } = { sink: undefined };
  const restore: (() => void)[] = [];
  const wrap = <T extends object>(target: T, key: keyof T & string) => {
    const original = target[key] as unknown as (...args: unknown[]) => Promise<unknown>;
    const own = Object.hasOwn(target, key);
    (target as Record<string, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
      const sink = state.sink;
      if (sink === undefined) return original.apply(this, args);
      const started = performance.now();
      const settle = () => sink.push([started, performance.now()]);
      const result = original.apply(this, args);
      return result.then(
        (value) => {
          settle();
          return value;
        },
        (error: unknown) => {
          settle();
          throw error;
        },
      );
    };
    restore.push(() => {
      if (own) (target as Record<string, unknown>)[key] = original;
      else delete (target as Record<string, unknown>)[key];
    });
  };
  wrap(DynamoDBDocumentClient.prototype, 'send');
  wrap(DynamoDBClient.prototype, 'send');
  wrap(SSMClient.prototype, 'send');
  // fetch resolves at the response headers: buffer the body inside the timed call so its transfer counts as
  // peer time (parsing it stays the handler's).
  const fetchOriginal = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const response = await fetchOriginal(input, init);
    if (state.sink === undefined) return response;
    const body = await response.arrayBuffer();
    const { status, statusText, headers } = response;
    return new Response(status === 204 || status === 304 ? null : body, { status, statusText, headers });
  };
  restore.push(() => {
    globalThis.fetch = fetchOriginal;
  });
  wrap(globalThis, 'fetch');
  return {
    state,
    restore: () => {
      for (const undo of restore.reverse()) undo();
    },
  };
}

interface Probe {
  name: FunctionName | 'authorizer';
  method: string;
  path: string;
  body?: string;
  /** A fresh token per call (the call consumes its session, e.g. logout). */
  freshToken?: boolean;
  admin?: boolean;
  /** This token instead of the shared one (the member API's routes need the member's scope and step-up). */
  token?: string;
  /** Extra headers per call (e.g. a new Idempotency-Key). */
  headers?: () => Record<string, string>;
}

async function functionOverhead(stack: LocalStack, token: () => Promise<string>, quick: boolean, memberToken: string) {
  const calls = quick ? 8 : 60;
  const timings = new Map<string, { handlerMs: number; peerMs: number; status: number }[]>();
  const peers = instrumentPeers();
  // The first two calls of each route (cold module, caches filling) are not counted.
  let counting = false;
  const ROOT = join(import.meta.dirname, '..');
  const load = async (name: string): Promise<(event: never, context: never) => Promise<unknown>> => {
    const url = `${pathToFileURL(join(ROOT, 'functions', name, 'index.ts')).href}?bench-overhead`;
    const handler = ((await import(url)) as { handler: (e: unknown, c: unknown) => Promise<unknown> }).handler;
    return async (event, context) => {
      const sink: [number, number][] = [];
      peers.state.sink = sink;
      const started = performance.now();
      let status = 200;
      try {
        const result = await handler(event, context);
        status = (result as { statusCode?: number })?.statusCode ?? 200;
        return result;
      } catch (error) {
        status = 401;
        throw error;
      } finally {
        const handlerMs = performance.now() - started;
        peers.state.sink = undefined;
        if (counting) {
          const list = timings.get(name) ?? [];
          list.push({ handlerMs, peerMs: unionMs(sink), status });
          timings.set(name, list);
        }
      }
    };
  };
  // Its own emulator over the same functions and peers, the authorizer cache off so every request runs it.
  const emulator = await startApiGatewayEmulator({
    routes: Routes,
    adminKey: stack.adminKey,
    authorizerCacheTtlSeconds: 0,
    loadHandler: async (name) => (await load(name)) as unknown as ProxyHandler,
    loadAuthorizer: async () => (await load('authorizer')) as unknown as AuthorizerHandler,
  });
  const probes: Probe[] = [
    { name: 'health', method: 'GET', path: '/health' },
    { name: 'session', method: 'POST', path: '/v1/auth/session', body: '{}' },
    { name: 'me', method: 'GET', path: '/v1/me' },
    { name: 'profile', method: 'POST', path: '/v1/me/profile/sync', body: '{}' },
    { name: 'identifiers', method: 'POST', path: '/v1/me/identifiers/sync', body: '{}' },
    { name: 'registration', method: 'POST', path: '/v1/me/registration', body: '{}' },
    { name: 'admin', method: 'GET', path: '/v1/admin/brands', admin: true },
    {
      name: 'backchannel-logout',
      method: 'POST',
      path: `/v1/auth/backchannel-logout/${stack.brandId}`,
      body: 'logout_token=eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
    },
    { name: 'logout', method: 'POST', path: '/v1/auth/logout', body: '{}', freshToken: true },
    // The member API (issue 23): a read, the reward exchange (a new key each call) and the demo Neo API.
    { name: 'member', method: 'GET', path: '/v1/me/loyalty', token: memberToken },
    {
      name: 'reward-issue',
      method: 'POST',
      path: '/v1/me/rewards/5001/issue',
      body: '{}',
      token: memberToken,
      headers: () => ({ 'idempotency-key': `overhead-${performance.now()}-${Math.random()}` }),
    },
    { name: 'neo', method: 'POST', path: '/v1/me/neo/echo', body: '{"data":{}}', token: memberToken },
  ];
  try {
    const shared = await token();
    for (const probe of probes) {
      for (let i = 0; i < calls + 2; i++) {
        const bearer = probe.token ?? (probe.freshToken ? await token() : shared);
        counting = i >= 2;
        const headers: Record<string, string> = { 'content-type': 'application/json', ...probe.headers?.() };
        if (probe.admin) headers['x-admin-key'] = stack.adminKey;
        else headers.authorization = `Bearer ${bearer}`;
        if (probe.name === 'backchannel-logout') headers['content-type'] = 'application/x-www-form-urlencoded';
        const response = await fetch(`${emulator.url}${probe.path}`, {
          method: probe.method,
          headers,
          ...(probe.body ? { body: probe.body } : {}),
        });
        await response.arrayBuffer();
      }
    }
  } finally {
    await emulator.close();
    peers.restore();
  }
  const rows: Record<string, OverheadRow> = {};
  for (const [name, list] of timings) {
    rows[name] = {
      invocations: list.length,
      handlerMs: round2(median(list.map((t) => t.handlerMs))),
      peerMs: round2(median(list.map((t) => t.peerMs))),
      warmOverheadMs: round2(median(list.map((t) => t.handlerMs - t.peerMs))),
      statusCodes: countCodes(list.map((t) => t.status)),
    };
  }
  return rows;
}

/** Runs the session-link and load benchmarks on one local stack (in-memory data, quiet). */
export async function stackBench(quick: boolean) {
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/v1/me`;
  const stack = await startLocalStack({
    quiet: true,
    port: 0,
    ciamPort: 0,
    capillaryPort: 0,
    dynamoPort: 0,
    ssmPort: 0,
    playground: false,
  });
  try {
    // (4) session link: new users (first link: find/create in Capillary), then a returning user.
    const newUsers = quick ? 6 : 20;
    const fresh: { ms: number; status: number; calls: number }[] = [];
    let returningToken = '';
    let accounts = 0;
    // A fresh development-CIAM account (unique e-mail and mobile), signed in; not timed.
    const newAccountToken = async () => {
      const i = accounts++;
      const sub = `bench-new-${i}`;
      stack.ciam.accounts[sub] = {
        given_name: 'Bench',
        family_name: `User${i}`,
        name: `Bench User${i}`,
        email: `bench-new-${i}@bench.example`,
        email_verified: true,
        phone_number: `+9197${String(10_000_000 + i).padStart(8, '0')}`,
        phone_number_verified: true,
      };
      return (await loginWithCode(stack.ciam, stack.clients.app, sub)).accessToken;
    };
    for (let i = 0; i < newUsers; i++) {
      const accessToken = await newAccountToken();
      fresh.push(await postSession(stack, accessToken));
      returningToken = accessToken;
    }
    const returning: { ms: number; status: number; calls: number }[] = [];
    for (let i = 0; i < (quick ? 20 : 100); i++) returning.push(await postSession(stack, returningToken));

    // (5) load: a linked user's GET /v1/me, garbage tokens, and the bare server, same connections and duration.
    const duration = quick ? 2 : 10;
    const connections = 10;
    const headers = { authorization: `Bearer ${returningToken}` };
    const authorized = await autocannon({ url: `${stack.urls.gateway}/v1/me`, connections, duration, headers });
    const garbage = await autocannon({ url: `${stack.urls.gateway}/v1/me`, connections, duration, garbage: true });
    const health = await autocannon({ url: `${stack.urls.gateway}/health`, connections, duration });
    const bareRow = await autocannon({ url: bareUrl, connections, duration });

    // A member for the member API: signed in with the rewards:redeem scope and a second factor (the demo brand's
    // requirements on the exchange), linked, with points to spend and a write limit that a benchmark does not hit.
    await relaxMemberWriteLimit(stack);
    const memberSub = 'bench-member';
    stack.ciam.accounts[memberSub] = {
      given_name: 'Bench',
      family_name: 'Member',
      name: 'Bench Member',
      email: 'bench-member@bench.example',
      email_verified: true,
      phone_number: '+919799999999',
      phone_number_verified: true,
    };
    const memberToken = (
      await loginWithCode(
        stack.ciam,
        stack.clients.app,
        memberSub,
        `openid email phone profile loyalty:read ${REDEEM_SCOPE}`,
        {
          acrValues: 'mfa',
        },
      )
    ).accessToken;
    const memberSession = await fetch(`${stack.urls.gateway}/v1/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${memberToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    const memberCustomerId = ((await memberSession.json()) as { customerId: number }).customerId;
    stack.capillary.loyalty.credit(memberCustomerId, { points: 10_000_000 });

    // (5) every function's warm handler overhead, peers in this process; logout gets a fresh user each call.
    const functions = await functionOverhead(
      stack,
      async () => {
        const token = await newAccountToken();
        await postSession(stack, token);
        return token;
      },
      quick,
      memberToken,
    );

    // (4b) the same session links with LATENCY_MS on every Capillary call (after the load run, which it would
    // slow): the demo brand now points at a delaying proxy; the functions see it after their config TTL.
    const proxy = await startDelayProxy(stack.urls.capillary, LATENCY_MS);
    const latency = await (async () => {
      try {
        await repointCapillary(stack, proxy.url);
        await new Promise((r) => setTimeout(r, 2_100)); // the local stack's CONFIG_CACHE_TTL_SECONDS is 2
        const timed = async (token: string) => {
          const before = proxy.intervals.length;
          const r = await postSession(stack, token);
          return { ms: r.ms, status: r.status, calls: proxy.intervals.slice(before) };
        };
        const newRuns: { ms: number; status: number; calls: [number, number][] }[] = [];
        let last = '';
        for (let i = 0; i < (quick ? 3 : 12); i++) {
          last = await newAccountToken();
          newRuns.push(await timed(last));
        }
        const returningRuns: { ms: number; status: number; calls: [number, number][] }[] = [];
        for (let i = 0; i < (quick ? 5 : 20); i++) returningRuns.push(await timed(last));
        // (4c) the member API's routes with the same latency (issue 23).
        const memberApi = await memberBench({
          stack,
          intervals: proxy.intervals,
          latencyMs: LATENCY_MS,
          memberToken,
          quick,
        });
        return {
          newUser: latencyRow(newRuns, LATENCY_MS),
          returningUser: latencyRow(returningRuns, LATENCY_MS),
          memberApi,
        };
      } finally {
        await proxy.close();
      }
    })();
    return {
      session: {
        newUser: { ...sessionRow(fresh), ...withLatency(latency.newUser) },
        returningUser: { ...sessionRow(returning), ...withLatency(latency.returningUser) },
      },
      functions,
      memberApi: latency.memberApi,
      load: {
        ratioToBareServer: round2(authorized.requestsPerSec / bareRow.requestsPerSec),
        garbageRatioToBareServer: round2(garbage.requestsPerSec / bareRow.requestsPerSec),
        garbageToAuthorizedRequestsRatio: round2(garbage.requestsPerSec / authorized.requestsPerSec),
        healthRatioToBareServer: round2(health.requestsPerSec / bareRow.requestsPerSec),
        connections,
        durationSeconds: duration,
        rows: {
          'GET /v1/me (authorized)': authorized,
          'GET /v1/me (garbage token, 401)': garbage,
          'GET /health (no authorizer)': health,
          'bare node http 200': bareRow,
        },
      },
    };
  } finally {
    await stack.close();
    await new Promise<void>((r) => bare.close(() => r()));
  }
}
