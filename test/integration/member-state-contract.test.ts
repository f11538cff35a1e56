// One contract for both member state stores (in memory for unit tests, DynamoDB on dynalite for the functions):
// idempotency claims (claim, replay, mismatch, in progress, takeover of an expired lease, release, an expired
// record) and the per-member write window (count, refuse when full, a new window, concurrent writers). Then the
// DynamoDB edge cases dynalite cannot produce, through aws-sdk-client-mock.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoMemberStateStore } from '../../shared/adapters/dynamo-member-state.js';
import { InMemoryMemberStateStore, type MemberStateStore } from '../../shared/member/member-state.js';

let dynamo: LocalDynamo;
let tableName: string;
beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const tables = localTableNames('statecontract');
  await createGatewayTables(dynamo.client, tables);
  tableName = tables.links;
});
afterAll(() => dynamo.close());

const stores: [string, () => MemberStateStore][] = [
  ['InMemoryMemberStateStore', () => new InMemoryMemberStateStore()],
  [
    'DynamoMemberStateStore',
    () =>
      new DynamoMemberStateStore({
        documentClient: DynamoDBDocumentClient.from(dynamo.client),
        tableName,
      }),
  ],
];

const NOW = 1_800_000_000_000;

describe.each(stores)('%s (member state contract)', (_name, makeStore) => {
  const ref = () => ({ brandId: 'demo', sub: `s-${Math.random()}`, key: 'k ü 1' });

  it('claims a key once: the same request replays the stored answer, another one is a mismatch', async () => {
    const store = makeStore();
    const key = ref();
    expect(await store.claimIdempotency(key, 'fp', 'o1', NOW, 5_000, 3600)).toEqual({
      kind: 'claimed',
      takeover: false,
    });
    expect(await store.claimIdempotency(key, 'fp', 'o2', NOW + 1, 5_000, 3600)).toEqual({
      kind: 'in-progress',
      retryAfterSeconds: 5,
    });
    expect(await store.claimIdempotency(key, 'other', 'o2', NOW + 1, 5_000, 3600)).toEqual({ kind: 'mismatch' });
    const response = { status: 201, body: { points: 1505.169, list: [1, 'a', null] } };
    await store.completeIdempotency(key, 'o1', response, NOW + 2, 3600);
    expect(await store.claimIdempotency(key, 'fp', 'o3', NOW + 3, 5_000, 3600)).toEqual({ kind: 'replay', response });
    // Another member's same key is another key.
    expect((await store.claimIdempotency({ ...key, sub: `${key.sub}x` }, 'fp', 'o4', NOW, 5_000, 3600)).kind).toBe(
      'claimed',
    );
  });

  it('lets a retry take over an expired lease of the same request, and keeps the first holder from overwriting it', async () => {
    const store = makeStore();
    const key = ref();
    await store.claimIdempotency(key, 'fp', 'dead', NOW, 1_000, 3600);
    expect(await store.claimIdempotency(key, 'other', 'o2', NOW + 2_000, 5_000, 3600)).toEqual({ kind: 'mismatch' });
    expect(await store.claimIdempotency(key, 'fp', 'o2', NOW + 2_000, 5_000, 3600)).toEqual({
      kind: 'claimed',
      takeover: true,
    });
    await store.completeIdempotency(key, 'dead', { status: 500, body: 'late' }, NOW + 2_100, 3600);
    await store.releaseIdempotency(key, 'dead');
    await store.completeIdempotency(key, 'o2', { status: 201, body: 'mine' }, NOW + 2_200, 3600);
    expect(await store.claimIdempotency(key, 'fp', 'o3', NOW + 2_300, 5_000, 3600)).toMatchObject({
      kind: 'replay',
      response: { body: 'mine' },
    });
  });

  it('frees a released claim for the same key, and forgets records past their TTL', async () => {
    const store = makeStore();
    const key = ref();
    await store.claimIdempotency(key, 'fp', 'o1', NOW, 5_000, 3600);
    await store.releaseIdempotency(key, 'o1');
    expect((await store.claimIdempotency(key, 'fp', 'o2', NOW + 1, 5_000, 3600)).kind).toBe('claimed');
    await store.completeIdempotency(key, 'o2', { status: 201, body: {} }, NOW + 2, 60);
    // A day later the record has expired (TTL deletes lazily; readers check it): a new claim, even for another request.
    expect(await store.claimIdempotency(key, 'new', 'o3', NOW + 86_400_000, 5_000, 3600)).toEqual({
      kind: 'claimed',
      takeover: false,
    });
  });

  it('counts writes in fixed windows: refused once full, with the seconds left; a new window starts afresh', async () => {
    const store = makeStore();
    const sub = `w-${Math.random()}`;
    const limit = { maxWrites: 2, windowSeconds: 60 };
    const start = Math.floor(NOW / 60_000) * 60_000;
    expect(await store.consumeWrite('demo', sub, start + 1_000, limit)).toEqual({ allowed: true });
    expect(await store.consumeWrite('demo', sub, start + 2_000, limit)).toEqual({ allowed: true });
    expect(await store.consumeWrite('demo', sub, start + 50_500, limit)).toEqual({
      allowed: false,
      retryAfterSeconds: 10,
    });
    expect(await store.consumeWrite('demo', sub, start + 60_000, limit)).toEqual({ allowed: true });
    // Another window size is another window.
    expect(await store.consumeWrite('demo', sub, start + 60_001, { maxWrites: 1, windowSeconds: 3600 })).toEqual({
      allowed: true,
    });
  });

  it('admits exactly maxWrites of many concurrent writes', async () => {
    const store = makeStore();
    const sub = `c-${Math.random()}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => store.consumeWrite('demo', sub, NOW, { maxWrites: 5, windowSeconds: 60 })),
    );
    expect(results.filter((result) => result.allowed)).toHaveLength(5);
  });
});

describe('DynamoMemberStateStore edge cases', () => {
  const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const ddb = mockClient(documentClient);
  const store = new DynamoMemberStateStore({ documentClient, tableName: 't' });
  const key = { brandId: 'demo', sub: 's', key: 'k' };
  const conditionFailed = () => new ConditionalCheckFailedException({ message: 'no', $metadata: {} });

  it('claims again when the record vanished between the refused put and the read', async () => {
    ddb.reset();
    ddb.on(PutCommand).rejectsOnce(conditionFailed()).resolves({});
    ddb.on(GetCommand).resolves({});
    expect(await store.claimIdempotency(key, 'fp', 'o', NOW, 1000, 60)).toEqual({ kind: 'claimed', takeover: false });
  });

  it('answers "in progress" when the record keeps appearing and vanishing', async () => {
    ddb.reset();
    ddb.on(PutCommand).rejects(conditionFailed());
    ddb.on(GetCommand).resolves({});
    expect(await store.claimIdempotency(key, 'fp', 'o', NOW, 1000, 60)).toEqual({
      kind: 'in-progress',
      retryAfterSeconds: 1,
    });
  });

  it('passes other DynamoDB failures on (the handler answers them as errors, never as a claim)', async () => {
    ddb.reset();
    ddb.on(PutCommand).rejects(new Error('throttled'));
    await expect(store.claimIdempotency(key, 'fp', 'o', NOW, 1000, 60)).rejects.toThrow('throttled');
    ddb.on(UpdateCommand).rejects(new Error('throttled'));
    await expect(store.consumeWrite('demo', 's', NOW, { maxWrites: 1, windowSeconds: 60 })).rejects.toThrow(
      'throttled',
    );
    await expect(store.completeIdempotency(key, 'o', { status: 201, body: {} }, NOW, 60)).rejects.toThrow('throttled');
  });
});
