import { describe, expect, it } from 'vitest';
import { CachedRevocationChecker } from '../../../shared/revocation/cached-revocation-checker.js';
import { InMemoryRevocationStore } from '../../../shared/revocation/in-memory-revocation-store.js';
import type { RevocationChecker, RevocationQuery } from '../../../shared/revocation/revocation-checker.js';
import { query, T0 } from './revocation-store-contract.js';

function countingChecker(inner: RevocationChecker): RevocationChecker & { calls: number } {
  const counter = {
    calls: 0,
    check: async (q: RevocationQuery) => {
      counter.calls++;
      return inner.check(q);
    },
  };
  return counter;
}

describe('CachedRevocationChecker', () => {
  it('answers a repeated token from memory within the TTL', async () => {
    // Arrange
    let now = T0 * 1000;
    const inner = countingChecker(new InMemoryRevocationStore({ now: () => now }));
    const cached = new CachedRevocationChecker(inner, { ttlSeconds: 5, now: () => now });
    // Act
    await cached.check(query());
    now += 4_999;
    const second = await cached.check(query());
    // Assert
    expect(second).toBeUndefined();
    expect(inner.calls).toBe(1);
  });

  it('never reuses an answer cached for another revision of the brand (a re-created brand is a new brand)', async () => {
    const now = T0 * 1000;
    const inner = countingChecker(new InMemoryRevocationStore({ now: () => now }));
    const cached = new CachedRevocationChecker(inner, { ttlSeconds: 5, now: () => now });
    await cached.check({ ...query(), brandRevision: 'rev-1' });
    await cached.check({ ...query(), brandRevision: 'rev-1' });
    await cached.check({ ...query(), brandRevision: 'rev-2' });
    expect(inner.calls).toBe(2);
  });

  it('sees a revocation no later than the TTL after the cached answer was looked up (the staleness bound)', async () => {
    // Arrange
    let now = T0 * 1000;
    const store = new InMemoryRevocationStore({ now: () => now });
    const cached = new CachedRevocationChecker(store, { ttlSeconds: 5, now: () => now });
    await cached.check(query());
    // Act: revoked one second after the answer was cached
    now += 1_000;
    await store.revokeSession('demo', 'sid-1', T0 + 3600);
    // Assert: still stale just before the bound, fresh at the bound
    now = T0 * 1000 + 4_999;
    expect(await cached.check(query())).toBeUndefined();
    now = T0 * 1000 + 5_000;
    expect(await cached.check(query())).toBe('SESSION_REVOKED');
  });

  it('counts the staleness from the start of a slow lookup, not its end', async () => {
    // Arrange: a lookup that starts at 0 s and answers at 3 s
    let now = T0 * 1000;
    let calls = 0;
    let release: () => void = () => undefined;
    const slow: RevocationChecker = {
      check: () => {
        calls++;
        return new Promise((resolve) => {
          release = () => resolve(undefined);
        });
      },
    };
    const cached = new CachedRevocationChecker(slow, { ttlSeconds: 5, now: () => now });
    const pending = cached.check(query());
    now += 3_000;
    release();
    await pending;
    // Act + Assert: reused until 5 s after the lookup started, then looked up again
    now = T0 * 1000 + 4_999;
    await cached.check(query());
    expect(calls).toBe(1);
    now = T0 * 1000 + 5_000;
    const again = cached.check(query());
    release();
    await again;
    expect(calls).toBe(2);
  });

  it('passes every check through when the TTL is 0', async () => {
    const inner = countingChecker(new InMemoryRevocationStore());
    const cached = new CachedRevocationChecker(inner, { ttlSeconds: 0 });
    await cached.check(query());
    await cached.check(query());
    expect(inner.calls).toBe(2);
    expect(cached.size).toBe(0);
  });

  it('keeps at most maxEntries answers, dropping the oldest first', async () => {
    const inner = countingChecker(new InMemoryRevocationStore());
    const cached = new CachedRevocationChecker(inner, { ttlSeconds: 60, maxEntries: 2 });
    await cached.check(query({ jti: 'a' }));
    await cached.check(query({ jti: 'b' }));
    await cached.check(query({ jti: 'c' }));
    expect(cached.size).toBe(2);
    await cached.check(query({ jti: 'a' }));
    expect(inner.calls).toBe(4);
    await cached.check(query({ jti: 'c' }));
    expect(inner.calls).toBe(4);
  });

  it('shares one lookup between concurrent checks of the same token', async () => {
    const inner = countingChecker(new InMemoryRevocationStore());
    const cached = new CachedRevocationChecker(inner, { ttlSeconds: 5 });
    await Promise.all([cached.check(query()), cached.check(query()), cached.check(query())]);
    expect(inner.calls).toBe(1);
  });

  it('does not cache a failed lookup', async () => {
    let fail = true;
    const cached = new CachedRevocationChecker(
      {
        check: async () => {
          if (fail) throw new Error('DynamoDB down');
          return 'USER_REVOKED';
        },
      },
      { ttlSeconds: 5 },
    );
    await expect(cached.check(query())).rejects.toThrow('DynamoDB down');
    fail = false;
    expect(await cached.check(query())).toBe('USER_REVOKED');
  });

  it('caches answers per token: a different iat is a different question', async () => {
    const store = new InMemoryRevocationStore({ now: () => T0 * 1000 });
    await store.revokeUserBefore('demo', 'user-1', T0 - 5, T0 + 100);
    const cached = new CachedRevocationChecker(store, { ttlSeconds: 5, now: () => T0 * 1000 });
    expect(await cached.check(query({ sid: '', jti: '', iat: T0 - 5 }))).toBe('USER_REVOKED');
    expect(await cached.check(query({ sid: '', jti: '', iat: T0 - 4 }))).toBeUndefined();
  });

  it('refuses a negative or fractional TTL and a zero size at construction', () => {
    expect(() => new CachedRevocationChecker(new InMemoryRevocationStore(), { ttlSeconds: -1 })).toThrow(TypeError);
    expect(() => new CachedRevocationChecker(new InMemoryRevocationStore(), { ttlSeconds: 1.5 })).toThrow(TypeError);
    expect(() => new CachedRevocationChecker(new InMemoryRevocationStore(), { ttlSeconds: 1, maxEntries: 0 })).toThrow(
      TypeError,
    );
  });
});
