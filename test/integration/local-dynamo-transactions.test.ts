// The local DynamoDB's TransactWriteItems (dynalite has none; local/dynamo-transactions.ts adds it) against
// DynamoDB's documented semantics, through the real SDK: all or nothing, conditions against the state before
// the transaction, one CancellationReason per action, one action per item, isolation under concurrency, and the
// idempotency of a repeat with the same ClientRequestToken.
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeoutClientConfig } from '../../shared/adapters/request-timeouts.js';
import { type LocalDynamo, startLocalDynamo } from '../../local/local-dynamo.js';

const TABLE = 'transactions-test';
let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.client.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    }),
  );
  for (let i = 0; i < 50; i++) {
    try {
      await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: 'probe' } } }));
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
});
afterAll(() => dynamo.close());

const get = async (pk: string) =>
  (await dynamo.client.send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: pk } }, ConsistentRead: true })))
    .Item;
const putNew = (pk: string, extra: Record<string, { S: string }> = {}): TransactWriteItem => ({
  Put: {
    TableName: TABLE,
    Item: { pk: { S: pk }, ...extra },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});
const transact = (items: TransactWriteItem[]) =>
  dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: items }));

describe('TransactWriteItems on the local DynamoDB', () => {
  it('writes every action when every condition holds', async () => {
    await transact([putNew('a1'), putNew('a2', { v: { S: 'x' } })]);
    expect(await get('a1')).toEqual({ pk: { S: 'a1' } });
    expect(await get('a2')).toEqual({ pk: { S: 'a2' }, v: { S: 'x' } });
  });

  it('writes nothing when one condition fails, with a reason per action', async () => {
    await dynamo.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'b2' }, v: { S: 'old' } } }));
    await dynamo.client.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'b3' }, v: { S: 'keep' } } }));
    const error = await transact([
      putNew('b1'),
      putNew('b2'),
      {
        Update: {
          TableName: TABLE,
          Key: { pk: { S: 'b3' } },
          UpdateExpression: 'SET v = :new',
          ExpressionAttributeValues: { ':new': { S: 'changed' } },
        },
      },
      { Delete: { TableName: TABLE, Key: { pk: { S: 'a1' } } } },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
      'None',
    ]);
    expect(await get('b1')).toBeUndefined();
    expect(await get('b2')).toEqual({ pk: { S: 'b2' }, v: { S: 'old' } });
    expect(await get('b3')).toEqual({ pk: { S: 'b3' }, v: { S: 'keep' } });
    expect(await get('a1')).toEqual({ pk: { S: 'a1' } });
  });

  it('evaluates a ConditionCheck without writing, and cancels on it', async () => {
    const check = (pk: string, condition: string): TransactWriteItem => ({
      ConditionCheck: { TableName: TABLE, Key: { pk: { S: pk } }, ConditionExpression: condition },
    });
    await transact([check('a2', 'attribute_exists(pk)'), check('nothing', 'attribute_not_exists(pk)'), putNew('c1')]);
    expect(await get('c1')).toBeDefined();
    expect(await get('nothing')).toBeUndefined();
    expect(await get('a2')).toEqual({ pk: { S: 'a2' }, v: { S: 'x' } });
    await expect(transact([check('nothing', 'attribute_exists(pk)'), putNew('c2')])).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
    expect(await get('c2')).toBeUndefined();
  });

  it('refuses two actions on one item (ValidationException) and leaves single writes as they were', async () => {
    await expect(
      transact([putNew('d1'), { Delete: { TableName: TABLE, Key: { pk: { S: 'd1' } } } }]),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(
      dynamo.client.send(
        new PutItemCommand({
          TableName: TABLE,
          Item: { pk: { S: 'a1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });

  it('answers a repeat of a committed transaction with its ClientRequestToken as DynamoDB does: success, no change', async () => {
    // The SDK's retry of an attempt that committed but answered after the client's request timeout.
    const items = [putNew('t1', { v: { S: 'first' } })];
    await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: 'retry-1' }));
    await dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: 'retry-1' }));
    expect(await get('t1')).toEqual({ pk: { S: 't1' }, v: { S: 'first' } });
    // Without the token (a new request) the same actions fail their condition.
    await expect(transact(items)).rejects.toBeInstanceOf(TransactionCanceledException);
    // The same token with other actions.
    const mismatch = await dynamo.client
      .send(new TransactWriteItemsCommand({ TransactItems: [putNew('t2')], ClientRequestToken: 'retry-1' }))
      .catch((e: unknown) => e);
    expect((mismatch as Error).name).toBe('IdempotentParameterMismatchException');
    expect(await get('t2')).toBeUndefined();
  });

  it("lets the SDK's retry of a transaction whose answer came after the request timeout succeed", async () => {
    // A loaded machine: the first answer is held past the client's request timeout after the front committed.
    let held = false;
    const proxy = createServer((req, res) => {
      const target = new URL(dynamo.endpoint);
      const forward = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
        (upstream) => {
          const hold = !held && String(req.headers['x-amz-target']).endsWith('TransactWriteItems');
          held ||= hold;
          setTimeout(
            () => {
              if (res.destroyed) {
                upstream.resume();
                return;
              }
              res.writeHead(upstream.statusCode ?? 500, upstream.headers);
              upstream.pipe(res);
            },
            hold ? 400 : 0,
          );
        },
      );
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const client = new DynamoDBClient({
      endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      ...timeoutClientConfig({ connectionTimeoutMs: 500, requestTimeoutMs: 150, maxAttempts: 3 }),
    });
    try {
      await client.send(new TransactWriteItemsCommand({ TransactItems: [putNew('slow1')] }));
      expect(held).toBe(true);
      expect(await get('slow1')).toEqual({ pk: { S: 'slow1' } });
    } finally {
      client.destroy();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('lets exactly one of 20 concurrent transactions claim a shared unique item', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => transact([putNew(`own-${i}`), putNew('unique', { by: { S: String(i) } })])),
    );
    const winners = outcomes.flatMap((outcome, i) => (outcome.status === 'fulfilled' ? [i] : []));
    expect(winners).toHaveLength(1);
    expect(await get('unique')).toEqual({ pk: { S: 'unique' }, by: { S: String(winners[0]) } });
    for (let i = 0; i < 20; i++) expect(Boolean(await get(`own-${i}`))).toBe(i === winners[0]);
  });
});
