// DynamoDB answers of the brand store that dynalite cannot stage on demand (test/integration/brand-store.test.ts
// covers the behaviour on dynalite, transactions included): a transaction cancelled for the brand's own
// version, for a selector key whose holder vanished before it could be named, or for a concurrent
// transaction; throttling; and a stored item that no longer parses.
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoBrandStore, selectorItemKey } from '../../../shared/adapters/dynamo-brand-store.js';
import { ConfigError, ErrorCodes } from '../../../shared/errors.js';
import { logoutTestBrand } from '../revocation/brand-fixture.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ddb = mockClient(client);
const NOW = 1_700_000_000_000;
const store = () => new DynamoBrandStore({ documentClient: client, tableName: 'brands', now: () => NOW });
const {
  version: _version,
  acceptedAudiences: _aud,
  clientIds: _clients,
  revision: _rev,
  ...document
} = logoutTestBrand();
const stored = { ...document, version: 3, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'alice' };
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const throttled = () =>
  Object.assign(new Error('slow down'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

/** Unmatched calls answer as DynamoDB does for a miss / a successful write. */
function defaults(): void {
  ddb.reset();
  ddb
    .on(GetCommand)
    .resolves({})
    .on(BatchGetCommand)
    .resolves({ Responses: { brands: [] } });
  ddb.on(TransactWriteCommand).resolves({});
}

beforeEach(defaults);

describe('DynamoBrandStore edge cases', () => {
  it('never returns a selector item as a brand, and reports a stored brand that no longer parses as ConfigError', async () => {
    const key = selectorItemKey({ kind: 'client', issuer: document.issuer, value: document.clientId });
    expect(await store().get(key)).toBeUndefined();
    ddb.on(GetCommand).resolves({ Item: { ...stored, orgId: 'not-a-number' } });
    await expect(store().get('demo')).rejects.toBeInstanceOf(ConfigError);
  });

  it('writes the brand and its selector keys in one transaction', async () => {
    await store().save(document, { expectedVersion: 0, actor: 'bob' });
    const [call] = ddb.commandCalls(TransactWriteCommand);
    const actions = call?.args[0].input.TransactItems ?? [];
    expect(actions[0]?.Put?.Item).toMatchObject({ brandId: document.brandId, version: 1 });
    expect(
      actions.slice(1).map((a) => a.Put?.Item?.selKind ?? a.Update?.ExpressionAttributeValues?.[':selKind']),
    ).toEqual(['client', 'audience']);
  });

  it('answers VERSION_CONFLICT when the brand itself changed between the read and the transaction', async () => {
    ddb.on(GetCommand, { Key: { brandId: document.brandId } }).resolves({ Item: stored });
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'None', 'None'));
    await expect(store().save(document, { expectedVersion: 3, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.VERSION_CONFLICT,
    });
  });

  it('names the concurrent holder of a key, or says "concurrently" when it vanished before it could be read', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('None', 'ConditionalCheckFailed', 'None'));
    ddb
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { brands: [] } })
      .resolvesOnce({
        Responses: {
          brands: [
            {
              brandId: selectorItemKey({ kind: 'client', issuer: document.issuer, value: document.clientId }),
              mode: 'exclusive',
              owner: 'racer',
            },
          ],
        },
      });
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.BRAND_ISSUER_CLIENT_TAKEN,
      message: expect.stringContaining('brand racer'),
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { brands: [] } });
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.BRAND_ISSUER_CLIENT_TAKEN,
      message: expect.stringContaining('concurrently'),
    });
  });

  it('answers VERSION_CONFLICT for a transaction cancelled by a concurrent one, and for a stale delete', async () => {
    ddb.on(TransactWriteCommand).rejects(cancelled('TransactionConflict', 'None', 'None'));
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.VERSION_CONFLICT,
    });
    ddb.on(GetCommand).resolves({ Item: stored });
    ddb.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed'));
    await expect(store().delete('demo')).rejects.toMatchObject({ code: ErrorCodes.VERSION_CONFLICT });
  });

  it('answers a throttled read or transaction as a retryable 503 (issue 21 item 8)', async () => {
    ddb.on(TransactWriteCommand).rejects(throttled());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      status: 503,
      code: ErrorCodes.UPSTREAM_UNAVAILABLE,
    });
    defaults();
    ddb.on(BatchGetCommand).rejects(throttled());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({ status: 503 });
  });

  it('gives up on selector reads that stay unprocessed', async () => {
    ddb.on(BatchGetCommand).resolves({
      Responses: { brands: [] },
      UnprocessedKeys: { brands: { Keys: [{ brandId: 'x' }] } },
    });
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toThrow(/selector items/);
  });
});
