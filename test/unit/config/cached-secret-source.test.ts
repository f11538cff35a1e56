import { describe, expect, it } from 'vitest';
import { CachedSecretSource } from '../../../shared/config/cached-secret-source.js';
import type { SecretSource } from '../../../shared/config/secret-source.js';

function counting(values: Record<string, string>) {
  const state = {
    reads: 0,
    fail: false,
    getSecret: async (name: string) => {
      state.reads++;
      if (state.fail) throw new Error('ThrottlingException');
      const value = values[name];
      if (value === undefined) throw new Error('not found');
      return value;
    },
  };
  return state;
}

describe('CachedSecretSource', () => {
  it('reads each secret once per TTL, sharing concurrent reads', async () => {
    const src = counting({ '/a': 'A' });
    const clock = { now: 0 };
    const cache = new CachedSecretSource({
      source: src as SecretSource,
      ttlSeconds: 60,
      staleIfErrorSeconds: 60,
      now: () => clock.now,
    });
    expect(await Promise.all([cache.getSecret('/a'), cache.getSecret('/a'), cache.getSecret('/a')])).toEqual([
      'A',
      'A',
      'A',
    ]);
    clock.now = 59_000;
    await cache.getSecret('/a');
    expect(src.reads).toBe(1);
    clock.now = 60_000;
    await cache.getSecret('/a');
    expect(src.reads).toBe(2);
  });

  it('serves the last value while the store fails, then gives up', async () => {
    const src = counting({ '/a': 'A' });
    const clock = { now: 0 };
    const cache = new CachedSecretSource({
      source: src,
      ttlSeconds: 60,
      staleIfErrorSeconds: 60,
      now: () => clock.now,
    });
    await cache.getSecret('/a');
    src.fail = true;
    clock.now = 119_000;
    expect(await cache.getSecret('/a')).toBe('A');
    clock.now = 120_000;
    await expect(cache.getSecret('/a')).rejects.toThrow('ThrottlingException');
  });

  it('does not cache a missing secret, and clear() forgets a value', async () => {
    const values: Record<string, string> = {};
    const src = counting(values);
    const cache = new CachedSecretSource({ source: src, ttlSeconds: 60, staleIfErrorSeconds: 60, now: () => 0 });
    await expect(cache.getSecret('/b')).rejects.toThrow('not found');
    values['/b'] = 'B';
    expect(await cache.getSecret('/b')).toBe('B');
    values['/b'] = 'B2';
    cache.clear('/b');
    expect(await cache.getSecret('/b')).toBe('B2');
  });
});
