// The authorizer composed as functions/authorizer/index.ts composes it (createCoreRuntime + createHandler), on
// dynalite with a middleware that records every DynamoDB command: a cold container's first decision reads the
// one brand its token names (Query on the issuer index), never a Scan of the brands table, and still refuses
// unknown issuers and disabled brands; brand changes show within the config TTL. Its JWKS comes over node:http,
// the transport index.ts gives the authorizer.
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/authorizer/handler.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoBrandStore } from '../../shared/adapters/dynamo-brand-store.js';
import { nodeHttpGet } from '../../shared/adapters/node-http-get.js';
import { createDocumentClient } from '../../shared/adapters/dynamo-client.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { parseBrandDocument } from '../../shared/config/brand-config.js';
import type { GatewaySettings } from '../../shared/env.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';
import { lambdaContext } from '../support/events.js';
import {
  accessClaims,
  authorizerEvent,
  generateTestKey,
  type JwksServer,
  makeBrand,
  NOW_MS,
  signJwt,
  startJwksServer,
} from '../support/jwt.js';

const key = generateTestKey('ES256', 'cold-1');
let dynamo: LocalDynamo;
let jwks: JwksServer;
let tableCount = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  jwks = await startJwksServer({ keys: [key.jwk] });
});
afterAll(async () => {
  await jwks.close();
  await dynamo.close();
});

interface Container {
  handler: ReturnType<typeof createHandler>;
  commands: string[];
  store: DynamoBrandStore;
  clock: { now: number };
  client: DynamoDBClient;
  /** Holds every Scan until released (proves no decision waits for one). */
  releaseScans: () => void;
  /** Resolves when the full-index load in flight (the background scan) has built the index. */
  indexLoaded: () => Promise<unknown>;
}

const documentOf = ({ version: _v, revision: _r, ...brand }: BrandConfig) => {
  const { acceptedAudiences: _a, ...rest } = brand as BrandConfig & { acceptedAudiences?: unknown };
  return parseBrandDocument(rest);
};

/** A fresh table set with `brands` saved, and a cold authorizer container over it that records its commands. */
async function coldContainer(brands: BrandConfig[]): Promise<Container> {
  const tables = localTableNames(`cold-${++tableCount}`);
  await createGatewayTables(dynamo.client, tables);
  const clock = { now: NOW_MS };
  const store = new DynamoBrandStore({
    documentClient: createDocumentClient(dynamo.client),
    tableName: tables.brands,
    now: () => clock.now,
  });
  for (const brand of brands) await store.save(documentOf(brand), { expectedVersion: 0, actor: 'test' });

  const commands: string[] = [];
  let releaseScans = () => {};
  const scanGate = new Promise<void>((resolve) => {
    releaseScans = resolve;
  });
  const client = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      if (context.commandName === 'ScanCommand') await scanGate;
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  const settings: GatewaySettings = {
    stage: 'test',
    logLevel: 'SILENT',
    tables,
    ssmPrefix: '/gw/test',
    configCacheTtlSeconds: 60,
    configStaleIfErrorSeconds: 300,
    revocationCacheTtlSeconds: 5,
    authorizerCacheTtlSeconds: 300,
    corsAllowedOrigins: [],
  };
  const runtime = createCoreRuntime(settings, { documentClient: createDocumentClient(client), now: () => clock.now });
  const caches = new Map<string, JwksCache>();
  const handler = createHandler({
    brandDirectory: runtime.brandDirectory,
    revocationChecker: runtime.authorizerRevocationChecker,
    auditLog: new InMemoryAuditLog(),
    logger: new Logger({ serviceName: 'authorizer-cold-test', logLevel: 'SILENT' }),
    now: () => clock.now,
    jwks: (uri) => {
      let cache = caches.get(uri);
      if (!cache) {
        cache = new JwksCache(uri, { get: nodeHttpGet, now: () => clock.now });
        caches.set(uri, cache);
      }
      return cache;
    },
  });
  // listBrands joins the index load in flight (single flight) instead of starting another.
  const indexLoaded = () => runtime.brandDirectory.listBrands();
  return { handler, commands, store, clock, client, releaseScans, indexLoaded };
}

async function decide(container: Container, token: string): Promise<APIGatewayAuthorizerResult | 'Unauthorized'> {
  try {
    return (await container.handler(
      authorizerEvent({ Authorization: `Bearer ${token}` }),
      lambdaContext,
    )) as APIGatewayAuthorizerResult;
  } catch (error) {
    if (error instanceof Error && error.message === 'Unauthorized') return 'Unauthorized';
    throw error;
  }
}

const effect = (result: APIGatewayAuthorizerResult | 'Unauthorized') =>
  result === 'Unauthorized' ? result : result.policyDocument.Statement[0]?.Effect;

/**
 * Runs what the decision left queued (promise continuations, next ticks): a Scan it started in the background has
 * been sent, and so recorded, by then (the SDK runs the recording middleware inside send()).
 */
const afterQueuedWork = () => new Promise((resolve) => setImmediate(resolve));

let containers: Container[] = [];
beforeEach(() => {
  for (const c of containers) {
    c.releaseScans();
    c.client.destroy();
  }
  containers = [];
});
afterAll(() => {
  for (const c of containers) c.client.destroy();
});

async function container(brands: BrandConfig[]) {
  const c = await coldContainer(brands);
  containers.push(c);
  return c;
}

/** 40 brands of other issuers plus `wanted`: what the first decision must not read. */
function manyBrands(wanted: BrandConfig): BrandConfig[] {
  const others = Array.from({ length: 40 }, (_, i) =>
    makeBrand({
      brandId: `other-${i}`,
      issuer: `https://ciam-${i}.other.test`,
      clientId: `other-${i}-app`,
      jwksUri: jwks.uri,
    }),
  );
  return [...others, wanted];
}

describe('cold authorizer on DynamoDB (dynalite)', () => {
  it("allows the first token with a Query for its issuer's brand and no Scan", async () => {
    // Arrange
    const brand = makeBrand({ jwksUri: jwks.uri });
    const c = await container(manyBrands(brand));

    // Act
    const result = await decide(c, signJwt(accessClaims(brand), key));
    await afterQueuedWork();

    // Assert
    expect(effect(result)).toBe('Allow');
    expect(c.commands).not.toContain('ScanCommand');
    expect(c.commands.filter((name) => name === 'QueryCommand')).toHaveLength(1);
  });

  it('refuses a token of an unknown issuer (401), then scans the index off the request path', async () => {
    // Arrange
    const brand = makeBrand({ jwksUri: jwks.uri });
    const c = await container([brand]);

    // Act: the decision answers while the scan it started is still held
    const result = await decide(c, signJwt(accessClaims(brand, { iss: 'https://unknown.example' }), key));
    const commandsOfTheDecision = [...c.commands];
    c.releaseScans();
    await c.indexLoaded();
    const again = await decide(c, signJwt(accessClaims(brand, { iss: 'https://unknown-2.example' }), key));

    // Assert
    expect(result).toBe('Unauthorized');
    expect(again).toBe('Unauthorized');
    expect(commandsOfTheDecision).toEqual(['QueryCommand', 'ScanCommand']);
    // The second unknown issuer was answered by the index the scan built: no further Query.
    expect(c.commands).toEqual(['QueryCommand', 'ScanCommand']);
  });

  it("leaves a disabled brand's token to the handlers (never a cached Deny), without a Scan", async () => {
    // Brand status is not a property of the token: the post-auth handlers refuse it on every call.
    const brand = makeBrand({ jwksUri: jwks.uri, status: 'disabled' });
    const c = await container([brand]);
    const result = await decide(c, signJwt(accessClaims(brand), key));
    expect(effect(result)).toBe('Allow');
    expect(c.commands).not.toContain('ScanCommand');
  });

  it("sees a brand's new audiences after the first decision once the config TTL has passed", async () => {
    // Arrange
    const brand = makeBrand({ jwksUri: jwks.uri });
    const c = await container([brand]);
    const token = signJwt(accessClaims(brand), key);
    expect(effect(await decide(c, token))).toBe('Allow');
    await c.store.save(
      { ...documentOf(brand), acceptedAudiences: ['https://another-api.example'] },
      { expectedVersion: 1, actor: 'test' },
    );

    // Act
    c.clock.now += 59_000;
    const withinTtl = await decide(c, token);
    c.clock.now += 1_000;
    const afterTtl = await decide(c, token);

    // Assert
    expect(effect(withinTtl)).toBe('Allow');
    expect(afterTtl).toBe('Unauthorized');
    expect(c.commands).not.toContain('ScanCommand');
  });
});
