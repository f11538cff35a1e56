// `npm run token` failure messages: no running stack data, an unknown user, bad arguments. (The success
// path runs in npm-start.test.ts against a real `npm start`.)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

function token(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'tools/token.ts', ...args],
      { cwd: ROOT, env: { ...process.env, LOCAL_DATA_DIR: dataDir } },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('npm run token', () => {
  let empty: string;
  let seeded: string;

  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'token-empty-'));
    seeded = mkdtempSync(join(tmpdir(), 'token-seeded-'));
    writeFileSync(
      join(seeded, 'dev-clients.json'),
      JSON.stringify({
        // A closed port: nothing answers there.
        issuer: 'http://127.0.0.1:9',
        clients: {
          app: { clientId: 'demo-app', clientSecret: 's', redirectUri: 'http://127.0.0.1/cb' },
          spa: { clientId: 'demo-spa', redirectUri: 'http://127.0.0.1:3000/' },
        },
        users: ['alice', 'bob'],
        adminKey: 'seeded-admin-key-0123456789',
      }),
    );
  });

  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(seeded, { recursive: true, force: true });
  });

  it('asks for --user and prints the usage', async () => {
    // Act
    const result = await token([], seeded);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--user is required');
    expect(result.stdout).toBe('');
  });

  it('tells the developer to start the stack when dev-clients.json is missing, naming LOCAL_DATA_DIR', async () => {
    // Act
    const result = await token(['--user', 'alice'], empty);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('start the local stack first (npm start)');
    expect(result.stderr).toContain(`LOCAL_DATA_DIR=${empty}`);
  });

  it('prints the admin key the stack keeps in LOCAL_DATA_DIR', async () => {
    // Act
    const seededKey = await token(['--admin-key'], seeded);
    const missing = await token(['--admin-key'], empty);

    // Assert
    expect(seededKey).toMatchObject({ code: 0, stdout: 'seeded-admin-key-0123456789\n' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`LOCAL_DATA_DIR=${empty}`);
  });

  it('names the seeded users when the user is unknown', async () => {
    // Act
    const result = await token(['--user', 'mallory'], seeded);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('seeded users: alice, bob');
  });

  it('says the CIAM is not reachable, with no token on stdout', async () => {
    // Act
    const result = await token(['--user', 'alice'], seeded);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Is the local stack running');
    expect(result.stdout).toBe('');
  });
});
