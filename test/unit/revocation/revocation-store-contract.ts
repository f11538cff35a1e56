// Behaviour every RevocationStore must share; run against the in-memory store (unit) and DynamoDB (dynalite).
import { expect, it } from 'vitest';
import type { RevocationQuery, RevocationStore } from '../../../shared/revocation/revocation-checker.js';

export interface StoreUnderTest {
  store: RevocationStore;
  /** Moves the store's clock to this epoch second. */
  setNow(seconds: number): void;
}

export const T0 = 1_800_000_000;

export function query(overrides: Partial<RevocationQuery> = {}): RevocationQuery {
  return { brandId: 'demo', sub: 'user-1', sid: 'sid-1', jti: 'jti-1', iat: T0 - 10, ...overrides };
}

export function revocationStoreContract(make: () => Promise<StoreUnderTest>): void {
  it('reports nothing for a token no logout has touched', async () => {
    const { store } = await make();
    expect(await store.check(query())).toBeUndefined();
  });

  it('reports a revoked session for every token carrying its sid, in that brand only', async () => {
    const { store } = await make();
    await store.revokeSession('demo', 'sid-1', T0 + 100);
    expect(await store.check(query({ jti: 'other' }))).toBe('SESSION_REVOKED');
    expect(await store.check(query({ sid: 'sid-2' }))).toBeUndefined();
    expect(await store.check(query({ brandId: 'other-brand' }))).toBeUndefined();
  });

  it('reports a revoked token by jti and ignores an empty sid or jti', async () => {
    const { store } = await make();
    await store.revokeToken('demo', 'jti-1', T0 + 100);
    expect(await store.check(query({ sid: '' }))).toBe('TOKEN_REVOKED');
    expect(await store.check(query({ sid: '', jti: '' }))).toBeUndefined();
  });

  it('revokes a user for tokens issued at or before the bound, not after it', async () => {
    const { store } = await make();
    await store.revokeUserBefore('demo', 'user-1', T0, T0 + 100);
    expect(await store.check(query({ sid: '', jti: '', iat: T0 }))).toBe('USER_REVOKED');
    expect(await store.check(query({ sid: '', jti: '', iat: T0 + 1 }))).toBeUndefined();
  });

  it('treats an item past its expiresAt as absent even though it was never deleted', async () => {
    const subject = await make();
    await subject.store.revokeSession('demo', 'sid-1', T0 + 100);
    await subject.store.revokeUserBefore('demo', 'user-1', T0, T0 + 100);
    subject.setNow(T0 + 100);
    expect(await subject.store.check(query())).toBeUndefined();
  });

  it('never shortens a revocation or moves a user bound back', async () => {
    const subject = await make();
    await subject.store.revokeSession('demo', 'sid-1', T0 + 500);
    await subject.store.revokeSession('demo', 'sid-1', T0 + 100);
    await subject.store.revokeUserBefore('demo', 'user-1', T0 + 50, T0 + 500);
    await subject.store.revokeUserBefore('demo', 'user-1', T0, T0 + 100);
    subject.setNow(T0 + 200);
    expect(await subject.store.check(query({ sid: 'sid-1', jti: '' }))).toBe('SESSION_REVOKED');
    expect(await subject.store.check(query({ sid: '', jti: '', iat: T0 + 50 }))).toBe('USER_REVOKED');
  });

  it('moves a user bound forward and lengthens it on a later logout of all sessions', async () => {
    const subject = await make();
    await subject.store.revokeUserBefore('demo', 'user-1', T0, T0 + 100);
    await subject.store.revokeUserBefore('demo', 'user-1', T0 + 60, T0 + 300);
    subject.setNow(T0 + 200);
    expect(await subject.store.check(query({ sid: '', jti: '', iat: T0 + 60 }))).toBe('USER_REVOKED');
  });

  it('replaces an expired user item instead of merging with it', async () => {
    const subject = await make();
    await subject.store.revokeUserBefore('demo', 'user-1', T0 + 90, T0 + 100);
    subject.setNow(T0 + 150);
    await subject.store.revokeUserBefore('demo', 'user-1', T0 + 10, T0 + 400);
    expect(await subject.store.check(query({ sid: '', jti: '', iat: T0 + 10 }))).toBe('USER_REVOKED');
    expect(await subject.store.check(query({ sid: '', jti: '', iat: T0 + 11 }))).toBeUndefined();
  });

  it('accepts a logout token id once and refuses its replay until the marker expires', async () => {
    const subject = await make();
    expect(await subject.store.markLogoutTokenUsed('demo', 'lt-1', T0 + 100)).toBe(true);
    expect(await subject.store.markLogoutTokenUsed('demo', 'lt-1', T0 + 100)).toBe(false);
    expect(await subject.store.markLogoutTokenUsed('other-brand', 'lt-1', T0 + 100)).toBe(true);
    subject.setNow(T0 + 100);
    expect(await subject.store.markLogoutTokenUsed('demo', 'lt-1', T0 + 200)).toBe(true);
  });

  it('accepts a forgotten logout token id again', async () => {
    const { store } = await make();
    expect(await store.markLogoutTokenUsed('demo', 'lt-2', T0 + 100)).toBe(true);
    await store.forgetLogoutToken('demo', 'lt-2');
    expect(await store.markLogoutTokenUsed('demo', 'lt-2', T0 + 100)).toBe(true);
  });

  it('never lets a replay marker revoke anything', async () => {
    const { store } = await make();
    await store.markLogoutTokenUsed('demo', 'jti-1', T0 + 100);
    expect(await store.check(query())).toBeUndefined();
  });
}
