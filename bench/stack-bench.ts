// The local-stack part of `npm run bench`: (4) post-auth session link for a returning and a new user
// (Capillary simulator round trips counted) and (5) load with autocannon on the emulated API Gateway for an
// authorized `GET /v1/me` and for 401s from garbage tokens, against a bare node http server answering 200
// in the same run. Everything listens on 127.0.0.1; autocannon runs in a child process so the load generator
// does not share the event loop it measures.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginWithCode } from '../local/dev-ciam.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';

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
    for (let i = 0; i < newUsers; i++) {
      const sub = `bench-new-${i}`;
      stack.ciam.accounts[sub] = {
        given_name: 'Bench',
        family_name: `User${i}`,
        name: `Bench User${i}`,
        email: `bench-new-${i}@bench.example`,
        email_verified: true,
        phone_number: `+91970000${String(1000 + i).padStart(4, '0')}`,
        phone_number_verified: true,
      };
      const { accessToken } = await loginWithCode(stack.ciam, stack.clients.app, sub);
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
    return {
      session: { newUser: sessionRow(fresh), returningUser: sessionRow(returning) },
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
