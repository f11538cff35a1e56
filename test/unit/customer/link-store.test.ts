import { describe, expect, it } from 'vitest';
import { InMemoryLinkStore } from '../../../shared/customer/link-store.js';

describe('InMemoryLinkStore', () => {
  it('repairs a link only over the stale customer id it found', async () => {
    const store = new InMemoryLinkStore();
    await store.putIfAbsent({ brandId: 'b', sub: 's', customerId: 1, linkedAt: 1 });
    expect((await store.putIfAbsent({ brandId: 'b', sub: 's', customerId: 9, linkedAt: 2 })).customerId).toBe(1);
    expect((await store.replace({ brandId: 'b', sub: 's', customerId: 2, linkedAt: 3 }, 1)).customerId).toBe(2);
    expect((await store.replace({ brandId: 'b', sub: 's', customerId: 3, linkedAt: 4 }, 1)).customerId).toBe(2);
    expect((await store.get('b', 's'))?.customerId).toBe(2);
  });

  it('gives the lease to one owner until it expires or is released', async () => {
    const store = new InMemoryLinkStore();
    expect(await store.acquireLease('b', 's', 'a', 0, 5_000)).toBe(true);
    expect(await store.acquireLease('b', 's', 'b', 1_000, 5_000)).toBe(false);
    expect(await store.acquireLease('b', 's', 'b', 5_001, 5_000)).toBe(true);
    await store.releaseLease('b', 's', 'a');
    expect(await store.acquireLease('b', 's', 'c', 6_000, 5_000)).toBe(false);
    await store.releaseLease('b', 's', 'b');
    expect(await store.acquireLease('b', 's', 'c', 6_000, 5_000)).toBe(true);
  });
});
