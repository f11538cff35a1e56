// The README's brand commands and docs/local-stack.md's curl session, run verbatim (as a shell in a second
// terminal would, from the repository root) against a started local stack. The local example and the curl
// session name the default ports of the gateway, the development CIAM and the Capillary simulator, so this
// stack takes exactly those three; the tools find the admin key and the rest in LOCAL_DATA_DIR.
import { exec, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, type LocalStack, startLocalStack } from '../../local/stack.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** Every `npm run brand` line of the README's shell blocks, comments left off. */
function readmeBrandCommands(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('npm run brand -- ') && !line.includes('<'));
}

function shell(command: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    exec(command, { cwd: ROOT, env }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['-c', script], { cwd: ROOT, env }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('the documented quickstart: README brand commands and the curl session', () => {
  let dataDir: string;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'readme-quickstart-'));
    stack = await startLocalStack({
      quiet: true,
      dataDir,
      playground: false,
      port: DEFAULT_PORTS.gateway,
      ciamPort: DEFAULT_PORTS.ciam,
      capillaryPort: DEFAULT_PORTS.capillary,
    });
    // A new terminal: nothing but LOCAL_DATA_DIR tells the tools where the stack is.
    const { CIAM_GATEWAY_URL: _url, LOCAL_ADMIN_KEY: _key, ...rest } = process.env;
    env = { ...rest, LOCAL_DATA_DIR: dataDir };
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the offline check, the local validate, put and get', () => {
    expect(readmeBrandCommands()).toEqual([
      'npm run brand -- validate --offline --stage dev --file brand.example.json',
      'npm run brand -- validate --file brand.local.example.json',
      'npm run brand -- put --file brand.local.example.json',
      'npm run brand -- get demo-local',
    ]);
  });

  it('every one succeeds as written, and the brand is saved', async () => {
    // Act
    const results: { command: string; code: number; stdout: string; stderr: string }[] = [];
    for (const command of readmeBrandCommands()) results.push({ command, ...(await shell(command, env)) });

    // Assert
    for (const result of results) expect(result, result.command).toMatchObject({ code: 0 });
    const [offline, validate, put, get] = results.map((result) => result.stdout);
    expect(offline).toContain('"offline": true');
    expect(validate).toContain('"valid": true');
    expect(put).toContain('"version": 1');
    expect(get).toContain('"brandId": "demo-local"');
    const listed = await fetch(`${stack.urls.gateway}/v1/admin/brands/demo-local`, {
      headers: { 'x-admin-key': stack.adminKey },
    });
    expect(listed.status).toBe(200);
  }, 120_000);

  it('the curl session of docs/local-stack.md works pasted into a new terminal', async () => {
    // Arrange
    const doc = readFileSync(join(ROOT, 'docs', 'local-stack.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## A complete curl session'));
    const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

    // Act
    const result = await bash(`set -e\n${script}`, env);

    // Assert: each step's answer, in order
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const marks = [
      '"status":"ok"',
      '"code":"UNAUTHORIZED"',
      '"status":"created"',
      'x-local-authorizer-cache: hit',
      '"status":"updated"',
      '"identifierChangePending":false',
      '"status":"changed"',
      '204',
      '"code":"TOKEN_REVOKED"',
      '"brands":[',
      '"brandId":"demo"',
    ];
    let at = 0;
    for (const mark of marks) {
      const found = result.stdout.indexOf(mark, at);
      expect(found, `${mark} after offset ${at} in:\n${result.stdout}`).toBeGreaterThan(-1);
      at = found;
    }
  }, 120_000);

  it('the seeded demo brand still gets its own tokens after demo-local is saved', async () => {
    // Act: the token tool, in the same fresh terminal
    const token = await shell('npm run -s token -- --user alice', env);
    const session = await fetch(`${stack.urls.gateway}/v1/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.stdout.trim()}`, 'content-type': 'application/json' },
      body: '{}',
    });

    // Assert
    expect(token.code).toBe(0);
    expect(session.status).toBeLessThan(300);
    expect(JSON.parse(session.headers.get('x-local-authorizer-context') ?? '{}')).toMatchObject({ brandId: 'demo' });
  }, 60_000);

  it('the Capillary simulator control examples of docs/local-stack.md work as written', async () => {
    // Arrange
    const doc = readFileSync(join(ROOT, 'docs', 'local-stack.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Capillary simulator control routes'));
    const script = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';

    // Act
    const result = await bash(`set -e\n${script}`, env);

    // Assert: customers listed, a member seeded, four faults added then cleared, everything reset
    expect(result).toMatchObject({ code: 0, stderr: '' });
    for (const mark of [
      '"customers":[',
      '"count":',
      '"firstName":"Eve"',
      '{"faults":1}',
      '{"faults":3}',
      '{"faults":0}',
    ]) {
      expect(result.stdout, mark).toContain(mark);
    }
    expect(stack.capillary.customers()).toEqual([]);
  });
});
