// Each deployed entry file (functions/*/index.ts) bundled as infra bundles it (esbuild, ESM, the require banner,
// the version define) and run in its own Node process with its real runtime, against the local stack's peers on
// loopback (dynalite, the SSM server, the development CIAM, the Capillary simulator): the metrics (EMF) and the
// audit lines each function writes to stdout are the ones docs/observability.md documents. The composition of
// the index.ts files is what this proves; the handlers' logic is tested elsewhere.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleDefines, ESM_REQUIRE_BANNER } from '../../infra/constructs/gateway-function.js';
import { repositoryRoot } from '../../infra/gateway-stack.js';
import { type LoginResult, loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

const entries = readdirSync(join(repositoryRoot, 'functions')).sort();
let stack: LocalStack;
let outDir: string;
let alice: LoginResult;

beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'ciam-bundled-'));
  const [started] = await Promise.all([
    startLocalStack({ quiet: true, playground: false, configCacheTtlSeconds: 0, log: () => {} }),
    build({
      entryPoints: Object.fromEntries(
        entries.map((name) => [name, join(repositoryRoot, 'functions', name, 'index.ts')]),
      ),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      format: 'esm',
      platform: 'node',
      // The Node that runs the test (the deployed bundle targets the Lambda runtime's).
      target: `node${process.versions.node.split('.')[0]}`,
      mainFields: ['module', 'main'],
      banner: { js: ESM_REQUIRE_BANNER },
      minify: true,
      define: bundleDefines(repositoryRoot),
      logLevel: 'silent',
    }),
  ]);
  stack = started;
  writeFileSync(join(outDir, 'run.mjs'), RUNNER);
  // The SPA is the demo brand's own client: its ID tokens are the brand's (profile and identifier syncs).
  alice = await loginWithCode(stack.ciam, stack.clients.spa, 'alice');
}, 120_000);
afterAll(async () => {
  await stack?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** Imports the bundle, invokes its handler once per event (one warm container), prints each result. */
const RUNNER = `
import { readFileSync } from 'node:fs';
const [bundle, eventsFile] = process.argv.slice(2);
const { handler } = await import(bundle);
const context = { awsRequestId: 'bundled-entry', functionName: 'bundled-entry', getRemainingTimeInMillis: () => 10000 };
for (const event of JSON.parse(readFileSync(eventsFile, 'utf8'))) {
  const result = await handler(event, context);
  process.stdout.write('\\n@@result ' + JSON.stringify(result ?? null) + '\\n');
}
`;

interface Invocation {
  results: Record<string, unknown>[];
  /** Names of the EMF metrics written, in order. */
  metrics: string[];
  /** `auditType` of the audit lines written, in order. */
  audits: string[];
  lines: Record<string, unknown>[];
}

/** Runs functions/<name>/index.ts as bundled, with the stack's function environment, on `events` in order. */
async function invoke(name: string, events: unknown[]): Promise<Invocation> {
  const eventsFile = join(outDir, `${name}-${Date.now()}.json`);
  writeFileSync(eventsFile, JSON.stringify(events));
  const env = { ...stack.env, PATH: process.env.PATH ?? '', LOG_LEVEL: 'INFO', POWERTOOLS_DEV: 'false' };
  // The stack is quiet for this test file's own process; the functions under test speak.
  delete (env as Record<string, string>).AWS_LAMBDA_LOG_LEVEL;
  delete (env as Record<string, string>).POWERTOOLS_METRICS_DISABLED;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      [join(outDir, 'run.mjs'), join(outDir, `${name}.mjs`), eventsFile],
      { env, maxBuffer: 16 * 1024 * 1024, timeout: 25_000 },
      (error, out, err) => (error ? reject(new Error(`${name}: ${error.message}\n${err}`)) : resolve(out)),
    );
  });
  const results: Record<string, unknown>[] = [];
  const lines: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    if (line.startsWith('@@result ')) results.push(JSON.parse(line.slice(9)) as Record<string, unknown>);
    else if (line.startsWith('{')) lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  const metrics = lines.flatMap((line) => {
    const aws = line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
    return aws?.CloudWatchMetrics?.flatMap((set) => set.Metrics.map((metric) => metric.Name)) ?? [];
  });
  const audits = lines.filter((line) => line.audit === true).map((line) => String(line.auditType));
  return { results, metrics, audits, lines };
}

function template(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repositoryRoot, 'events', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** The event of events/<name>.json with the real tokens of `login` in place of its placeholders. */
function eventOf(name: string, login: LoginResult): Record<string, unknown> {
  const text = JSON.stringify(template(name))
    .replaceAll('REPLACE_WITH_ACCESS_TOKEN', login.accessToken)
    .replaceAll('REPLACE_WITH_ID_TOKEN', login.idToken);
  return JSON.parse(text) as Record<string, unknown>;
}

interface Decision {
  principalId: string;
  context: Record<string, unknown>;
}
/** The bundled authorizer's answers by access token (as API Gateway caches them). */
const decisions: Record<string, Decision> = {};

/** What API Gateway hands a proxied function after the bundled authorizer allowed `login`'s access token. */
async function authorized(name: string, login: LoginResult) {
  decisions[login.accessToken] ??= (await invoke('authorizer', [eventOf('authorizer', login)]))
    .results[0] as unknown as Decision;
  const result = decisions[login.accessToken] as Decision;
  const event = eventOf(name, login);
  const headers = { ...(event.headers as Record<string, string>), Authorization: `Bearer ${login.accessToken}` };
  return {
    ...event,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
    requestContext: {
      ...(event.requestContext as Record<string, unknown>),
      authorizer: { ...result.context, principalId: result.principalId },
    },
  };
}

/** Every entry, with what one representative invocation of it must write (metrics and audit types). */
const EXPECTED: Record<string, { status: number; metrics: string[]; audits: string[] }> = {
  admin: { status: 200, metrics: ['BrandChange'], audits: ['brand.change'] },
  authorizer: { status: 0, metrics: ['AuthzDecision', 'AuthzRefused'], audits: ['authz.decision'] },
  'backchannel-logout': { status: 400, metrics: ['Logout'], audits: ['logout'] },
  health: { status: 200, metrics: [], audits: [] },
  identifiers: { status: 200, metrics: ['CapillaryLatency'], audits: [] },
  logout: { status: 204, metrics: ['Logout'], audits: ['logout'] },
  me: { status: 200, metrics: ['CapillaryLatency', 'CapillaryFailure'], audits: [] },
  member: { status: 200, metrics: ['MemberApiRequest', 'MemberApiLatency', 'CapillaryLatency'], audits: [] },
  neo: { status: 200, metrics: ['MemberWrite', 'MemberApiRequest', 'MemberApiLatency'], audits: ['member.write'] },
  profile: { status: 200, metrics: ['CapillaryLatency'], audits: [] },
  registration: { status: 201, metrics: ['InstoreRegistration'], audits: ['instore.registration'] },
  // The demo login lacks the rewards:redeem scope: the refusal is what this invocation writes.
  'reward-issue': { status: 403, metrics: ['MemberRefusal', 'MemberApiRequest'], audits: ['member.refusal'] },
  session: { status: 201, metrics: ['SessionLink', 'CapillaryLatency'], audits: ['session.link'] },
};

describe('the deployed entry files, as bundled, with their real runtime', () => {
  it('has an expectation for every function entry', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(entries);
  });

  it('admin: a brand save writes the brand.change audit line and its BrandChange metric', async () => {
    // Arrange: the saved demo brand, renamed.
    const url = `${stack.urls.gateway}/v1/admin/brands/${stack.brandId}`;
    const current = (await (await fetch(url, { headers: { 'x-admin-key': stack.adminKey } })).json()) as Record<
      string,
      unknown
    >;
    const headers = { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' };
    const event = {
      ...template('admin'),
      httpMethod: 'PUT',
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([key, value]) => [key, [value]])),
      body: JSON.stringify({ ...current, brandName: 'Demo Coffee (bundled)' }),
    };

    // Act
    const run = await invoke('admin', [event]);

    // Assert
    expectWritten(run, 'admin');
  });

  it('authorizer: a decision writes the authz.decision audit line and the AuthzDecision metric', async () => {
    // Act
    const run = await invoke('authorizer', [eventOf('authorizer', alice)]);

    // Assert
    expect(run.results[0]).toMatchObject({
      principalId: expect.stringContaining('|'),
      policyDocument: { Statement: [{ Effect: 'Allow' }] },
    });
    expect(run.audits).toEqual(EXPECTED.authorizer?.audits);
    expect(run.metrics).toEqual(expect.arrayContaining(EXPECTED.authorizer?.metrics ?? []));
  });

  it('backchannel-logout: a refused logout token writes the logout audit line and the Logout metric', async () => {
    // Act
    const run = await invoke('backchannel-logout', [template('backchannel-logout')]);

    // Assert
    expectWritten(run, 'backchannel-logout');
  });

  it('health: answers 200 and writes no audit line', async () => {
    // Act
    const run = await invoke('health', [template('health')]);

    // Assert
    expectWritten(run, 'health');
  });

  // In the order a member's app calls them: the session links the customer the others read and write.
  it.each(['session', 'me', 'profile', 'identifiers', 'registration', 'member', 'neo', 'reward-issue', 'logout'])(
    '%s: behind the bundled authorizer, writes its documented metrics and audit lines',
    async (name) => {
      // Act
      const run = await invoke(name, [await authorized(name, alice)]);

      // Assert
      expectWritten(run, name);
    },
  );
});

function expectWritten(run: Invocation, name: string): void {
  const expected = EXPECTED[name];
  expect(run.results[0], JSON.stringify(run.lines.filter((line) => line.level === 'ERROR'))).toMatchObject({
    statusCode: expected?.status,
  });
  expect(run.audits).toEqual(expected?.audits);
  expect(run.metrics).toEqual(expect.arrayContaining(expected?.metrics ?? []));
}
