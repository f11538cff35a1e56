// Tracing of the peer calls through the functions' own composition (createGatewayRuntime + buildPostAuthDeps)
// with the real Powertools Tracer and an X-Ray segment as the invocation's: a DynamoDB read (dynalite), an SSM
// read (the local SSM server), the Capillary calls (the simulator), a JWKS and a userinfo fetch (a loopback CIAM) each
// leave a subsegment; Capillary's carry the brand and outcome, and nothing in the trace holds a secret, token or
// member identifier. With tracing off the Tracer is never loaded and the same calls record nothing.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { type LocalSsm, startLocalSsm } from '../../local/local-ssm.js';
import { hashToken } from '../../shared/auth/authorize-request.js';
import type { AuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { clearJwksCaches, getJwksCache } from '../../shared/auth/jwks-cache.js';
import { parseBrandConfig } from '../../shared/config/brand-config.js';
import { loadSettings } from '../../shared/env.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { buildPostAuthDeps } from '../../shared/runtime/post-auth-deps.js';

// The X-Ray SDK the Tracer itself runs on (its dependency, resolved from it: the same module instance).
const tracerEntry = createRequire(import.meta.url).resolve('@aws-lambda-powertools/tracer');
interface XraySegment {
  subsegments?: { name: string; annotations?: Record<string, unknown> }[];
}
const xray = createRequire(tracerEntry)('aws-xray-sdk-core') as {
  Segment: new (name: string) => XraySegment;
  getNamespace(): { runPromise<T>(work: () => Promise<T>): Promise<T> };
  setSegment(segment: XraySegment): void;
};

const CREDENTIALS = '/ciam-gateway/local/brands/traced/capillary';
const CAPILLARY_SECRET = 'sim-secret-never-traced';
const MOBILE = '447700900123';
const EMAIL = 'member-1@traced.example';
/** A bearer the authorizer verified (the claim source reads its payload; no signature is checked there). */
const ACCESS_TOKEN = `e30.${Buffer.from(JSON.stringify({ sub: 'member-1' })).toString('base64url')}.c2ln`;

describe('tracing of the peer calls', () => {
  let dynamo: LocalDynamo;
  let ssm: LocalSsm;
  let sim: CapillarySimulator;
  let jwks: Server;
  let jwksUri: string;
  const savedEnv = { ...process.env };

  beforeAll(async () => {
    [dynamo, ssm, sim] = await Promise.all([
      startLocalDynamo(),
      startLocalSsm(),
      startCapillarySimulator({ clients: [{ key: 'sim-key', secret: CAPILLARY_SECRET }] }),
    ]);
    const key = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) };
    const body = JSON.stringify({ keys: [{ ...key, kid: 'k1', alg: 'ES256', use: 'sig' }] });
    // The CIAM: its JWKS, and a userinfo endpoint.
    jwks = createServer((request, response) => {
      const answer = request.url === '/userinfo' ? JSON.stringify({ sub: 'member-1', email: EMAIL }) : body;
      response.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    jwksUri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    });
    await createGatewayTables(dynamo.client, localTableNames('traced'));
    const client = new SSMClient({});
    await client.send(
      new PutParameterCommand({
        Name: CREDENTIALS,
        Value: JSON.stringify({ key: 'sim-key', secret: CAPILLARY_SECRET }),
        Type: 'SecureString',
      }),
    );
    client.destroy();
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    clearJwksCaches();
  });
  afterAll(async () => {
    process.env = savedEnv;
    await new Promise((resolve) => jwks.close(resolve));
    await Promise.all([dynamo.close(), ssm.close(), sim.close()]);
  });

  /** One invocation's worth of peer calls through the production wiring, inside an X-Ray segment. */
  async function invoke(tracingOn: boolean): Promise<XraySegment> {
    const tables = localTableNames('traced');
    const settings = loadSettings({
      STAGE: 'local',
      LOG_LEVEL: 'SILENT',
      BRANDS_TABLE: tables.brands,
      LINKS_TABLE: tables.links,
      REVOCATIONS_TABLE: tables.revocations,
      SSM_PREFIX: '/ciam-gateway/local',
      CONFIG_CACHE_TTL_SECONDS: '60',
      CONFIG_STALE_IF_ERROR_SECONDS: '900',
      REVOCATION_CACHE_TTL_SECONDS: '5',
      AUTHORIZER_CACHE_TTL_SECONDS: '300',
      CORS_ALLOWED_ORIGINS: '',
      ...(tracingOn ? { POWERTOOLS_TRACE_ENABLED: 'true' } : {}),
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true); // the EMF lines
    // The Tracer records only inside a Lambda execution environment.
    vi.stubEnv('AWS_EXECUTION_ENV', 'AWS_Lambda_nodejs24.x');
    const runtime = createGatewayRuntime(settings, {
      serviceName: 'session',
      tracing: await loadTracing(settings.tracing, 'session'),
    });
    const deps = buildPostAuthDeps('session', runtime);
    const brand = parseBrandConfig({
      brandId: 'traced',
      brandName: 'Traced',
      orgId: 100,
      issuer: 'https://ciam.traced.test',
      applicationId: 'https://api.traced.test',
      clientId: 'traced-app',
      jwksUri,
      userInfoEndpoint: jwksUri.replace('/jwks', '/userinfo'),
      fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
      capillary: { baseUrl: sim.baseUrl, sourceAccountId: 'src', credentialsParameter: CREDENTIALS },
    });
    const segment = new xray.Segment('session');
    await xray.getNamespace().runPromise(async () => {
      xray.setSegment(segment);
      await runtime.brandDirectory.getBrand('traced'); // DynamoDB
      await getJwksCache(jwksUri).getAllKeys(); // JWKS
      // SSM (the brand's Capillary credentials), then Capillary's token and lookup calls.
      await deps.services.capillary
        .forBrand(brand)
        .lookupCustomerId({ source: 'INSTORE', identifierName: 'mobile', identifierValue: MOBILE });
      const auth = { sub: 'member-1', tokenHash: hashToken(ACCESS_TOKEN).slice(0, 16) } as AuthorizerContext;
      await deps.services.claims.load({ brand, auth, accessToken: ACCESS_TOKEN }); // userinfo
    });
    return segment;
  }

  it('records DynamoDB, SSM, Capillary, JWKS and userinfo calls as subsegments, Capillary with brand and outcome', async () => {
    // Act
    const segment = await invoke(true);

    // Assert
    const names = (segment.subsegments ?? []).map((sub) => sub.name);
    expect(names).toEqual(expect.arrayContaining(['DynamoDB', 'SSM', 'jwks', 'capillary', 'userinfo']));
    const capillary = (segment.subsegments ?? []).filter((sub) => sub.name === 'capillary');
    expect(capillary.length).toBeGreaterThanOrEqual(2); // the token call and the lookup
    for (const sub of capillary) {
      expect(sub.annotations).toMatchObject({ brand: 'traced', outcome: 'ok', http_status: 200 });
    }
    expect(segment.subsegments?.find((sub) => sub.name === 'jwks')?.annotations).toMatchObject({ outcome: 'ok' });
    const trace = JSON.stringify(segment);
    expect(trace).not.toContain(CAPILLARY_SECRET);
    expect(trace).not.toContain(MOBILE);
    expect(trace).not.toContain(EMAIL);
    expect(trace).not.toContain(ACCESS_TOKEN);
    expect(trace).not.toContain('/v2/customers');
  });

  it('records nothing with tracing off', async () => {
    const segment = await invoke(false);

    expect(segment.subsegments ?? []).toEqual([]);
  });
});
