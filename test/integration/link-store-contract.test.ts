// One contract for both link stores: the in-memory one the unit tests use must behave like the DynamoDB one
// the functions use (on dynalite), or the unit tests of the link flow prove nothing. Then the DynamoDB edge
// cases dynalite cannot produce (throttling, a link deleted between two calls), through aws-sdk-client-mock.
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { InMemoryLinkStore, type LinkStore } from '../../shared/customer/link-store.js';

let dynamo: LocalDynamo;
let tableName: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const tables = localTableNames('linkcontract');
  await createGatewayTables(dynamo.client, tables);
  tableName = tables.links;
});
afterAll(() => dynamo.close());

const stores: [string, () => LinkStore][] = [
  ['InMemoryLinkStore', () => new InMemoryLinkStore()],
  [
    'DynamoLinkStore',
    () => new DynamoLinkStore({ documentClient: DynamoDBDocumentClient.from(dynamo.client), tableName }),
  ],
];

describe.each(stores)('%s (link store contract)', (_name, makeStore) => {
  it('keeps links per brand and sub: a first writer wins, replace overwrites only the expected link', async () => {
    const store = makeStore();
    const sub = `s-${Math.random()}`;
    expect(await store.get('b1', sub)).toBeUndefined();
    expect(await store.putIfAbsent({ brandId: 'b1', sub, customerId: 1, linkedAt: 10 })).toEqual({
      brandId: 'b1',
      sub,
      customerId: 1,
      linkedAt: 10,
    });
    expect((await store.putIfAbsent({ brandId: 'b1', sub, customerId: 2, linkedAt: 20 })).customerId).toBe(1);
    expect((await store.putIfAbsent({ brandId: 'b2', sub, customerId: 5, linkedAt: 20 })).customerId).toBe(5);
    // A repair that expected another customer id (a concurrent repair won) leaves the link alone.
    expect((await store.replace({ brandId: 'b1', sub, customerId: 4, linkedAt: 30 }, 99)).customerId).toBe(1);
    await store.replace({ brandId: 'b1', sub, customerId: 3, linkedAt: 30 }, 1);
    expect(await store.get('b1', sub)).toEqual({ brandId: 'b1', sub, customerId: 3, linkedAt: 30 });
    expect((await store.get('b2', sub))?.customerId).toBe(5);
  });

  it('leases: one holder at a time, re-entrant for the holder, free after expiry or release by the holder only', async () => {
    const store = makeStore();
    const sub = `l-${Math.random()}`;
    expect(await store.acquireLease('b', sub, 'a', 1_000, 5_000)).toBe(true);
    expect(await store.acquireLease('b', sub, 'a', 2_000, 5_000)).toBe(true);
    expect(await store.acquireLease('b', sub, 'b', 2_000, 5_000)).toBe(false);
    await store.releaseLease('b', sub, 'b');
    expect(await store.acquireLease('b', sub, 'b', 3_000, 5_000)).toBe(false);
    expect(await store.acquireLease('b', sub, 'b', 7_001, 5_000)).toBe(true);
    await store.releaseLease('b', sub, 'b');
    expect(await store.acquireLease('b', sub, 'c', 7_002, 5_000)).toBe(true);
    expect(await store.acquireLease('other-brand', sub, 'd', 7_002, 5_000)).toBe(true);
  });
});

describe('DynamoLinkStore edge cases', () => {
  // Mock one client instance only (mocking the class would mock the dynalite-backed stores above too).
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const ddb = mockClient(client);
  const mocked = () => new DynamoLinkStore({ documentClient: client, tableName: 't' });
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });
  const throttled = () => new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

  it('passes on errors that are not a failed condition, from every write, as a retryable 503 (issue 21 item 8)', async () => {
    ddb.reset();
    ddb.on(PutCommand).rejects(throttled()).on(DeleteCommand).rejects(throttled());
    const link = { brandId: 'b', sub: 's', customerId: 1, linkedAt: 1 };
    const unavailable = { status: 503, code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 };
    await expect(mocked().putIfAbsent(link)).rejects.toMatchObject(unavailable);
    await expect(mocked().acquireLease('b', 's', 'o', 1, 1)).rejects.toMatchObject(unavailable);
    await expect(mocked().releaseLease('b', 's', 'o')).rejects.toMatchObject(unavailable);
    await expect(mocked().putIfAbsent(link)).rejects.toMatchObject({
      cause: expect.objectContaining({ message: 'slow down' }),
    });
  });

  it('rethrows the failed condition when the existing link vanished before it could be read', async () => {
    ddb.reset();
    ddb.on(PutCommand).rejects(conditionFailed()).on(GetCommand).resolves({});
    await expect(mocked().putIfAbsent({ brandId: 'b', sub: 's', customerId: 1, linkedAt: 1 })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
  });

  it('refuses a stored link item of the wrong shape instead of returning it', async () => {
    ddb.reset();
    ddb.on(GetCommand).resolves({ Item: { pk: 'link#b#s', brandId: 'b', sub: 's', customerId: 'not a number' } });
    await expect(mocked().get('b', 's')).rejects.toThrow();
  });
});
