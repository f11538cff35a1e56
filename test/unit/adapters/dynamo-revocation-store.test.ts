// DynamoDB edge cases of the revocation list that dynalite cannot produce (the behaviour itself is covered by
// the shared contract on dynalite in test/integration/logout-revocation-store.test.ts): lost races, throttling,
// and errors that only carry the condition-failure name (another SDK copy's class).
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoRevocationStore } from '../../../shared/adapters/dynamo-revocation-store.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ddb = mockClient(client);
const NOW_MS = 1_700_000_000_000;
const store = (consistentRead?: boolean) =>
  new DynamoRevocationStore({
    documentClient: client,
    tableName: 'revocations',
    now: () => NOW_MS,
    ...(consistentRead === undefined ? {} : { consistentRead }),
  });
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });
/** A condition failure from another copy of the SDK: same name, different class. */
const foreignConditionFailed = () => Object.assign(new Error('condition'), { name: 'ConditionalCheckFailedException' });
const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });

beforeEach(() => {
  ddb.reset();
});

describe('DynamoRevocationStore', () => {
  it('gives up on revokeUserBefore after five lost races instead of looping forever', async () => {
    ddb.on(GetCommand).resolves({ Item: { pk: 'x', revokedBefore: 1, expiresAt: 2_000_000_000 } });
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(store().revokeUserBefore('b', 'u', 1_699_999_000, 1_800_000_000)).rejects.toThrow(
      'too many concurrent writers',
    );
    expect(ddb.commandCalls(PutCommand)).toHaveLength(5);
  });

  it('retries revokeUserBefore after a lost race that another SDK copy reports by name only', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejectsOnce(foreignConditionFailed()).resolves({});
    await store().revokeUserBefore('b', 'u', 1_699_999_000, 1_800_000_000);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('passes on throttling from every write instead of reporting success', async () => {
    ddb.on(PutCommand).rejects(throttled()).on(UpdateCommand).rejects(throttled()).on(GetCommand).resolves({});
    await expect(store().markLogoutTokenUsed('b', 'j', 1_800_000_000)).rejects.toThrow('slow down');
    await expect(store().revokeSession('b', 's', 1_800_000_000)).rejects.toThrow('slow down');
    await expect(store().revokeUserBefore('b', 'u', 1, 1_800_000_000)).rejects.toThrow('slow down');
  });

  it('treats a failed condition on a session revocation as "a longer one is already stored"', async () => {
    ddb.on(UpdateCommand).rejects(conditionFailed());
    await expect(store().revokeToken('b', 'j', 1_800_000_000)).resolves.toBeUndefined();
  });

  it('reads only the keys the token has (empty = absent), strongly consistent unless told otherwise', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: {} });
    expect(await store().check({ brandId: 'b', sub: '', sid: '', jti: '', iat: 1 })).toBeUndefined();
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(0);
    await store(false).check({ brandId: 'b', sub: '', sid: 's', jti: '', iat: 1 });
    await store().check({ brandId: 'b', sub: '', sid: '', jti: 'j', iat: 1 });
    const reads = ddb
      .commandCalls(BatchGetCommand)
      .map((call) => Object.values(call.args[0].input.RequestItems ?? {})[0]);
    expect(reads.map((read) => read?.ConsistentRead)).toEqual([false, true]);
    expect(reads.map((read) => read?.Keys?.length)).toEqual([1, 1]);
  });
});
