import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmSecretWriter } from '../../../shared/adapters/ssm-secret-source.js';
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectorItemKey } from '../../../shared/adapters/dynamo-brand-store.js';
import type { GatewaySettings } from '../../../shared/env.js';
import { createGatewayRuntime } from '../../../shared/runtime/gateway-runtime.js';

const ddb = mockClient(DynamoDBDocumentClient);
const ssm = mockClient(SSMClient);

const settings: GatewaySettings = {
  logLevel: 'SILENT',
  stage: 'test',
  tables: { brands: 'brands', links: 'links', revocations: 'revocations' },
  ssmPrefix: '/gw/test',
  configCacheTtlSeconds: 60,
  configStaleIfErrorSeconds: 300,
  revocationCacheTtlSeconds: 5,
  authorizerCacheTtlSeconds: 300,
  corsAllowedOrigins: [],
};

function item(brandId: string, issuer: string) {
  return {
    brandId,
    brandName: brandId,
    orgId: 7,
    issuer,
    applicationId: 'api',
    clientId: `${brandId}-client`,
    jwksUri: `${issuer}/jwks`,
    userInfoEndpoint: `${issuer}/me`,
    fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
    capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: '/c' },
    version: 3,
    updatedAt: '2026-11-29T00:00:00.000Z',
    updatedBy: 'alice',
  };
}

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });

beforeEach(() => {
  ddb.reset();
  ssm.reset();
});
afterEach(() => {
  ddb.reset();
  ssm.reset();
});

describe('createGatewayRuntime', () => {
  it("has no brand or secret writer: the admin function builds those on the runtime's SSM client", async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const runtime = createGatewayRuntime({ ...settings, secretsKmsKeyId: 'alias/brand-secrets' });
    expect(runtime).not.toHaveProperty('secretWriter');
    expect(runtime).not.toHaveProperty('brandStore');
    const writer = new SsmSecretWriter({ ssm: runtime.ssm, kmsKeyId: runtime.settings.secretsKmsKeyId });
    await writer.putSecret('/gw/test/brands/b/capillary', 'v');
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.KeyId).toBe('alias/brand-secrets');
  });

  it('builds nothing and calls nothing until a getter is read, then reuses one instance', () => {
    const runtime = createGatewayRuntime(settings);
    expect(ddb.calls()).toHaveLength(0);
    expect(runtime.brandDirectory).toBe(runtime.brandDirectory);
    expect(runtime.documentClient).toBe(runtime.documentClient);
    expect(runtime.secretSource).toBe(runtime.secretSource);
    expect(ddb.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });

  it('reads only the brand a cold lookup names (Query on the issuer index, GetItem by id), never a Scan', async () => {
    // Arrange
    ddb.on(QueryCommand).resolves({ Items: [item('a', 'https://ciam-a.example.com')] });
    ddb.on(GetCommand).resolves({ Item: item('b', 'https://ciam-b.example.com') });
    const runtime = createGatewayRuntime(settings);

    // Act
    const byIssuer = await runtime.brandDirectory.findByIssuer('https://ciam-a.example.com');
    const sameBrandById = await runtime.brandDirectory.getBrand('a');
    const byId = await runtime.brandDirectory.getBrand('b');

    // Assert
    expect(byIssuer.map((b) => b.brandId)).toEqual(['a']);
    expect(sameBrandById).toBe(byIssuer[0]);
    expect(byId?.version).toBe(3);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      TableName: 'brands',
      IndexName: 'byIssuer',
      KeyConditionExpression: '#issuer = :issuer',
      ExpressionAttributeNames: { '#issuer': 'issuer' },
      ExpressionAttributeValues: { ':issuer': 'https://ciam-a.example.com' },
    });
    expect(ddb).toHaveReceivedCommandTimes(GetCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'brands',
      Key: { brandId: 'b' },
      ConsistentRead: true,
    });
  });

  it('loads the full index off the request path after an unknown issuer, then answers every lookup from memory', async () => {
    // Arrange
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(ScanCommand).resolves({
      Items: [
        item('a', 'https://ciam-a.example.com'),
        item('b', 'https://ciam-b.example.com'),
        {
          brandId: selectorItemKey({ kind: 'client', issuer: 'https://ciam-a.example.com', value: 'a-client' }),
          kind: 'brand-selector',
          mode: 'exclusive',
          owner: 'a',
        },
      ],
    });
    const clock = { now: 0 };
    const runtime = createGatewayRuntime(settings, { now: () => clock.now });
    const unknown = await runtime.brandDirectory.findByIssuer('https://attacker-0.example');
    await new Promise((resolve) => setImmediate(resolve)); // the background scan completes
    const callsAfterIndex = ddb.calls().length;

    // Act
    for (let i = 1; i < 1_000; i++) {
      await runtime.brandDirectory.findByIssuer(i % 2 ? 'https://ciam-a.example.com' : `https://attacker-${i}.example`);
      await runtime.brandDirectory.getBrand(i % 3 ? 'b' : `unknown-${i}`);
    }

    // Assert
    expect(unknown).toEqual([]);
    expect(callsAfterIndex).toBe(2);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 1);
    expect(ddb.calls()).toHaveLength(2);
    expect((await runtime.brandDirectory.getBrand('a'))?.version).toBe(3);
    expect(await runtime.brandDirectory.listBrands()).toHaveLength(2);
  });

  it('pages through the issuer index and through the whole table', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('a', 'https://x.example.com')], LastEvaluatedKey: { brandId: 'a' } })
      .resolvesOnce({ Items: [item('b', 'https://x.example.com')] });
    ddb
      .on(ScanCommand)
      .resolvesOnce({ Items: [item('a', 'https://x.example.com')], LastEvaluatedKey: { brandId: 'a' } })
      .resolvesOnce({ Items: [item('c', 'https://y.example.com')] });
    const runtime = createGatewayRuntime(settings);
    expect((await runtime.brandDirectory.findByIssuer('https://x.example.com')).map((b) => b.brandId)).toEqual([
      'a',
      'b',
    ]);
    expect((await runtime.brandDirectory.listBrands()).map((b) => b.brandId)).toEqual(['a', 'c']);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 2);
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('leaves out and reports a stored item that no longer parses', async () => {
    const invalid: string[] = [];
    ddb.on(QueryCommand).resolves({
      Items: [item('a', 'https://x.example.com'), { ...item('bad', 'https://x.example.com'), orgId: -1 }],
    });
    ddb.on(GetCommand, { Key: { brandId: 'worse' } }).resolves({ Item: { ...item('worse', 'ftp://x'), version: 1 } });
    const runtime = createGatewayRuntime(settings, { onInvalidBrandItem: (id) => invalid.push(id) });
    expect((await runtime.brandDirectory.findByIssuer('https://x.example.com')).map((b) => b.brandId)).toEqual(['a']);
    expect(await runtime.brandDirectory.getBrand('worse')).toBeUndefined();
    expect(invalid).toEqual(['bad', 'worse']);
  });

  it('serves the last good brand while DynamoDB throttles, then fails closed with 503', async () => {
    // Arrange
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [item('a', 'https://x.example.com')] })
      .rejects(throttled());
    ddb.on(GetCommand).rejects(throttled());
    ddb.on(ScanCommand).rejects(throttled());
    const clock = { now: 0 };
    const refreshErrors: boolean[] = [];
    const runtime = createGatewayRuntime(settings, {
      now: () => clock.now,
      onConfigRefreshError: (_error, stale) => refreshErrors.push(stale),
    });
    await runtime.brandDirectory.findByIssuer('https://x.example.com');

    // Act + Assert: expired, reload throttled -> stale copy (by issuer, and by id from the same read)
    clock.now = 61_000;
    expect((await runtime.brandDirectory.findByIssuer('https://x.example.com'))[0]?.brandId).toBe('a');
    expect((await runtime.brandDirectory.getBrand('a'))?.brandId).toBe('a');
    // Past TTL + stale window -> fail closed
    clock.now = 60_000 + 300_000 + 10_000;
    await expect(runtime.brandDirectory.findByIssuer('https://x.example.com')).rejects.toMatchObject({
      status: 503,
      code: 'CONFIG_UNAVAILABLE',
    });
    expect(refreshErrors).toEqual([true, true, false]);
  });

  it('reads secrets decrypted from SSM once per TTL and serves them stale while SSM throttles', async () => {
    // Arrange
    ssm
      .on(GetParameterCommand)
      .resolvesOnce({ Parameter: { Name: '/c', Value: '{"key":"k","secret":"s"}', Type: 'SecureString' } })
      .rejects(throttled());
    const clock = { now: 0 };
    const runtime = createGatewayRuntime(settings, { now: () => clock.now });

    // Act
    const first = await runtime.secretSource.getSecret('/c');
    const warm = await runtime.secretSource.getSecret('/c');
    clock.now = 61_000;
    const stale = await runtime.secretSource.getSecret('/c');
    clock.now = 361_000;
    const failed = runtime.secretSource.getSecret('/c');

    // Assert
    expect([first, warm, stale]).toEqual(Array(3).fill('{"key":"k","secret":"s"}'));
    await expect(failed).rejects.toThrow('Rate exceeded');
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/c', WithDecryption: true });
    expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 3);
  });
});
