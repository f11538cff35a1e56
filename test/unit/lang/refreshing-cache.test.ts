import { describe, expect, it } from 'vitest';
import { RefreshingCache, type RefreshingCacheOptions } from '../../../shared/lang/refreshing-cache.js';

function setup(options: Partial<RefreshingCacheOptions<string, string>> = {}) {
  const clock = { now: 0 };
  const source = { loads: 0, fail: false, value: 'v1', started: [] as number[] };
  const load = async (key: string) => {
    source.loads++;
    source.started.push(clock.now);
    if (source.fail) throw new Error(`down: ${key}`);
    return `${key}=${source.value}`;
  };
  const cache = new RefreshingCache<string, string>({ now: () => clock.now, ttlMs: 1_000, ...options });
  return { clock, source, load, cache };
}

/** A load that answers when told to. */
function gate() {
  let release: (value: string) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  let calls = 0;
  const load = () => {
    calls++;
    return new Promise<string>((resolve, fail) => {
      release = resolve;
      reject = fail;
    });
  };
  return {
    load,
    release: (value: string) => release(value),
    reject: (error: Error) => reject(error),
    get calls() {
      return calls;
    },
  };
}

describe('RefreshingCache expiry', () => {
  it('keeps a value for the TTL from when its load started, then loads again', async () => {
    const { clock, source, load, cache } = setup();
    expect(await cache.get('a', load)).toBe('a=v1');
    clock.now = 999;
    source.value = 'v2';
    expect(await cache.get('a', load)).toBe('a=v1');
    clock.now = 1_000;
    expect(await cache.get('a', load)).toBe('a=v2');
    expect(source.loads).toBe(2);
  });

  it('counts the TTL from the start of a slow load, not its end', async () => {
    const clock = { now: 0 };
    const slow = gate();
    const cache = new RefreshingCache<string, string>({ now: () => clock.now, ttlMs: 1_000 });
    const first = cache.get('a', slow.load);
    clock.now = 600;
    slow.release('x');
    await first;
    clock.now = 999;
    expect(cache.peek('a')).toBe('x');
    clock.now = 1_000;
    expect(cache.peek('a')).toBeUndefined();
  });

  it('expires each value at its own time when expiresAt is given', async () => {
    const { clock, load } = setup();
    const cache = new RefreshingCache<string, string>({
      now: () => clock.now,
      ttlMs: 0,
      expiresAt: (value, startedAt) => startedAt + (value.startsWith('long') ? 5_000 : 100),
    });
    await cache.get('long', load);
    await cache.get('short', load);
    clock.now = 100;
    expect(cache.peek('short')).toBeUndefined();
    expect(cache.peek('long')).toBe('long=v1');
  });

  it('peeks only fresh values, without loading; a value past the stale window is forgotten', async () => {
    const { clock, source, load, cache } = setup({ staleIfErrorMs: 500 });
    expect(cache.peek('a')).toBeUndefined();
    await cache.get('a', load);
    expect(cache.peek('a')).toBe('a=v1');
    clock.now = 1_200;
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('a', true)).toBe('a=v1');
    clock.now = 1_500;
    expect(cache.peek('a', true)).toBeUndefined();
    expect(cache.size).toBe(0);
    expect(source.loads).toBe(1);
  });
});

describe('RefreshingCache single flight', () => {
  it('shares one load between concurrent misses of a key, not between keys', async () => {
    const { source, load, cache } = setup();
    const answers = await Promise.all([cache.get('a', load), cache.get('a', load), cache.get('b', load)]);
    expect(answers).toEqual(['a=v1', 'a=v1', 'b=v1']);
    expect(source.loads).toBe(2);
  });

  it('shares a failing load too, and each caller gets its error', async () => {
    const slow = gate();
    const cache = new RefreshingCache<string, string>({ now: () => 0, ttlMs: 1_000 });
    const calls = [cache.get('a', slow.load), cache.get('a', slow.load)];
    slow.reject(new Error('down'));
    for (const call of calls) await expect(call).rejects.toThrow('down');
    expect(slow.calls).toBe(1);
  });

  it('starts a new load once the shared one has settled', async () => {
    const { clock, source, load, cache } = setup();
    await cache.get('a', load);
    clock.now = 1_000;
    await cache.get('a', load);
    expect(source.loads).toBe(2);
  });

  it('reload() loads a fresh key again, joining the load in flight that loading() shows', async () => {
    const { source, load, cache } = setup();
    await cache.get('a', load);
    expect(cache.loading('a')).toBeUndefined();
    source.value = 'v2';
    const first = cache.reload('a', load);
    expect(cache.loading('a')).toBe(first);
    expect(cache.reload('a', load)).toBe(first);
    expect(await first).toBe('a=v2');
    expect(cache.peek('a')).toBe('a=v2');
    expect(source.loads).toBe(2);
    source.fail = true;
    await expect(cache.reload('a', load)).rejects.toThrow('down: a');
  });

  it('refresh() loads in the background, once, and a get joins it', async () => {
    const slow = gate();
    const cache = new RefreshingCache<string, string>({ now: () => 0, ttlMs: 1_000 });
    cache.refresh('a', slow.load);
    cache.refresh('a', slow.load);
    const joined = cache.get('a', slow.load);
    slow.release('x');
    expect(await joined).toBe('x');
    expect(slow.calls).toBe(1);
  });
});

describe('RefreshingCache serve-stale-on-error', () => {
  it('serves the last value while reloads fail within the stale window, and refuses after it', async () => {
    const errors: [unknown, string, boolean][] = [];
    const { clock, source, load, cache } = setup({
      staleIfErrorMs: 500,
      onRefreshError: (error, key, servingStale) => errors.push([error, key, servingStale]),
    });
    await cache.get('a', load);
    source.fail = true;
    clock.now = 1_499;
    expect(await cache.get('a', load)).toBe('a=v1');
    clock.now = 1_500;
    await expect(cache.get('a', load)).rejects.toThrow('down: a');
    expect(errors.map(([, key, stale]) => [key, stale])).toEqual([
      ['a', true],
      ['a', false],
    ]);
    expect(errors[0]?.[0]).toBeInstanceOf(Error);
  });

  it('never caches an error: the next get loads again', async () => {
    const { source, load, cache } = setup();
    source.fail = true;
    await expect(cache.get('a', load)).rejects.toThrow('down: a');
    source.fail = false;
    expect(await cache.get('a', load)).toBe('a=v1');
    expect(source.loads).toBe(2);
  });

  it('serves the fallback when the key has no stale value of its own', async () => {
    const { source, load, cache } = setup({ staleFallback: (key) => (key === 'a' ? 'fallback' : undefined) });
    source.fail = true;
    expect(await cache.get('a', load)).toBe('fallback');
    await expect(cache.get('b', load)).rejects.toThrow('down: b');
  });

  it('after a failure, starts no load for the retry pause, answering stale or the same error', async () => {
    const { clock, source, load, cache } = setup({ staleIfErrorMs: 10_000, retryAfterErrorMs: 300 });
    await cache.get('a', load);
    source.fail = true;
    clock.now = 1_000;
    expect(await cache.get('a', load)).toBe('a=v1');
    await expect(cache.get('b', load)).rejects.toThrow('down: b');
    clock.now = 1_299;
    expect(await cache.get('a', load)).toBe('a=v1');
    await expect(cache.get('b', load)).rejects.toThrow('down: b');
    cache.refresh('a', load);
    expect(source.loads).toBe(3);
    clock.now = 1_300;
    source.fail = false;
    expect(await cache.get('a', load)).toBe('a=v1');
    expect(source.loads).toBe(4);
  });

  it('passes the last kept value to the loader', async () => {
    const { clock, cache } = setup();
    const seen: (string | undefined)[] = [];
    const load = async (_key: string, previous: string | undefined) => {
      seen.push(previous);
      return `${previous ?? ''}+`;
    };
    await cache.get('a', load);
    clock.now = 1_000;
    expect(await cache.get('a', load)).toBe('++');
    expect(seen).toEqual([undefined, '+']);
  });
});

describe('RefreshingCache bounds and clearing', () => {
  it('keeps at most maxEntries values, dropping the one stored longest ago', async () => {
    const { source, load, cache } = setup({ maxEntries: 2 });
    await cache.get('a', load);
    await cache.get('b', load);
    await cache.get('c', load);
    expect(cache.size).toBe(2);
    expect(cache.peek('a')).toBeUndefined();
    await cache.get('c', load);
    await cache.get('b', load);
    expect(source.loads).toBe(3);
  });

  it('a failed load takes no place: failures never evict kept values', async () => {
    const { source, load, cache } = setup({ maxEntries: 2 });
    await cache.get('a', load);
    await cache.get('b', load);
    source.fail = true;
    for (const key of ['x', 'y', 'z']) await expect(cache.get(key, load)).rejects.toThrow();
    expect(cache.peek('a')).toBe('a=v1');
    expect(cache.peek('b')).toBe('b=v1');
  });

  it('refuses a bound under 1', () => {
    expect(() => new RefreshingCache({ now: () => 0, ttlMs: 1, maxEntries: 0 })).toThrow(TypeError);
  });

  it('set() keeps a value as if loaded; delete() and clear() forget', async () => {
    const { clock, source, load, cache } = setup();
    cache.set('a', 'given', -500);
    expect(await cache.get('a', load)).toBe('given');
    clock.now = 500;
    expect(cache.peek('a')).toBeUndefined();
    cache.set('b', 'given');
    cache.delete('b');
    expect(cache.peek('b')).toBeUndefined();
    await cache.get('c', load);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(source.loads).toBe(1);
  });

  it('keeps the answer of a load in flight across clear() out of the cleared cache', async () => {
    const slow = gate();
    const cache = new RefreshingCache<string, string>({ now: () => 0, ttlMs: 1_000 });
    const before = cache.get('a', slow.load);
    cache.clear();
    slow.release('old');
    expect(await before).toBe('old');
    expect(cache.peek('a')).toBeUndefined();
  });
});
