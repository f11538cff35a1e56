// One contract for both rate-window stores (the counters of the brands' Capillary rate limits): the in-memory
// one a single container uses and the DynamoDB one every container of a stage shares (on dynalite). However
// many containers reserve at once, the counter of a window never passes the limit, and what is left is given.
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoRateWindowStore, rateWindowKey } from '../../shared/adapters/dynamo-rate-window-store.js';
import {
  InMemoryRateWindowStore,
  type RateWindowStore,
  WindowRateLimiter,
} from '../../shared/capillary/capillary-rate-limit.js';

let dynamo: LocalDynamo;
let tableName: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const tables = localTableNames('ratecontract');
  await createGatewayTables(dynamo.client, tables);
  tableName = tables.links;
});
afterAll(() => dynamo.close());

const stores: [string, () => RateWindowStore][] = [
  ['InMemoryRateWindowStore', () => new InMemoryRateWindowStore()],
  [
    'DynamoRateWindowStore',
    () => new DynamoRateWindowStore({ documentClient: DynamoDBDocumentClient.from(dynamo.client), tableName }),
  ],
];

describe.each(stores)('%s (rate window store contract)', (_name, makeStore) => {
  it('adds blocks while they fit, then what is left, then nothing', async () => {
    const store = makeStore();
    const key = `demo#POST /v2/customers#${Math.random()}`;
    const expires = Date.now() + 60_000;
    expect(await store.reserve(key, 4, 10, expires)).toBe(4);
    expect(await store.reserve(key, 4, 10, expires)).toBe(4);
    expect(await store.reserve(key, 4, 10, expires)).toBe(2);
    expect(await store.reserve(key, 1, 10, expires)).toBe(0);
  });

  it('never passes the limit when many containers reserve at once', async () => {
    const store = makeStore();
    const key = `demo#GET /v2/customers/lookup#${Math.random()}`;
    const got = await Promise.all(Array.from({ length: 20 }, () => store.reserve(key, 3, 25, Date.now() + 60_000)));
    expect(got.reduce((a, b) => a + b, 0)).toBe(25);
  });

  it('keeps two containers sharing the store under the brand limit together', async () => {
    const store = makeStore();
    const scope = `brand-${Math.random()}`;
    const containers = [1, 2].map(() => new WindowRateLimiter({ limits: { '*': 7 }, scope, store }));
    const takes = await Promise.all(
      Array.from({ length: 12 }, (_, i) => containers[i % 2]?.take('POST /v2/customers')),
    );
    expect(takes.filter((take) => take?.granted)).toHaveLength(7);
  });
});

describe('DynamoRateWindowStore', () => {
  it('writes one TTL item per brand, API and minute in the links table, expiring after the window', async () => {
    const documentClient = DynamoDBDocumentClient.from(dynamo.client);
    const store = new DynamoRateWindowStore({ documentClient, tableName });
    await store.reserve('demo#POST /v2/customers#29000000', 2, 100, 29_000_001 * 60_000);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: rateWindowKey('demo#POST /v2/customers#29000000') } }),
    );
    expect(Item).toMatchObject({ calls: 2, expiresAt: Math.ceil((29_000_001 * 60_000) / 1000) + 120 });
  });
});
