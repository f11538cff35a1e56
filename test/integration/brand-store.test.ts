import { randomUUID } from 'node:crypto';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { createDocumentClient, type DynamoDBDocumentClient } from '../../shared/adapters/aws-clients.js';
import { DynamoBrandStore, selectorItemKey } from '../../shared/adapters/dynamo-brand-store.js';
import { type BrandDocument, parseBrandDocument } from '../../shared/config/brand-config.js';

let dynamo: LocalDynamo;
let ddb: DynamoDBDocumentClient;
let tableName: string;
let store: DynamoBrandStore;
const clock = { now: Date.parse('2026-11-29T04:00:00Z') };

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  const tables = localTableNames(`s-${randomUUID().slice(0, 8)}`);
  await createGatewayTables(dynamo.client, tables);
  tableName = tables.brands;
  ddb = createDocumentClient(dynamo.client);
  store = new DynamoBrandStore({ documentClient: ddb, tableName, now: () => clock.now });
});
afterAll(async () => dynamo.close());

const ISSUER = 'https://ciam.example.com';
const clientKey = (value: string) => selectorItemKey({ kind: 'client', issuer: ISSUER, value });
const audienceKey = (value: string) => selectorItemKey({ kind: 'audience', issuer: ISSUER, value });
function doc(brandId: string, clientId = `${brandId}-client`, extra: Record<string, unknown> = {}): BrandDocument {
  return parseBrandDocument({
    brandId,
    brandName: brandId,
    orgId: 1,
    issuer: ISSUER,
    applicationId: `api-${brandId}`,
    clientId,
    jwksUri: `${ISSUER}/jwks`,
    userInfoEndpoint: `${ISSUER}/me`,
    fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
    capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: '/c' },
    ...extra,
  });
}

async function rawItems() {
  const { Items } = await ddb.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return Items ?? [];
}

describe('DynamoBrandStore', () => {
  it('creates version 1, reads it back and bumps the version on update', async () => {
    // Act
    const created = await store.save(doc('s1'), { expectedVersion: 0, actor: 'alice' });
    const updated = await store.save(doc('s1', 's1-client', { brandName: 'new name' }), {
      expectedVersion: 1,
      actor: 'bob',
    });
    const read = await store.get('s1');

    // Assert
    expect(created.version).toBe(1);
    expect(updated.version).toBe(2);
    expect(read).toMatchObject({ version: 2, updatedBy: 'bob', document: { brandName: 'new name' } });
    expect(read?.config.acceptedAudiences).toEqual(['api-s1']);
  });

  it('keeps a selector item per client id and audience that never shows up as a brand', async () => {
    await store.save(doc('s2'), { expectedVersion: 0, actor: 'alice' });
    const items = await rawItems();
    const client = items.find((i) => i.brandId === clientKey('s2-client'));
    const audience = items.find((i) => i.brandId === audienceKey('api-s2'));
    expect(client).toMatchObject({ kind: 'brand-selector', mode: 'exclusive', owner: 's2', selValue: 's2-client' });
    expect(audience).toMatchObject({ kind: 'brand-selector', mode: 'exclusive', owner: 's2', selValue: 'api-s2' });
    expect(client).not.toHaveProperty('issuer'); // stays out of the byIssuer index
    expect((await store.list()).map((b) => b.document.brandId)).toEqual(expect.not.arrayContaining([client?.brandId]));
    expect(await store.get(String(client?.brandId))).toBeUndefined();
  });

  it('refuses a stale version, a re-create and an update of a missing brand', async () => {
    await store.save(doc('s3'), { expectedVersion: 0, actor: 'a' });
    await expect(store.save(doc('s3'), { expectedVersion: 0, actor: 'a' })).rejects.toMatchObject({
      status: 409,
      code: 'VERSION_CONFLICT',
    });
    await expect(store.save(doc('s3'), { expectedVersion: 5, actor: 'a' })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
    await expect(store.save(doc('s3-missing'), { expectedVersion: 1, actor: 'a' })).rejects.toMatchObject({
      code: 'VERSION_CONFLICT',
    });
  });

  it('lets one of several brands racing for one client id win, with no pre-check to help', async () => {
    // Act
    const results = await Promise.allSettled(
      ['r1', 'r2', 'r3', 'r4'].map((id) => store.save(doc(id, 'contested'), { expectedVersion: 0, actor: 'a' })),
    );

    // Assert
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409, code: 'BRAND_ISSUER_CLIENT_TAKEN' });
    }
    const holders = (await store.list()).filter((b) => b.document.clientId === 'contested');
    expect(holders).toHaveLength(1);
    const selector = (await rawItems()).find((i) => i.brandId === clientKey('contested'));
    expect(selector?.owner).toBe(holders[0]?.document.brandId);
    // The losers left nothing behind: their own audiences are free.
    const keys = (await rawItems()).map((i) => i.brandId);
    for (const id of ['r1', 'r2', 'r3', 'r4'].filter((id) => id !== holders[0]?.document.brandId)) {
      expect(keys).not.toContain(audienceKey(`api-${id}`));
      expect(keys).not.toContain(id);
    }
  });

  it('issue 21 item 2: lets one of several brands racing for one issuer + audience win', async () => {
    const results = await Promise.allSettled(
      ['q1', 'q2', 'q3', 'q4'].map((id) =>
        store.save(doc(id, `${id}-client`, { applicationId: 'shared-api' }), { expectedVersion: 0, actor: 'a' }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ status: 409, code: 'BRAND_AUDIENCE_TAKEN' });
    }
  });

  it('lets brands that all require the client claim share an audience, and refuses one that does not', async () => {
    const strict = { applicationId: 'shared-strict', requireClientClaim: true };
    await store.save(doc('t1', 't1-client', strict), { expectedVersion: 0, actor: 'a' });
    await store.save(doc('t2', 't2-client', strict), { expectedVersion: 0, actor: 'a' });
    expect((await rawItems()).find((i) => i.brandId === audienceKey('shared-strict'))).toMatchObject({
      mode: 'shared',
      owners: new Set(['t1', 't2']),
    });
    await expect(
      store.save(doc('t3', 't3-client', { applicationId: 'shared-strict' }), { expectedVersion: 0, actor: 'a' }),
    ).rejects.toMatchObject({ code: 'BRAND_AUDIENCE_TAKEN', message: expect.stringMatching(/brand t[12]/) });
    // The sharers leave; the last one out frees the audience for an exclusive holder.
    await store.delete('t1');
    await store.save(doc('t2', 't2-client', { applicationId: 'elsewhere', requireClientClaim: true }), {
      expectedVersion: 1,
      actor: 'a',
    });
    await expect(
      store.save(doc('t3', 't3-client', { applicationId: 'shared-strict' }), { expectedVersion: 0, actor: 'a' }),
    ).resolves.toMatchObject({ version: 1 });
  });

  it('switches its own audience between exclusive and shared when requireClientClaim changes', async () => {
    await store.save(doc('u1'), { expectedVersion: 0, actor: 'a' });
    await store.save(doc('u1', 'u1-client', { requireClientClaim: true }), { expectedVersion: 1, actor: 'a' });
    expect((await rawItems()).find((i) => i.brandId === audienceKey('api-u1'))).toMatchObject({
      mode: 'shared',
      owners: new Set(['u1']),
    });
    await store.save(doc('u1'), { expectedVersion: 2, actor: 'a' });
    expect((await rawItems()).find((i) => i.brandId === audienceKey('api-u1'))).toMatchObject({
      mode: 'exclusive',
      owner: 'u1',
    });
  });

  it('lets one of N concurrent updates at the same version win', async () => {
    await store.save(doc('s4'), { expectedVersion: 0, actor: 'a' });
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.save(doc('s4', 's4-client', { brandName: `w${i}` }), { expectedVersion: 1, actor: `w${i}` }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.get('s4'))?.version).toBe(2);
  });

  it('claims the keys of a brand saved before selector items existed on its next save', async () => {
    // A brand item as the store wrote it before this version: no selector items.
    await ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...doc('legacy'), version: 1, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'a' },
      }),
    );
    await store.save(doc('legacy'), { expectedVersion: 1, actor: 'a' });
    const keys = (await rawItems()).map((i) => i.brandId);
    expect(keys).toEqual(expect.arrayContaining([clientKey('legacy-client'), audienceKey('api-legacy')]));
  });

  it('releases the keys it no longer holds on change, and every key on delete', async () => {
    // Arrange
    await store.save(doc('s8', 'first'), { expectedVersion: 0, actor: 'a' });

    // Act
    await store.save(doc('s8', 'second', { clientIds: ['second', 'third'] }), { expectedVersion: 1, actor: 'a' });
    const afterChange = (await rawItems()).map((i) => i.brandId);
    const deleted = await store.delete('s8', { expectedVersion: 2 });

    // Assert
    expect(afterChange).not.toContain(clientKey('first'));
    expect(afterChange).toEqual(expect.arrayContaining([clientKey('second'), clientKey('third')]));
    expect(deleted?.version).toBe(2);
    const keys = (await rawItems()).map((i) => i.brandId);
    for (const key of [clientKey('second'), clientKey('third'), audienceKey('api-s8'), 's8']) {
      expect(keys).not.toContain(key);
    }
    expect(await store.delete('s8')).toBeUndefined();
    // Another brand may take them now.
    await expect(store.save(doc('s8b', 'second'), { expectedVersion: 0, actor: 'a' })).resolves.toMatchObject({
      version: 1,
    });
  });

  it('refuses a delete at a stale version and keeps the brand', async () => {
    await store.save(doc('s9'), { expectedVersion: 0, actor: 'a' });
    await expect(store.delete('s9', { expectedVersion: 2 })).rejects.toMatchObject({ code: 'VERSION_CONFLICT' });
    expect((await store.get('s9'))?.version).toBe(1);
  });

  it('stores no attribute outside the brand document and its version metadata', async () => {
    await store.save(doc('s10'), { expectedVersion: 0, actor: 'a' });
    const item = (await rawItems()).find((i) => i.brandId === 's10') ?? {};
    const allowed = new Set([...Object.keys(doc('s10')), 'version', 'updatedAt', 'updatedBy', 'revision']);
    expect(Object.keys(item).filter((key) => !allowed.has(key))).toEqual([]);
  });
});
