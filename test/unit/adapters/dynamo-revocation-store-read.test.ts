// The shape of the revocation read the authorizer makes on every decision: one BatchGetItem for the session,
// token and user keys (one round trip on a cold container), unprocessed keys retried, failure when they stay.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoRevocationStore } from '../../../shared/adapters/dynamo-revocation-store.js';

const ddb = mockClient(DynamoDBDocumentClient);
afterEach(() => ddb.reset());

const T0 = 1_800_000_000;
const store = () =>
  new DynamoRevocationStore({
    documentClient: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    tableName: 'revocations',
    now: () => T0 * 1000,
  });
const query = { brandId: 'demo', sub: 'user-1', sid: 'sid-1', jti: 'jti-1', iat: T0 - 10 };

describe('DynamoRevocationStore.check', () => {
  it('reads the session, token and user keys in one consistent BatchGetItem', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { revocations: [] } });
    expect(await store().check(query)).toBeUndefined();
    expect(ddb.calls()).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        revocations: {
          Keys: [{ pk: 'sid#demo#sid-1' }, { pk: 'jti#demo#jti-1' }, { pk: 'sub#demo#user-1' }],
          ConsistentRead: true,
        },
      },
    });
  });

  it('retries unprocessed keys and finds the revocation they hold', async () => {
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { revocations: [] },
        UnprocessedKeys: { revocations: { Keys: [{ pk: 'sid#demo#sid-1' }] } },
      })
      .resolves({ Responses: { revocations: [{ pk: 'sid#demo#sid-1', expiresAt: T0 + 60 }] } });
    expect(await store().check(query)).toBe('SESSION_REVOKED');
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 2);
    expect(ddb.commandCalls(BatchGetCommand)[1]?.args[0].input.RequestItems?.revocations?.Keys).toEqual([
      { pk: 'sid#demo#sid-1' },
    ]);
  });

  it('fails (so the caller fails closed) when keys stay unprocessed', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: { revocations: [] },
      UnprocessedKeys: { revocations: { Keys: [{ pk: 'sub#demo#user-1' }] } },
    });
    await expect(store().check(query)).rejects.toThrow('unprocessed');
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 4);
  });
});
