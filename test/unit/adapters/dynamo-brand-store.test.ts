// DynamoDB races of the brand store that dynalite cannot stage on demand (test/integration/brand-store.test.ts
// covers the behaviour on dynalite): a concurrent writer between read and write, a guard that vanishes or is
// taken over first, throttling, and a stored item that no longer parses.
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoBrandStore, pairGuardKey } from '../../../shared/adapters/dynamo-brand-store.js';
import { ConfigError, ErrorCodes } from '../../../shared/errors.js';
import { logoutTestBrand } from '../revocation/brand-fixture.js';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const ddb = mockClient(client);
const NOW = 1_700_000_000_000;
const store = () => new DynamoBrandStore({ documentClient: client, tableName: 'brands', now: () => NOW });
const { version: _version, acceptedAudiences: _aud, ...document } = logoutTestBrand();
const stored = { ...document, version: 3, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'alice' };
const guardKey = pairGuardKey(document.issuer, document.clientId);
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'condition', $metadata: {} });
const throttled = () => Object.assign(new Error('slow down'), { name: 'ThrottlingException' });

/** Unmatched calls answer as DynamoDB does for a miss / a successful write. */
function defaults(): void {
  ddb.reset();
  ddb.on(GetCommand).resolves({}).on(PutCommand).resolves({}).on(DeleteCommand).resolves({});
}

beforeEach(defaults);

describe('DynamoBrandStore edge cases', () => {
  it('never returns a guard item as a brand, and reports a stored brand that no longer parses as ConfigError', async () => {
    expect(await store().get(guardKey)).toBeUndefined();
    ddb.on(GetCommand).resolves({ Item: { ...stored, orgId: 'not-a-number' } });
    await expect(store().get('demo')).rejects.toBeInstanceOf(ConfigError);
  });

  it('answers VERSION_CONFLICT when another writer saved between the read and the write, and releases its new guard', async () => {
    ddb.on(GetCommand, { Key: { brandId: 'demo' } }).resolves({ Item: stored });
    ddb.on(PutCommand).resolves({});
    ddb.on(PutCommand, { Item: { brandId: 'demo' } }).rejects(conditionFailed());
    ddb.on(DeleteCommand).resolves({});
    await expect(store().save(document, { expectedVersion: 3, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.VERSION_CONFLICT,
    });
    expect(ddb.commandCalls(DeleteCommand).map((call) => call.args[0].input.Key)).toEqual([{ brandId: guardKey }]);
  });

  it('answers BRAND_ISSUER_CLIENT_TAKEN when the guard was claimed and vanished before it could be read', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.BRAND_ISSUER_CLIENT_TAKEN,
      message: expect.stringContaining('concurrently'),
    });
  });

  it('answers BRAND_ISSUER_CLIENT_TAKEN when another writer takes over the same stale guard first', async () => {
    ddb.on(GetCommand, { Key: { brandId: 'demo' } }).resolves({});
    ddb.on(GetCommand, { Key: { brandId: guardKey } }).resolves({
      Item: { brandId: guardKey, ownerBrandId: 'crashed', claimedAt: NOW - 3_600_000, claimToken: 'old' },
    });
    ddb.on(GetCommand, { Key: { brandId: 'crashed' } }).resolves({});
    ddb.on(PutCommand).rejects(conditionFailed());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toMatchObject({
      code: ErrorCodes.BRAND_ISSUER_CLIENT_TAKEN,
      message: expect.stringContaining('crashed'),
    });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('answers VERSION_CONFLICT when the brand changed between the read and the delete', async () => {
    ddb.on(GetCommand).resolves({ Item: stored });
    ddb.on(DeleteCommand).rejects(conditionFailed());
    await expect(store().delete('demo')).rejects.toMatchObject({ code: ErrorCodes.VERSION_CONFLICT });
  });

  it('passes on throttling from the guard, the brand write, the delete and the guard release', async () => {
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand).rejects(throttled());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toThrow('slow down');

    defaults();
    ddb.on(GetCommand).resolves({});
    ddb.on(PutCommand, { Item: { brandId: guardKey } }).resolves({});
    ddb.on(PutCommand, { Item: { brandId: 'demo' } }).rejects(throttled());
    await expect(store().save(document, { expectedVersion: 0, actor: 'bob' })).rejects.toThrow('slow down');

    defaults();
    ddb.on(GetCommand).resolves({ Item: stored });
    ddb.on(DeleteCommand, { Key: { brandId: 'demo' } }).rejects(throttled());
    await expect(store().delete('demo')).rejects.toThrow('slow down');

    defaults();
    ddb.on(GetCommand).resolves({ Item: stored });
    ddb.on(DeleteCommand, { Key: { brandId: 'demo' } }).resolves({});
    ddb.on(DeleteCommand, { Key: { brandId: guardKey } }).rejects(throttled());
    await expect(store().delete('demo')).rejects.toThrow('slow down');
  });
});
