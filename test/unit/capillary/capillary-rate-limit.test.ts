import { describe, expect, it } from 'vitest';
import {
  apiOf,
  blockSize,
  InMemoryRateWindowStore,
  limitFor,
  type RateWindowStore,
  WindowRateLimiter,
} from '../../../shared/capillary/capillary-rate-limit.js';

const MINUTE = 60_000;

function limiter(limits: Record<string, number>, store: RateWindowStore, clock: { now: number }) {
  return new WindowRateLimiter({ limits, scope: 'demo', store, now: () => clock.now });
}

describe('apiOf and limitFor', () => {
  it('names a call METHOD /path with customer ids as {id}, the form capillary.rateLimits uses', () => {
    expect(apiOf('post', 'https://eu.api.capillarytech.com/v2/customers')).toBe('POST /v2/customers');
    expect(apiOf('GET', 'https://x.test/v2/customers/123?source=ALL')).toBe('GET /v2/customers/{id}');
    expect(apiOf('POST', 'https://x.test/v2/customers/123/changeIdentifier')).toBe(
      'POST /v2/customers/{id}/changeIdentifier',
    );
  });

  it('takes the exact API first, else *, else no limit', () => {
    expect(limitFor({ 'POST /v2/customers': 100, '*': 1000 }, 'POST /v2/customers')).toBe(100);
    expect(limitFor({ 'POST /v2/customers': 100, '*': 1000 }, 'GET /v2/customers/{id}')).toBe(1000);
    expect(limitFor({ 'POST /v2/customers': 100 }, 'GET /v2/customers/{id}')).toBeUndefined();
  });
});

describe('WindowRateLimiter', () => {
  it('grants the limit per minute and per API, then answers the wait until the next minute', async () => {
    const clock = { now: 10 * MINUTE + 20_000 };
    const rate = limiter({ 'POST /v2/customers': 3 }, new InMemoryRateWindowStore(() => clock.now), clock);
    const takes = await Promise.all([1, 2, 3, 4].map(() => rate.take('POST /v2/customers')));
    expect(takes.filter((t) => t.granted)).toHaveLength(3);
    expect(takes.at(-1)).toEqual({ granted: false, retryAfterMs: 40_000 });
    expect(await rate.take('GET /v2/customers/lookup')).toEqual({ granted: true });
    clock.now = 11 * MINUTE;
    expect(await rate.take('POST /v2/customers')).toEqual({ granted: true });
  });

  it('keeps several containers sharing one store under the limit together', async () => {
    const clock = { now: 5 * MINUTE };
    const store = new InMemoryRateWindowStore(() => clock.now);
    const containers = [1, 2, 3].map(() => limiter({ '*': 250 }, store, clock));
    const granted = (
      await Promise.all(Array.from({ length: 300 }, (_, i) => containers[i % 3]?.take('GET /v2/customers/{id}')))
    ).filter((t) => t?.granted).length;
    expect(granted).toBeLessThanOrEqual(250);
    // A container may be left holding part of a block: at most block-1 calls each go unused.
    expect(granted).toBeGreaterThanOrEqual(250 - 3 * (blockSize(250) - 1));
  });

  it('reserves blocks of 1 % of the limit, so a hot container makes one store round trip per block', async () => {
    const clock = { now: 5 * MINUTE };
    let reservations = 0;
    const inner = new InMemoryRateWindowStore(() => clock.now);
    const store: RateWindowStore = {
      reserve: (...args) => {
        reservations++;
        return inner.reserve(...args);
      },
    };
    const rate = limiter({ '*': 1000 }, store, clock);
    for (let i = 0; i < 100; i++) await rate.take('GET /v2/customers/{id}');
    expect(blockSize(1000)).toBe(10);
    expect(reservations).toBe(10);
  });

  it('counts alone for a reservation the shared store does not answer in time', async () => {
    const clock = { now: 5 * MINUTE };
    const errors: unknown[] = [];
    const hanging: RateWindowStore = { reserve: () => new Promise<number>(() => undefined) };
    const rate = new WindowRateLimiter({
      limits: { '*': 5 },
      scope: 'demo',
      store: hanging,
      now: () => clock.now,
      storeTimeoutMs: 20,
      onStoreError: (error) => errors.push(error),
    });
    expect(await rate.take('GET /v2/customers/{id}')).toEqual({ granted: true });
    expect(errors).toEqual([expect.objectContaining({ message: 'rate limit store did not answer in time' })]);
  });

  it('counts in the container alone when the shared store fails, rather than refusing logins', async () => {
    const clock = { now: 5 * MINUTE };
    const errors: unknown[] = [];
    const broken: RateWindowStore = { reserve: async () => Promise.reject(new Error('DynamoDB down')) };
    const rate = new WindowRateLimiter({
      limits: { '*': 2 },
      scope: 'demo',
      store: broken,
      now: () => clock.now,
      onStoreError: (error) => errors.push(error),
    });
    const takes = await Promise.all([1, 2, 3].map(() => rate.take('GET /v2/customers/{id}')));
    expect(takes.map((t) => t.granted)).toEqual([true, true, false]);
    expect(errors.length).toBeGreaterThan(0);
  });
});
