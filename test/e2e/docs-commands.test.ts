// Every command block of what a newcomer reads first (README.md, docs/local-stack.md, docs/brand-admin.md, and the
// provider walkthrough of docs/providers.md), run verbatim in a fresh shell from the repository root against a
// started local stack on the default ports, as a second terminal would run them (only LOCAL_DATA_DIR set). A block
// that cannot run here says why in a `<!-- not run by test/e2e/docs-commands.test.ts: ... -->` comment right above
// it; any other block that fails, fails CI, so a stale command cannot stay in the docs.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PORTS, type LocalStack, startLocalStack } from '../../local/stack.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DOCUMENTS = ['README.md', 'docs/local-stack.md', 'docs/brand-admin.md', 'docs/providers.md'] as const;
const NOT_RUN = /<!-- not run by test\/e2e\/docs-commands\.test\.ts: (.+?) -->\s*$/;
/** Files a block writes in the repository folder (removed after the run if a block failed half-way). */
const SCRATCH = ['my-brand.json', 'my-shop.json', 'my-ciam.mjs'];

interface Block {
  document: string;
  /** The heading the block sits under. */
  section: string;
  script: string;
  /** Why it is not run, from the comment above it. */
  notRun?: string;
}

/** Every ```sh block of a document, with its section and its not-run reason. */
function shellBlocks(document: string): Block[] {
  const lines = readFileSync(join(ROOT, document), 'utf8').split('\n');
  const blocks: Block[] = [];
  let section = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (/^#{1,4} /.test(line)) section = line.replace(/^#+ /, '');
    if (line.trim() !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    const reason = NOT_RUN.exec(lines[i - 1] ?? '')?.[1];
    blocks.push({
      document,
      section,
      script: lines.slice(i + 1, end).join('\n'),
      ...(reason ? { notRun: reason } : {}),
    });
    i = end;
  }
  return blocks;
}

/** Runs a block in bash (set -e) in its own process group, which is killed afterwards (a background CIAM). */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `set -e\n${script}`], { cwd: ROOT, env, detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('close', (code) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group has ended already.
      }
      done({ code: code ?? 1, stdout, stderr });
    });
  });
}

const ALL = DOCUMENTS.flatMap(shellBlocks);

describe('the command blocks of README.md, docs/local-stack.md, docs/brand-admin.md and docs/providers.md', () => {
  let dataDir: string;
  let stack: LocalStack;
  let env: NodeJS.ProcessEnv;
  const outputs = new Map<Block, { code: number; stdout: string; stderr: string }>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'docs-commands-'));
    // The blocks name the gateway, the development CIAM and the simulator on their default ports.
    stack = await startLocalStack({
      quiet: true,
      dataDir,
      playground: false,
      port: DEFAULT_PORTS.gateway,
      ciamPort: DEFAULT_PORTS.ciam,
      capillaryPort: DEFAULT_PORTS.capillary,
    });
    // A new terminal: nothing but LOCAL_DATA_DIR tells the tools where the stack is.
    const {
      CIAM_GATEWAY_URL: _url,
      LOCAL_ADMIN_KEY: _key,
      NODE_OPTIONS: _options,
      VITEST: _vitest,
      ...rest
    } = process.env;
    env = { ...rest, LOCAL_DATA_DIR: dataDir };
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
    for (const file of SCRATCH) rmSync(join(ROOT, file), { force: true });
  });

  it('finds the blocks, and each block it does not run says why', () => {
    expect(ALL.filter((block) => !block.notRun).length).toBeGreaterThanOrEqual(6);
    for (const block of ALL.filter((item) => item.notRun))
      expect(block.notRun?.length, block.script).toBeGreaterThan(10);
    // The blocks the guide promises to run are run.
    const run = ALL.filter((block) => !block.notRun).map((block) => `${block.document} / ${block.section}`);
    expect(run).toEqual(
      expect.arrayContaining([
        'README.md / Configuration reference',
        'docs/local-stack.md / A complete curl session',
        'docs/brand-admin.md / Quickstart',
        'docs/providers.md / Bring your own provider, locally',
      ]),
    );
  });

  it('every other block succeeds as written, in document order', async () => {
    for (const block of ALL.filter((item) => !item.notRun)) {
      const result = await bash(block.script, env);
      outputs.set(block, result);
      expect(result, `${block.document} / ${block.section}:\n${block.script}\n${result.stderr}`).toMatchObject({
        code: 0,
      });
    }
    // Nothing a block writes in the repository folder is left behind.
    for (const file of SCRATCH) expect(existsSync(join(ROOT, file)), file).toBe(false);
  }, 240_000);

  const output = (document: string, section: string) => {
    const entry = [...outputs.entries()].find(([block]) => block.document === document && block.section === section);
    return entry?.[1].stdout ?? '';
  };

  it('README: the offline check, the local validate, put, get and the doctor of demo-local', () => {
    const out = output('README.md', 'Configuration reference');
    for (const mark of [
      '"offline": true',
      '"valid": true',
      '"version": 1',
      '"brandId": "demo-local"',
      'Brand doctor: demo-local',
    ]) {
      expect(out, mark).toContain(mark);
    }
  });

  it("local-stack.md: the curl session's answers in order, the simulator control routes, the CIAM user changes", () => {
    const session = output('docs/local-stack.md', 'A complete curl session');
    const marks = [
      '"status":"ok"',
      '"code":"UNAUTHORIZED"',
      '"status":"created"',
      'x-local-authorizer-cache: hit',
      'x-local-authorizer-reason: ALLOWED',
      '"status":"updated"',
      '"identifierChangePending":false',
      '"status":"changed"',
      '204',
      '"code":"TOKEN_REVOKED"',
      'verdict  revoked: TOKEN_REVOKED',
      '"brands":[',
      '"brandId":"demo"',
    ];
    let at = 0;
    for (const mark of marks) {
      const found = session.indexOf(mark, at);
      expect(found, `${mark} after offset ${at} in:\n${session}`).toBeGreaterThan(-1);
      at = found;
    }
    const control = output('docs/local-stack.md', 'Capillary simulator control routes');
    for (const mark of [
      '"customers":[',
      '"count":',
      '"firstName":"Eve"',
      '{"faults":1}',
      '{"faults":3}',
      '{"faults":0}',
    ]) {
      expect(control, mark).toContain(mark);
    }
    expect(output('docs/local-stack.md', 'Changing a user at the development CIAM')).toContain('Carolina');
  });

  it("brand-admin.md's quickstart: created, read back as JSON, updated, checked and deleted", () => {
    const out = output('docs/brand-admin.md', 'Quickstart');
    for (const mark of [
      'wrote my-brand.json',
      '"valid": true',
      '"version": 2',
      'Brand doctor: my-brand',
      '"deleted"',
    ]) {
      expect(out, mark).toContain(mark);
    }
  });

  it("providers.md's walkthrough ends in a first linked session of the developer's own provider", async () => {
    const out = output('docs/providers.md', 'Bring your own provider, locally');
    expect(out).toMatch(/"cuid":"ann","status":"created"/);
    expect(out).toContain('PASS  First session (dry run): linked');
    const saved = await fetch(`${stack.urls.gateway}/v1/admin/brands/my-shop`, {
      headers: { 'x-admin-key': stack.adminKey },
    });
    expect(saved.status).toBe(200);
  });
});
