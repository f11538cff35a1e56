// What the local stack keeps in LOCAL_DATA_DIR: owner-only (files 0600, folders 0700, whatever wrote
// them: the stack, dynalite's LevelDB, the playground build), and kept across a restart: the admin key,
// the development CIAM's sessions and its users' changed claims.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

function modes(dir: string): { path: string; mode: string }[] {
  const found: { path: string; mode: string }[] = [];
  const walk = (path: string) => {
    const stat = lstatSync(path);
    found.push({ path, mode: (stat.mode & 0o777).toString(8) });
    if (stat.isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return found;
}

describe('LOCAL_DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'local-data-'));
  let stack: LocalStack | undefined;
  afterAll(async () => {
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is private to its owner and keeps the admin key and the CIAM users’ changed claims across a restart', async () => {
    // Arrange: a first run that writes customers, links, keys, CIAM state and the playground
    stack = await startLocalStack({ quiet: true, dataDir });
    const first = stack;
    const login = await loginWithCode(first.ciam, first.clients.app, 'alice');
    const session = await fetch(`${first.urls.gateway}/v1/auth/session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.accessToken}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(session.status).toBe(201);
    const changed = await fetch(`${first.urls.ciam}/account/users/alice`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ given_name: 'Alicia' }),
    });
    expect(changed.status).toBe(200);
    const adminKey = first.adminKey;
    const whileRunning = modes(dataDir);
    await first.close();
    stack = undefined;
    const afterStop = modes(dataDir);

    // Act: restart on the same folder
    stack = await startLocalStack({ quiet: true, dataDir, playground: false });
    const devClients = JSON.parse(readFileSync(join(dataDir, 'dev-clients.json'), 'utf8'));
    const relogin = await loginWithCode(stack.ciam, stack.clients.app, 'alice');
    const claims = JSON.parse(Buffer.from(relogin.idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));

    // Assert
    const names = afterStop.map((entry) => entry.path.slice(dataDir.length));
    for (const name of ['/admin-key', '/dev-clients.json', '/ciam-state.json', '/capillary-customers.json']) {
      expect(names).toContain(name);
    }
    expect(names.some((name) => name.startsWith('/dynamodb/'))).toBe(true);
    expect(names.some((name) => name.startsWith('/playground/'))).toBe(true);
    for (const listing of [whileRunning, afterStop]) {
      const open = listing.filter((entry) => {
        const isDir = lstatSync(entry.path, { throwIfNoEntry: false })?.isDirectory() ?? entry.mode === '700';
        return entry.mode !== (isDir ? '700' : '600');
      });
      expect(open).toEqual([]);
    }
    expect(stack.adminKey).toBe(adminKey);
    expect(devClients.adminKey).toBe(adminKey);
    expect(claims).toMatchObject({ given_name: 'Alicia', name: 'Alicia Martin' });
    await stack.close();
    stack = undefined;
  }, 90_000);

  it('seeds the demo brand on a first start without a refused request in the log', async () => {
    // Arrange: capture what the functions log (Powertools writes to process.stdout/stderr)
    const fresh = mkdtempSync(join(tmpdir(), 'local-data-seed-'));
    const lines: string[] = [];
    const capture = (stream: NodeJS.WriteStream) => {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: never[]) => {
        lines.push(String(chunk));
        return original(chunk as string, ...rest);
      }) as typeof stream.write;
      return () => {
        stream.write = original;
      };
    };
    const restore = [capture(process.stdout), capture(process.stderr)];
    let seeded: LocalStack | undefined;

    // Act: not quiet, so function logs at INFO reach the streams
    try {
      seeded = await startLocalStack({ dataDir: fresh, playground: false, log: () => undefined });
    } finally {
      for (const undo of restore) undo();
      await seeded?.close();
      rmSync(fresh, { recursive: true, force: true });
    }

    // Assert: the brand was created (its audit line) and nothing was refused on the way
    expect(lines.some((line) => line.includes('"reason":"CREATED"'))).toBe(true);
    expect(lines.filter((line) => line.includes('request refused'))).toEqual([]);
  }, 60_000);
});
