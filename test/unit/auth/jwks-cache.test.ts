import { describe, expect, it } from 'vitest';
import { clearJwksCaches, getJwksCache, JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import { generateTestKey, memoryJwksFetch, NOW_MS } from '../../support/jwt.js';

const keyA = generateTestKey('RS256', 'a');
const keyB = generateTestKey('ES256', 'b');

function setup(keys = [keyA.jwk]) {
  const clock = { now: NOW_MS };
  const remote = memoryJwksFetch({ keys });
  const cache = new JwksCache('https://ciam.test/jwks', {
    fetch: remote.fetch,
    now: () => clock.now,
    maxAgeMs: 600_000,
    cooldownMs: 10_000,
  });
  return { clock, remote, cache };
}

async function kidsOf(result: ReturnType<JwksCache['getKeys']>): Promise<string[]> {
  return (await result).map((entry) => entry.kid);
}

describe('JwksCache', () => {
  it('fetches once on first use and answers later lookups synchronously', async () => {
    const { remote, cache } = setup();
    expect(await kidsOf(cache.getKeys('a'))).toEqual(['a']);
    for (let i = 0; i < 100; i++) expect(Array.isArray(cache.getKeys('a'))).toBe(true);
    expect(remote.state.calls).toBe(1);
  });

  it('shares one in-flight fetch between concurrent cold lookups', async () => {
    const { remote, cache } = setup();
    await Promise.all([cache.getKeys('a'), cache.getKeys('a'), cache.getKeys('a')]);
    expect(remote.state.calls).toBe(1);
  });

  it('refetches once for a new kid after rotation, then never again inside the cooldown', async () => {
    const { remote, cache, clock } = setup();
    await cache.getKeys('a');
    clock.now += 60_000;
    remote.state.jwks = { keys: [keyA.jwk, keyB.jwk] };
    expect(await kidsOf(cache.getKeys('b'))).toEqual(['b']);
    expect(remote.state.calls).toBe(2);
    for (const kid of ['x', 'y', 'z']) {
      expect(() => cache.getKeys(kid)).toThrow(TokenError);
      expect(() => cache.getKeys(kid)).toThrow(expect.objectContaining({ reason: 'KID_UNKNOWN' }));
    }
    expect(remote.state.calls).toBe(2);
  });

  it('refreshes in the background after max age without making the request wait, then drops a removed key', async () => {
    const { remote, cache, clock } = setup([keyA.jwk, keyB.jwk]);
    await cache.getKeys('a');
    const entryA = (await cache.getKeys('a'))[0];
    remote.state.jwks = { keys: [keyB.jwk] };
    clock.now += 600_000;
    const during = cache.getKeys('a'); // stale but answered at once
    expect(Array.isArray(during)).toBe(true);
    await cache.whenIdle();
    expect(remote.state.calls).toBe(2);
    expect(entryA?.active).toBe(false);
    expect(() => cache.getKeys('a')).toThrow(expect.objectContaining({ reason: 'KID_UNKNOWN' }));
  });

  it('keeps verifying with cached keys while the endpoint is down, and fails unknown kids at once, as unavailable', async () => {
    const { remote, cache, clock } = setup();
    await cache.getKeys('a');
    remote.state.fail = true;
    clock.now += 700_000;
    expect(await kidsOf(cache.getKeys('a'))).toEqual(['a']);
    await cache.whenIdle();
    expect(await kidsOf(cache.getKeys('a'))).toEqual(['a']);
    // Issue 21 item 8: a kid the failed refresh could have brought is not the token's fault.
    expect(() => cache.getKeys('new')).toThrow(expect.objectContaining({ reason: 'JWKS_UNAVAILABLE' }));
    expect(cache.stats().failures).toBe(1);
  });

  it('issue 21 item 8: a new kid during an outage is JWKS_UNAVAILABLE (retryable), and verifies once the JWKS is back', async () => {
    const { remote, cache, clock } = setup();
    await cache.getKeys('a');
    clock.now += 60_000;
    remote.state.fail = true;
    remote.state.jwks = { keys: [keyA.jwk, keyB.jwk] };
    await expect(cache.getKeys('b')).rejects.toMatchObject({ reason: 'JWKS_UNAVAILABLE' });
    // Inside the cooldown: no new fetch, the same retryable answer.
    expect(() => cache.getKeys('b')).toThrow(expect.objectContaining({ reason: 'JWKS_UNAVAILABLE' }));
    expect(remote.state.calls).toBe(2);
    remote.state.fail = false;
    clock.now += 10_000;
    expect(await kidsOf(cache.getKeys('b'))).toEqual(['b']);
    // A forged kid against a healthy endpoint is the token's fault again.
    expect(() => cache.getKeys('forged')).toThrow(expect.objectContaining({ reason: 'KID_UNKNOWN' }));
  });

  it('fails closed once keys are older than max age + max stale', async () => {
    const clock = { now: NOW_MS };
    const remote = memoryJwksFetch({ keys: [keyA.jwk] });
    const cache = new JwksCache('https://ciam.test/jwks', {
      fetch: remote.fetch,
      now: () => clock.now,
      maxStaleMs: 60_000,
    });
    await cache.getKeys('a');
    remote.state.fail = true;
    clock.now += 600_000 + 60_001;
    await expect(cache.getKeys('a')).rejects.toMatchObject({ reason: 'JWKS_UNAVAILABLE' });
  });

  it('reports JWKS_UNAVAILABLE on a cold start with the endpoint down, then fails fast inside the cooldown', async () => {
    const { remote, cache } = setup();
    remote.state.fail = true;
    await expect(cache.getKeys('a')).rejects.toMatchObject({ reason: 'JWKS_UNAVAILABLE' });
    expect(() => cache.getKeys('a')).toThrow(expect.objectContaining({ reason: 'JWKS_UNAVAILABLE' }));
    expect(remote.state.calls).toBe(1);
  });

  it.each([
    ['not an object', [1, 2]],
    ['keys not an array', { keys: 'x' }],
    ['no usable keys', { keys: [{ kty: 'oct', kid: 'a', k: 'AAAA' }] }],
    ['too many keys', { keys: Array.from({ length: 51 }, () => keyA.jwk) }],
  ])('treats a JWKS that is %s as a failure and keeps the old keys', async (_name, document) => {
    const { remote, cache, clock } = setup();
    await cache.getKeys('a');
    remote.state.jwks = document;
    clock.now += 600_000;
    cache.getKeys('a');
    await cache.whenIdle();
    expect(await kidsOf(cache.getKeys('a'))).toEqual(['a']);
    expect(cache.stats().failures).toBe(1);
  });

  it('refuses a JWKS over the size cap', async () => {
    const cache = new JwksCache('https://ciam.test/jwks', {
      maxBytes: 500,
      now: Date.now,
      fetch: async () => new Response(JSON.stringify({ keys: [keyA.jwk, keyA.jwk] }), { status: 200 }),
    });
    await expect(cache.getKeys('a')).rejects.toMatchObject({ reason: 'JWKS_UNAVAILABLE' });
  });

  it('refuses a non-200 answer', async () => {
    const cache = new JwksCache('https://ciam.test/jwks', {
      fetch: async () => new Response('{}', { status: 404 }),
      now: Date.now,
    });
    await expect(cache.getKeys('a')).rejects.toMatchObject({ reason: 'JWKS_UNAVAILABLE' });
  });

  it('registers one cache per jwksUri until cleared', () => {
    const transport = { fetch: async () => new Response('{}', { status: 404 }), now: Date.now };
    clearJwksCaches(transport);
    const first = getJwksCache('https://x.test/jwks');
    expect(getJwksCache('https://x.test/jwks')).toBe(first);
    expect(getJwksCache('https://y.test/jwks')).not.toBe(first);
    clearJwksCaches(transport);
    expect(getJwksCache('https://x.test/jwks')).not.toBe(first);
    clearJwksCaches();
  });

  it('has no transport of its own: without defaults (no runtime built) the registry refuses to make a cache', () => {
    clearJwksCaches();
    expect(() => getJwksCache('https://x.test/jwks')).toThrow(/no transport/);
  });
});
