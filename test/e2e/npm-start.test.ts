// `npm start` as a newcomer runs it: spawned on free ports with a temporary data folder, it prints a ready
// line, answers /health, hands `npm run token` a working client, keeps its data across a restart, and
// stops cleanly on Ctrl-C (SIGINT to its process group, as a terminal sends it).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const READY = /ciam-gateway local stack ready on (http:\/\/127\.0\.0\.1:\d+)/;
const run = promisify(execFile);

/**
 * This file's own ports, below the kernel's ephemeral range (32768+ by default): no port-0 listener or outgoing
 * connection of another test can be handed one, so they stay free between the probe and npm start's listen and
 * across the restart, which a just-freed ephemeral port did not guarantee. The only other fixed ports of the suite
 * are the README's 3000-3002 (test/e2e/readme-quickstart.test.ts).
 */
const PORTS = { gateway: 3110, ciam: 3111, capillary: 3112, dynamodb: 3113, ssm: 3114 } as const;
/** A second start's ports, also below the ephemeral range. */
const OTHER_PORTS = { gateway: 3115, ciam: 3116, capillary: 3117, dynamodb: 3118, ssm: 3119 } as const;

interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when npm and everything it started have exited (their output pipe closed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startNpm(env: NodeJS.ProcessEnv): Promise<Started> {
  const child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const npmExit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('exit', (code, signal) => done({ code, signal })),
  );
  const closed = new Promise<void>((done) => child.stdout?.on('close', () => done()));
  const exited = Promise.all([npmExit, closed]).then(([status]) => status);
  return new Promise((done, fail) => {
    let ready = false;
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const match = READY.exec(output);
      if (match?.[1] && !ready) {
        ready = true;
        done({ child, url: match[1], output: () => output, exited });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    exited.then((status) =>
      fail(new Error(`npm start exited (${JSON.stringify(status)}) before the ready line:\n${output}`)),
    );
  });
}

/** `npm start` that must refuse to start: its exit code and everything it printed. */
function refusedStart(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((done) => child.on('close', (code) => done({ code, output })));
}

/** Ctrl-C: SIGINT to the whole process group; true when the stack shut down cleanly. */
async function stop(started: Started): Promise<boolean> {
  if (started.child.pid === undefined) throw new Error('no pid');
  process.kill(-started.child.pid, 'SIGINT');
  const { code, signal } = await started.exited;
  // npm itself re-raises the SIGINT its script got, as with any npm script; the stack's own exit is the line.
  return (code === 0 || signal === 'SIGINT') && /local stack stopped\s*$/.test(started.output());
}

describe('npm start', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'npm-start-'));
    env = {
      ...process.env,
      PORT: String(PORTS.gateway),
      CIAM_PORT: String(PORTS.ciam),
      CAPILLARY_PORT: String(PORTS.capillary),
      DYNAMODB_PORT: String(PORTS.dynamodb),
      SSM_PORT: String(PORTS.ssm),
      LOCAL_DATA_DIR: dataDir,
      LOCAL_ADMIN_KEY: 'npm-start-test-admin-key',
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    delete env.NODE_OPTIONS;
    delete env.VITEST;
  });

  afterAll(async () => {
    const child = running?.child;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      // Only when the test failed half-way: do not leave the stack running.
      process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, serves /health, issues tokens, keeps data across a restart and stops cleanly on SIGINT', async () => {
    // Arrange / Act: first start
    running = await startNpm(env);
    const first = running;
    const health = await fetch(`${first.url}/health`);
    const { stdout: token } = await run('npm', ['run', '-s', 'token', '--', '--user', 'bob'], { cwd: ROOT, env });
    const accessToken = token.trim();
    const linked = await fetch(`${first.url}/v1/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    const brandBefore = (await (
      await fetch(`${first.url}/v1/admin/brands/demo`, { headers: { 'x-admin-key': 'npm-start-test-admin-key' } })
    ).json()) as { version: number };
    const simConfig = async () =>
      ((await (await fetch(`http://127.0.0.1:${env.CAPILLARY_PORT}/__sim/config`)).json()) as { cuidLookup: string })
        .cuidLookup;
    const firstCuidLookup = await simConfig();
    // A second npm start while the first runs: the same data folder on other ports, then another folder on a taken port.
    const otherPorts = {
      PORT: String(OTHER_PORTS.gateway),
      CIAM_PORT: String(OTHER_PORTS.ciam),
      CAPILLARY_PORT: String(OTHER_PORTS.capillary),
      DYNAMODB_PORT: String(OTHER_PORTS.dynamodb),
      SSM_PORT: String(OTHER_PORTS.ssm),
    };
    const sameFolder = await refusedStart({ ...env, ...otherPorts });
    const otherDir = mkdtempSync(join(tmpdir(), 'npm-start-other-'));
    const takenPort = await refusedStart({ ...env, ...otherPorts, CIAM_PORT: env.CIAM_PORT, LOCAL_DATA_DIR: otherDir });
    rmSync(otherDir, { recursive: true, force: true });
    const firstExit = await stop(first);

    // Assert: first run
    expect(first.url).toBe(`http://127.0.0.1:${env.PORT}`);
    expect(first.output()).toContain('npm-start-test-admin-key');
    // Quiet, honest start-up: no provider warning a newcomer cannot act on (in-memory adapter, runtime).
    expect(first.output()).not.toContain('oidc-provider');
    expect(health.status).toBe(200);
    expect(accessToken.split('.')).toHaveLength(3);
    expect(linked.status).toBe(200);
    // The simulated org reads the published reference strictly unless told otherwise.
    expect(firstCuidLookup).toBe('documented');
    expect(await linked.json()).toMatchObject({ cuid: 'bob', status: 'linked' });
    expect(firstExit).toBe(true);
    // One readable line per API request.
    expect(first.output()).toMatch(/^GET \/health 200 \d+ ms$/m);
    expect(first.output()).toMatch(/^POST \/v1\/auth\/session 200 \d+ ms brand=demo$/m);
    // Kind refusals: the locked data folder and the taken port, each saying what to change.
    expect(sameFolder.code).toBe(1);
    expect(sameFolder.output).toContain(`The data folder ${dataDir} is in use by another local stack`);
    expect(sameFolder.output).toContain('another LOCAL_DATA_DIR');
    expect(sameFolder.output).not.toContain('Database is closed');
    expect(takenPort.code).toBe(1);
    expect(takenPort.output).toContain(`Port ${env.CIAM_PORT} (the development CIAM) is already in use`);
    expect(takenPort.output).toContain('CIAM_PORT=<a free port>');
    const devClients = JSON.parse(readFileSync(join(dataDir, 'dev-clients.json'), 'utf8')) as Record<string, unknown>;
    expect(devClients).toMatchObject({ brandId: 'demo', clients: { app: { clientId: 'demo-app' } } });

    // Act: second start on the same data folder, the simulated org answering the cuid lookup
    // Quiet (and no log level of its own): the request lines, none of the functions' JSON lines.
    const { POWERTOOLS_LOG_LEVEL: _level, ...quietEnv } = env;
    running = await startNpm({ ...quietEnv, CAPILLARY_SIM_CUID_LOOKUP: 'permissive', LOCAL_QUIET: '1' });
    const second = running;
    const secondCuidLookup = await simConfig();
    const me = await fetch(`${second.url}/v1/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    const brandAfter = (await (
      await fetch(`${second.url}/v1/admin/brands/demo`, { headers: { 'x-admin-key': 'npm-start-test-admin-key' } })
    ).json()) as { version: number };
    const secondExit = await stop(second);

    // Assert: the link, the CIAM keys and the brand survived; the brand was not re-saved
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ cuid: 'bob', customerId: 1000 });
    expect(brandAfter.version).toBe(brandBefore.version);
    expect(secondCuidLookup).toBe('permissive');
    expect(second.output()).toMatch(/^GET \/v1\/me 200 \d+ ms brand=demo$/m);
    expect(second.output()).not.toContain('"level"');
    expect(first.output()).toContain('"level"');
    expect(secondExit).toBe(true);
    await expect(fetch(`${second.url}/health`)).rejects.toThrow();
  }, 120_000);
});
