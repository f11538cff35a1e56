import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';

describe('DynamoLinkStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let store: DynamoLinkStore;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    const tables = localTableNames('linkstore');
    await createGatewayTables(dynamo.client, tables);
    store = new DynamoLinkStore({
      documentClient: DynamoDBDocumentClient.from(dynamo.client),
      tableName: tables.links,
    });
  });
  afterAll(() => dynamo.close());

  it('writes a link once and returns the earlier link to a second writer', async () => {
    const first = await store.putIfAbsent({ brandId: 'b', sub: 's', customerId: 1, linkedAt: 10 });
    const second = await store.putIfAbsent({ brandId: 'b', sub: 's', customerId: 2, linkedAt: 20 });
    expect(first.customerId).toBe(1);
    expect(second.customerId).toBe(1);
    expect(await store.get('b', 's')).toEqual({ brandId: 'b', sub: 's', customerId: 1, linkedAt: 10 });
    // Repairing a link (the customer was merged away) only replaces the stale id it found.
    expect((await store.replace({ brandId: 'b', sub: 's', customerId: 3, linkedAt: 30 }, 1)).customerId).toBe(3);
    expect((await store.replace({ brandId: 'b', sub: 's', customerId: 4, linkedAt: 40 }, 1)).customerId).toBe(3);
    expect((await store.get('b', 's'))?.customerId).toBe(3);
  });

  it('gives the lease to one owner at a time until it is released or expires', async () => {
    const takes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.acquireLease('b', 'lease', `o${i}`, 1_000, 5_000)),
    );
    expect(takes.filter(Boolean)).toHaveLength(1);
    const winner = `o${takes.indexOf(true)}`;
    expect(await store.acquireLease('b', 'lease', 'late', 2_000, 5_000)).toBe(false);
    await store.releaseLease('b', 'lease', 'late');
    expect(await store.acquireLease('b', 'lease', 'late', 2_000, 5_000)).toBe(false);
    expect(await store.acquireLease('b', 'lease', 'after-expiry', 6_001, 5_000)).toBe(true);
    await store.releaseLease('b', 'lease', winner);
    expect(await store.acquireLease('b', 'lease', 'late', 6_002, 5_000)).toBe(false);
    await store.releaseLease('b', 'lease', 'after-expiry');
    expect(await store.acquireLease('b', 'lease', 'late', 6_003, 5_000)).toBe(true);
  });
});
