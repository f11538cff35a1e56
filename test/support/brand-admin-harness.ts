// Brand administration test rig: dynalite + the local SSM server (real SDK clients), a fake CIAM that
// serves a JWKS and a discovery document (each can be broken per test), the BrandAdmin use-cases, and
// an optional loopback HTTP server that turns requests into API Gateway events for the admin handler.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSMClient } from '@aws-sdk/client-ssm';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { createHandler as createAdminHandler } from '../../functions/admin/handler.js';
import { type LocalSsm, startLocalSsm } from '../../local/local-ssm.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { createDocumentClient } from '../../shared/adapters/aws-clients.js';
import { DynamoBrandStore } from '../../shared/adapters/dynamo-brand-store.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { SsmSecretSource, SsmSecretWriter } from '../../shared/adapters/ssm-secret-source.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import type { CapillaryCredentialCheck } from '../../shared/capillary/capillary-credentials.js';
import { CiamClaimSource } from '../../shared/customer/claim-source.js';
import { createGoLive, type GoLive } from '../../shared/golive/golive.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { Logger } from '@aws-lambda-powertools/logger';
import { processSubjectHasher } from '../../shared/audit/subject-hasher.js';

export const SSM_PREFIX = '/ciam-gateway/test';

/**
 * The rig's Capillary credential check: its brands name Capillary's real EU host, which no test reaches, so the
 * token is taken as issued. The real check is proven against the simulator (test/integration/brand-save-checks.test.ts)
 * and through the local stack's admin function.
 */
export const credentialsAccepted: CapillaryCredentialCheck = async () => ({ issues: [] });

/** A Logger that writes nothing (handler tests would otherwise print every refused request). */
export function silentLogger(): Logger {
  return new Logger({ serviceName: 'admin-test', logLevel: 'SILENT' });
}

/** A loopback CIAM stand-in whose JWKS and discovery answers each test may change. */
export interface FakeCiam {
  issuer: string;
  jwksUri: string;
  userInfoEndpoint: string;
  jwks: { status: number; body: unknown };
  discovery: { status: number; body: unknown };
  /** How many requests each path received. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startFakeCiam(): Promise<FakeCiam> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'key-1', alg: 'ES256', use: 'sig' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ciam: FakeCiam = {
    issuer,
    jwksUri: `${issuer}/jwks`,
    userInfoEndpoint: `${issuer}/me`,
    jwks: { status: 200, body: { keys: [jwk] } },
    discovery: {
      status: 200,
      body: { issuer, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/me` },
    },
    hits: new Map(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    ciam.hits.set(path, (ciam.hits.get(path) ?? 0) + 1);
    const answer =
      path === '/jwks' ? ciam.jwks : path === '/.well-known/openid-configuration' ? ciam.discovery : undefined;
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  });
  return ciam;
}

/** A valid PUT body for `brandId` against the fake CIAM (clientId defaults to `${brandId}-app`). */
export function brandBody(ciam: FakeCiam, brandId: string, overrides: Record<string, unknown> = {}) {
  return {
    brandId,
    brandName: `Brand ${brandId}`,
    orgId: 100,
    issuer: ciam.issuer,
    // Each brand its own API: two brands of one issuer may not accept the same audience (BRAND_AUDIENCE_TAKEN).
    applicationId: `loyalty-api-${brandId}`,
    clientId: `${brandId}-app`,
    jwksUri: ciam.jwksUri,
    userInfoEndpoint: ciam.userInfoEndpoint,
    fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
    capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 'src-1' },
    secrets: { capillary: { key: 'cap-key', secret: `cap-secret-${brandId}` } },
    ...overrides,
  } as Record<string, unknown>;
}

export interface BrandAdminRig {
  dynamo: LocalDynamo;
  ssm: LocalSsm;
  ssmClient: SSMClient;
  ciam: FakeCiam;
  store: DynamoBrandStore;
  secrets: SsmSecretSource;
  audit: InMemoryAuditLog;
  admin: BrandAdmin;
  /** The links table of the rig (BrandAdmin deletes a brand's links with it). */
  links: DynamoLinkStore;
  tableName: string;
  /** Raw table items (brands and guards), for "nothing changed" assertions. */
  snapshot(): Promise<{ items: unknown[]; parameters: string[] }>;
  close(): Promise<void>;
}

export async function startBrandAdminRig(): Promise<BrandAdminRig> {
  const dynamo = await startLocalDynamo();
  const tables = localTableNames(`t-${randomUUID().slice(0, 8)}`);
  await createGatewayTables(dynamo.client, tables);
  const ssm = await startLocalSsm();
  const ssmClient = new SSMClient({
    endpoint: ssm.endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const ciam = await startFakeCiam();
  const documentClient = createDocumentClient(dynamo.client);
  const store = new DynamoBrandStore({ documentClient, tableName: tables.brands });
  const secrets = new SsmSecretSource({ ssm: ssmClient });
  const audit = new InMemoryAuditLog();
  const links = new DynamoLinkStore({ documentClient, tableName: tables.links });
  const admin = new BrandAdmin({
    store,
    links,
    secretWriter: new SsmSecretWriter({ ssm: ssmClient }),
    secretReader: secrets,
    capillaryCredentials: credentialsAccepted,
    audit,
    ssmPrefix: SSM_PREFIX,
    // No test makes the CIAM stand-in hang: only a hang may end a save-time check, never a slow machine (a 2 s
    // bound refused good brands with 422 under load).
    httpTimeoutMs: 20_000,
    allowLoopbackUrls: true,
  });
  const { ScanCommand } = await import('@aws-sdk/lib-dynamodb');
  return {
    dynamo,
    ssm,
    ssmClient,
    ciam,
    store,
    secrets,
    audit,
    admin,
    links,
    tableName: tables.brands,
    snapshot: async () => {
      const { Items } = await documentClient.send(new ScanCommand({ TableName: tables.brands, ConsistentRead: true }));
      const items = [...(Items ?? [])].sort((a, b) => String(a.brandId).localeCompare(String(b.brandId)));
      return { items, parameters: ssm.names() };
    },
    close: async () => {
      ssmClient.destroy();
      await Promise.all([dynamo.close(), ssm.close(), ciam.close()]);
    },
  };
}

/**
 * The go-live tools over the rig's store, links and SSM (the brands as the authorizer would read them, nothing
 * revoked); `fetch` reaches the CIAM and Capillary peers of a test.
 */
export function goLiveOf(rig: Pick<BrandAdminRig, 'store' | 'links' | 'secrets' | 'audit'>): GoLive {
  const configs = async () => (await rig.store.list()).map((brand) => brand.config);
  return createGoLive({
    brand: async (brandId) => (await rig.store.get(brandId))?.config,
    brandDirectory: {
      getBrand: async (brandId) => (await configs()).find((brand) => brand.brandId === brandId),
      findByIssuer: async (issuer) => (await configs()).filter((brand) => brand.issuer === issuer),
    },
    revocations: NeverRevoked,
    links: rig.links,
    secrets: rig.secrets,
    claims: new CiamClaimSource(),
    fetch: (input, init) => globalThis.fetch(input, init),
    jwks: { fetch: (input, init) => globalThis.fetch(input, init), now: Date.now },
    audit: rig.audit,
    subjectHasher: processSubjectHasher(),
    now: Date.now,
  });
}

/** Serves the admin handler over loopback HTTP with API Gateway REST proxy events (what the CLI talks to). */
export async function serveAdminHandler(
  admin: BrandAdmin,
  adminKey: string,
  golive: GoLive,
): Promise<{ url: string; close(): Promise<void> }> {
  const handler = createAdminHandler({ logger: silentLogger(), admin: () => admin, golive: () => golive, adminKey });
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
    const event = {
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      resource: url.pathname,
      headers,
      multiValueHeaders: {},
      queryStringParameters: url.searchParams.size ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
      body: chunks.length ? Buffer.concat(chunks).toString('utf8') : null,
      isBase64Encoded: false,
      requestContext: { requestId: randomUUID(), identity: {} },
    } as unknown as APIGatewayProxyEvent;
    const result: APIGatewayProxyResult = await handler(event, { awsRequestId: 'local' } as Context);
    res.writeHead(result.statusCode, result.headers as Record<string, string>);
    res.end(result.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
