import { randomUUID } from 'node:crypto';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { createDocumentClient, type DynamoDBDocumentClient } from '../../shared/adapters/aws-clients.js';
import { DynamoBrandStore, pairGuardKey } from '../../shared/adapters/dynamo-brand-store.js';
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
  store = new DynamoBrandStore({ documentClient: ddb, tableName, now: () => clock.now, guardGraceSeconds: 60 });
});
afterAll(async () => dynamo.close());

const ISSUER = 'https://ciam.example.com';
function doc(brandId: string, clientId = `${brandId}-client`, extra: Record<string, unknown> = {}): BrandDocument {
  return parseBrandDocument({
    brandId,
    brandName: brandId,
    orgId: 1,
    issuer: ISSUER,
    applicationId: 'api',
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
    expect(read?.config.acceptedAudiences).toEqual(['api']);
  });

  it('keeps a guard item per pair that never shows up as a brand', async () => {
    await store.save(doc('s2'), { expectedVersion: 0, actor: 'alice' });
    const guard = (await rawItems()).find((i) => i.brandId === pairGuardKey(ISSUER, 's2-client'));
    expect(guard).toMatchObject({ kind: 'issuer-client-guard', ownerBrandId: 's2' });
    expect(guard).not.toHaveProperty('issuer'); // stays out of the byIssuer index
    expect((await store.list()).map((b) => b.document.brandId)).not.toContain(guard?.brandId);
    expect(await store.get(String(guard?.brandId))).toBeUndefined();
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

  it('lets one of several brands racing for one pair win, with no pre-check to help', async () => {
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
    const guard = (await rawItems()).find((i) => i.brandId === pairGuardKey(ISSUER, 'contested'));
    expect(guard?.ownerBrandId).toBe(holders[0]?.document.brandId);
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

  it('takes over a leftover guard whose owner does not hold the pair once the grace period is over', async () => {
    // Arrange: a guard left behind by a crashed write of a brand that never got saved.
    const pair = pairGuardKey(ISSUER, 'orphaned');
    const leftover = {
      brandId: pair,
      kind: 'issuer-client-guard',
      ownerBrandId: 'ghost',
      claimedAt: clock.now - 10_000,
      claimToken: 't',
    };
    await ddb.send(new PutCommand({ TableName: tableName, Item: leftover }));

    // Act + Assert: still fresh -> refused; old -> taken over
    await expect(store.save(doc('s5', 'orphaned'), { expectedVersion: 0, actor: 'a' })).rejects.toMatchObject({
      code: 'BRAND_ISSUER_CLIENT_TAKEN',
    });
    await ddb.send(new PutCommand({ TableName: tableName, Item: { ...leftover, claimedAt: clock.now - 61_000 } }));
    await expect(store.save(doc('s5', 'orphaned'), { expectedVersion: 0, actor: 'a' })).resolves.toMatchObject({
      version: 1,
    });
  });

  it('never takes over the guard of a brand that holds the pair, however old', async () => {
    await store.save(doc('s6', 'held'), { expectedVersion: 0, actor: 'a' });
    clock.now += 3_600_000;
    await expect(store.save(doc('s7', 'held'), { expectedVersion: 0, actor: 'a' })).rejects.toMatchObject({
      code: 'BRAND_ISSUER_CLIENT_TAKEN',
    });
  });

  it('releases the old pair on change and the pair on delete', async () => {
    // Arrange
    clock.now += 1_000;
    await store.save(doc('s8', 'first'), { expectedVersion: 0, actor: 'a' });
    clock.now += 1_000;

    // Act
    await store.save(doc('s8', 'second'), { expectedVersion: 1, actor: 'a' });
    clock.now += 1_000;
    const deleted = await store.delete('s8', { expectedVersion: 2 });

    // Assert
    expect(deleted?.version).toBe(2);
    const keys = (await rawItems()).map((i) => i.brandId);
    expect(keys).not.toContain(pairGuardKey(ISSUER, 'first'));
    expect(keys).not.toContain(pairGuardKey(ISSUER, 'second'));
    expect(keys).not.toContain('s8');
    expect(await store.delete('s8')).toBeUndefined();
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
