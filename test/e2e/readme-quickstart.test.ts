// The README's brand commands, run verbatim (as a shell would, from the repository root) against a started
// local stack. The local example names the development CIAM and the Capillary simulator on their default
// ports, so this stack takes exactly those two; the tools find the gateway and admin key in LOCAL_DATA_DIR.
import { exec } from 'node:child_process';
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

describe('the README quickstart brand commands', () => {
  let dataDir: string;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'readme-quickstart-'));
    stack = await startLocalStack({
      quiet: true,
      dataDir,
      playground: false,
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
});
