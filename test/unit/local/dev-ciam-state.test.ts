// The development CIAM's file-backed state: oidc-provider's models, cookie keys and changed users survive
// reopening the file; expired entries do not; the file is owner-only.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDevCiamState } from '../../../local/dev-ciam-state.js';

describe('openDevCiamState', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ciam-state-'));
  const file = join(dir, 'ciam-state.json');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let keys = 0;
  const newKey = () => `key-${++keys}`;

  it('keeps models, cookie keys and accounts across a reopen, and drops what expired', async () => {
    // Arrange
    const first = openDevCiamState(file, newKey);
    const sessions = first.adapter('Session');
    const codes = first.adapter('AuthorizationCode');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'alice' }, 3600);
    await sessions.upsert('s-old', { uid: 'u-old' }, -1);
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    await codes.upsert('c2', { grantId: 'g2' }, 60);
    await codes.consume('c2');
    first.saveAccount('alice', { given_name: 'Alicia' });

    // Act
    const second = openDevCiamState(file, newKey);
    const reopened = second.adapter('Session');
    const reopenedCodes = second.adapter('AuthorizationCode');

    // Assert
    expect(second.cookieKeys).toEqual(first.cookieKeys);
    expect(second.savedAccounts).toEqual({ alice: { given_name: 'Alicia' } });
    expect(await reopened.find('s1')).toMatchObject({ accountId: 'alice' });
    expect(await reopened.findByUid('u1')).toMatchObject({ accountId: 'alice' });
    expect(await reopened.find('s-old')).toBeUndefined();
    expect(await reopenedCodes.find('c2')).toMatchObject({ consumed: expect.any(Number) });
    // Models are separate namespaces.
    expect(await reopenedCodes.find('s1')).toBeUndefined();
    expect((statSync(file).mode & 0o777).toString(8)).toBe('600');
  });

  it('destroys one entry and revokes every entry of a grant', async () => {
    // Arrange
    const state = openDevCiamState(file, newKey);
    const codes = state.adapter('AuthorizationCode');

    // Act
    await codes.revokeByGrantId('g1');
    await state.adapter('Session').destroy('s1');
    const reopened = openDevCiamState(file, newKey);

    // Assert
    expect(await reopened.adapter('AuthorizationCode').find('c1')).toBeUndefined();
    expect(await reopened.adapter('AuthorizationCode').find('c2')).toBeDefined();
    expect(await reopened.adapter('Session').find('s1')).toBeUndefined();
  });

  it('lives in memory without a file', async () => {
    const state = openDevCiamState(undefined, newKey);
    await state.adapter('Grant').upsert('g', { accountId: 'bob' }, 60);
    expect(await state.adapter('Grant').find('g')).toMatchObject({ accountId: 'bob' });
    expect(state.cookieKeys).toHaveLength(1);
  });
});
