// `node --import tsx scripts/log-bytes.ts` (in its own network namespace, as any command that starts servers):
// the CloudWatch Logs bytes one request writes, for docs/deploy.md's cost model. It runs the local stack (the
// functions' own handlers, production loggers and metrics at INFO, as prod's logLevel, against the Capillary
// simulator, dynalite and the development CIAM) and counts what the functions write to stdout and stderr, which
// Lambda sends to CloudWatch Logs, line by line, per request:
//   - a first sign-in (POST /v1/auth/session of a new member: find, create and link in Capillary), its uncached
//     authorizer decision included;
//   - a returning sign-in (the member already linked);
//   - a member API read (GET /v1/me/loyalty, the authorizer's answer cached as API Gateway caches it);
// and renders the stage's access log format (infra/constructs/gateway-api.ts ACCESS_LOG_FIELDS) with representative
// values. CloudWatch bills each event's bytes plus 26 bytes of it (the "billed" column).
// The logger's Lambda context is rewritten to the prod function's names and memory size (asDeployed).
// BENCH_QUICK=1 runs fewer requests; LOG_BYTES_SHOW=1 prints each counted line. Lambda's own START/END/REPORT lines are not counted (about 300 bytes per
// invocation, written whatever the code does).
import { ACCESS_LOG_FIELDS } from '../infra/constructs/gateway-api.js';
import { loginWithCode } from '../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../local/stack.js';

const QUICK = process.env.BENCH_QUICK === '1';
/** CloudWatch Logs counts 26 bytes per event beside its message. */
const EVENT_OVERHEAD_BYTES = 26;

interface Written {
  bytes: number;
  lines: number;
  /** Billed bytes (line bytes + the per-event overhead) by the `service` field of the line. */
  byService: Record<string, number>;
}

/**
 * The line as the deployed function writes it: the logger's Lambda context names the prod function and its `live`
 * alias (the local stack's names are shorter, about 50 bytes a line).
 */
function asDeployed(line: string): string {
  return line
    .replace(
      /"function_arn":"arn:aws:lambda:local:000000000000:function:([a-z-]+)"/,
      '"function_arn":"arn:aws:lambda:eu-west-1:123456789012:function:ciam-gateway-prod-$1:live"',
    )
    .replace(/"function_name":"([a-z-]+)"/, '"function_name":"ciam-gateway-prod-$1"')
    .replace(/"function_memory_size":"\d+"/, '"function_memory_size":"1024"');
}

/** Counts every line written to stdout and stderr while `work` runs (and a moment after, for late lines). */
async function captureWrites(work: () => Promise<void>): Promise<Written> {
  const written: Written = { bytes: 0, lines: 0, byService: {} };
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((stream) => stream.write.bind(stream));
  const record = (chunk: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8');
    for (const raw of text.split('\n')) {
      if (raw.length === 0) continue;
      const line = asDeployed(raw);
      const bytes = Buffer.byteLength(line);
      if (process.env.LOG_BYTES_SHOW === '1') originals[0]?.(`  [${bytes}] ${line}\n`);
      written.bytes += bytes;
      written.lines += 1;
      let service = 'other';
      try {
        service = String((JSON.parse(line) as { service?: unknown }).service ?? 'other');
      } catch {
        // a plain-text line
      }
      written.byService[service] = (written.byService[service] ?? 0) + bytes + EVENT_OVERHEAD_BYTES;
    }
  };
  for (const stream of streams) {
    stream.write = ((chunk: unknown) => {
      record(chunk);
      return true;
    }) as typeof stream.write;
  }
  try {
    await work();
    await new Promise((resolve) => setTimeout(resolve, 100));
  } finally {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  }
  return written;
}

async function call(stack: LocalStack, method: string, path: string, accessToken: string): Promise<number> {
  const response = await fetch(`${stack.urls.gateway}${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    ...(method === 'POST' ? { body: '{}' } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The mean of `samples`, with the services' shares. */
function summarize(samples: Written[]) {
  const mean = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  const services = [...new Set(samples.flatMap((s) => Object.keys(s.byService)))].sort();
  return {
    requests: samples.length,
    bytes: mean(samples.map((s) => s.bytes)),
    lines: mean(samples.map((s) => s.lines)),
    billedBytes: mean(samples.map((s) => s.bytes + EVENT_OVERHEAD_BYTES * s.lines)),
    byService: Object.fromEntries(services.map((name) => [name, mean(samples.map((s) => s.byService[name] ?? 0))])),
  };
}

/** The access log format rendered with representative values of a member's authorized GET. */
function renderAccessLogLine(): string {
  const values: Record<string, string> = {
    '$context.requestId': '6b1f0c4e-3a9d-4e8b-9c1a-5f2d7e8a9b0c',
    '$context.extendedRequestId': 'Qw3rTyUiOpAsDfG=',
    '$context.requestTimeEpoch': '1796449291348',
    '$context.stage': 'prod',
    '$context.identity.sourceIp': '203.0.113.45',
    // A typical app's user agent (okhttp and CFNetwork ones are shorter, browsers' about this long).
    '$context.identity.userAgent':
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
    '$context.httpMethod': 'GET',
    '$context.resourcePath': '/v1/me/loyalty',
    '$context.path': '/v1/me/loyalty',
    '$context.status': '200',
    '$context.responseLength': '412',
    '$context.responseLatency': '87',
    '$context.integrationLatency': '81',
    '$context.integration.status': '200',
    // brandId|keyed subject hash (shared/auth/authorize-request.ts).
    '$context.authorizer.principalId': 'demo-brand|3f9a1c0b7d2e4f68',
    '$context.authorizer.brandId': 'demo-brand',
    '$context.authorizer.principalType': 'member',
    // API Gateway writes `-` for a variable without a value.
    '$context.authorizer.revoked': '-',
    '$context.authorizer.status': '200',
    '$context.authorizer.latency': '0',
    '$context.authorizer.error': '-',
    '$context.identity.userArn': '-',
    '$context.error.responseType': '-',
    '$context.error.message': '-',
    '$context.waf.status': '200',
  };
  let line = JSON.stringify(ACCESS_LOG_FIELDS);
  for (const variable of Object.values(ACCESS_LOG_FIELDS)) {
    const value = values[variable];
    if (value === undefined) throw new Error(`no representative value for ${variable}`);
    line = line.replace(variable, value);
  }
  return line;
}

async function main() {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // Not `quiet`: that also turns the metrics off. The stack's own lines go nowhere instead.
  const stack = await startLocalStack({
    log: () => undefined,
    port: 0,
    ciamPort: 0,
    capillaryPort: 0,
    dynamoPort: 0,
    ssmPort: 0,
    playground: false,
    configCacheTtlSeconds: 60,
  });
  try {
    const runs = QUICK ? 5 : 20;
    const firstSignIns: Written[] = [];
    const returningSignIns: Written[] = [];
    const memberReads: Written[] = [];
    for (let i = 0; i < runs; i++) {
      const sub = `log-bytes-${i}`;
      stack.ciam.accounts[sub] = {
        given_name: 'Log',
        family_name: `Bytes${i}`,
        name: `Log Bytes${i}`,
        email: `log-bytes-${i}@bench.example`,
        email_verified: true,
        phone_number: `+9198${String(10_000_000 + i).padStart(8, '0')}`,
        phone_number_verified: true,
      };
      const { accessToken } = await loginWithCode(stack.ciam, stack.clients.app, sub);
      const expect = (status: number, wanted: number, what: string) => {
        if (status !== wanted) throw new Error(`${what} answered ${status}, not ${wanted}`);
      };
      firstSignIns.push(
        await captureWrites(async () =>
          expect(await call(stack, 'POST', '/v1/auth/session', accessToken), 201, 'sign-in'),
        ),
      );
      returningSignIns.push(
        await captureWrites(async () => {
          const status = await call(stack, 'POST', '/v1/auth/session', accessToken);
          if (status !== 200 && status !== 201) throw new Error(`returning sign-in answered ${status}`);
        }),
      );
      memberReads.push(
        await captureWrites(async () => expect(await call(stack, 'GET', '/v1/me/loyalty', accessToken), 200, 'read')),
      );
    }
    const access = renderAccessLogLine();
    const accessBilled = Buffer.byteLength(access) + EVENT_OVERHEAD_BYTES;
    const first = summarize(firstSignIns);
    const returning = summarize(returningSignIns);
    const read = summarize(memberReads);
    // An uncached authorizer decision: the first sign-in's (each of its tokens was new).
    const decision = first.byService.authorizer ?? 0;
    const result = {
      measured: { firstSignIn: first, returningSignIn: returning, memberRead: read },
      accessLogLine: { bytes: Buffer.byteLength(access), billedBytes: accessBilled },
      // What one request costs in billed log bytes, its access log line included. A returning member signs in
      // with a new token, so its authorizer decision is uncached (measured here with a cached one: added).
      billedPerRequest: {
        uncachedDecision: decision,
        firstSignIn: first.billedBytes + accessBilled,
        returningSignIn: returning.billedBytes + decision + accessBilled,
        memberReadCached: read.billedBytes + accessBilled,
      },
    };
    console.log(JSON.stringify(result, null, 2));
    console.log(`access log line (${result.accessLogLine.bytes} bytes):\n${access}`);
  } finally {
    await stack.close();
  }
}

await main();
