// The local stack is kind to mistakes (issue 24 item 7): a data folder another stack holds is refused with a clear
// message (a dead holder's lock is taken over), a port clash names the variable that moves it, and each API
// request is one readable line.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../local/local-data.js';
import { requestLine } from '../../../local/stack.js';
import { portInUseMessage } from '../../../local/start-messages.js';

const dirs: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kind-stack-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the data folder lock', () => {
  it('is taken, refused to another live process naming the folder and LOCAL_DATA_DIR, and released', async () => {
    // Arrange: another live process holds the folder
    const dir = folder();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: other.pid }));

      // Act / Assert
      expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
      expect(() => lockDataDir(dir)).toThrow(
        `The data folder ${dir} is in use by another local stack (pid ${other.pid})`,
      );
      expect(() => lockDataDir(dir)).toThrow('start this one with another LOCAL_DATA_DIR');
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that died, and removes only its own lock when released', () => {
    const dir = folder();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12_345 }));
    const release = lockDataDir(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('npm start messages', () => {
  it('names the variable that moves a port in use', () => {
    const options = { port: 3000, ciamPort: 3001, capillaryPort: 3002, dynamoPort: 3003, ssmPort: 3004 };
    expect(portInUseMessage(options, 3001)).toBe(
      'Port 3001 (the development CIAM) is already in use, perhaps by another npm start: stop it, or start with CIAM_PORT=<a free port> (0 picks any).',
    );
    expect(portInUseMessage(options, 3003)).toContain('DYNAMODB_PORT=<a free port>');
    expect(portInUseMessage(options, 9)).toContain('set PORT, CIAM_PORT, CAPILLARY_PORT, DYNAMODB_PORT or SSM_PORT');
  });

  it('prints one readable line per request: method, path, status, time, brand, reason', () => {
    expect(
      requestLine({ method: 'POST', path: '/v1/auth/session', status: 201, durationMs: 43, brandId: 'demo' }),
    ).toBe('POST /v1/auth/session 201 43 ms brand=demo');
    expect(requestLine({ method: 'GET', path: '/v1/me', status: 401, durationMs: 3, reason: 'TOKEN_EXPIRED' })).toBe(
      'GET /v1/me 401 3 ms reason=TOKEN_EXPIRED',
    );
  });
});
