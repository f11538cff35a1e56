import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoRevocationStore } from '../../shared/adapters/dynamo-revocation-store.js';
import { RevocationKeys } from '../../shared/revocation/revocation-checker.js';
import { revocationStoreContract, T0 } from '../unit/revocation/revocation-store-contract.js';

describe('DynamoRevocationStore on dynalite', () => {
  let dynamo: LocalDynamo;
  let documentClient: DynamoDBDocumentClient;
  let tableCount = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    documentClient = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo.close());

  async function freshStore() {
    const names = localTableNames(`rev-${++tableCount}`);
    await createGatewayTables(dynamo.client, names);
    let now = T0 * 1000;
    const store = new DynamoRevocationStore({ documentClient, tableName: names.revocations, now: () => now });
    return { store, tableName: names.revocations, setNow: (seconds: number) => (now = seconds * 1000) };
  }

  revocationStoreContract(freshStore);

  it('writes the documented key and the expiresAt TTL attribute in epoch seconds', async () => {
    const { store, tableName } = await freshStore();
    await store.revokeUserBefore('demo', 'user-1', T0, T0 + 100);
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: tableName, Key: { pk: RevocationKeys.user('demo', 'user-1') } }),
    );
    expect(Item).toMatchObject({ pk: 'sub#demo#user-1', revokedBefore: T0, expiresAt: T0 + 100, brandId: 'demo' });
  });

  it('keeps the strongest bound when several logouts of all sessions race', async () => {
    const { store } = await freshStore();
    await Promise.all([0, 1, 2, 3, 4].map((i) => store.revokeUserBefore('demo', 'user-1', T0 + i * 10, T0 + 100 + i)));
    expect(await store.check({ brandId: 'demo', sub: 'user-1', sid: '', jti: '', iat: T0 + 40 })).toBe('USER_REVOKED');
  });
});
