// The post-auth test rig: a real oidc-provider CIAM, the Capillary simulator and dynalite on loopback,
// the five post-auth handlers wired to them, and helpers that log a user in and call a handler with the
// authorizer context taken from the verified access token.
import { hashSubject } from '../../shared/audit/redaction.js';
import { TEST_SUBJECT_KEY } from './subject-key.js';
import { contextOf, hashToken } from '../../shared/auth/authorize-request.js';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { createHandler as createIdentifiersHandler } from '../../functions/identifiers/handler.js';
import { createHandler as createMeHandler } from '../../functions/me/handler.js';
import { createHandler as createProfileHandler } from '../../functions/profile/handler.js';
import { createHandler as createRegistrationHandler } from '../../functions/registration/handler.js';
import { createHandler as createSessionHandler } from '../../functions/session/handler.js';
import {
  type CapillarySimulator,
  DEFAULT_ORG_FIELDS,
  type SimOrgConfig,
  startCapillarySimulator,
} from '../../local/capillary-simulator.js';
import { type AccountClaims, type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { clientCredentialsToken } from './dev-ciam-session.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { type AuditEvent, InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { StructuredAuditLog } from '../../shared/audit/structured-audit-log.js';
import type { AuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { JwksCache, type JwksProvider } from '../../shared/auth/jwks-cache.js';
import { verifyAccessToken } from '../../shared/auth/verify-access-token.js';
import { CapillaryClients } from '../../shared/capillary/capillary-client.js';
import { type BrandConfig, parseBrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';
import { CiamClaimSource } from '../../shared/customer/claim-source.js';
import type { PostAuthServices } from '../../shared/customer/post-auth-ports.js';
import { createLogger } from '../../shared/observability/logger.js';
import { seededRandom } from '../../local/seeded-random.js';
import { authorizedEvent, lambdaContext } from './events.js';

/**
 * The timeout of peers a test does not make hang (Capillary unless asked, the CIAM's userinfo): only a hang may
 * end them, and the test's own 30 s timeout would then fail it. A short one raced every healthy answer: on a busy
 * machine 10 concurrent first sessions got CIAM_UNAVAILABLE ("userinfo did not answer" within 2 s).
 */
const HEALTHY_PEER_TIMEOUT_MS = 20_000;

/** Names each Capillary call of the rig (the simulator ignores it), so a parked call can be ended. */
const CALL_ID_HEADER = 'x-test-call-id';

const API_RESOURCE = 'https://api.demo.loyalty.test';
export const APP = { clientId: 'demo-app', clientSecret: 'demo-secret', redirectUri: 'http://127.0.0.1/cb' };
export const ACCOUNT_ID = 'ciam-demo-account';
const CREDENTIALS_PARAMETER = '/ciam-gateway/test/demo/capillary';

type Handler = (
  event: ReturnType<typeof authorizedEvent>,
  context: typeof lambdaContext,
) => Promise<APIGatewayProxyResult>;

export interface Answer {
  status: number;
  headers: Record<string, string | number | boolean>;
  body: Record<string, unknown>;
}

/** One Capillary request as the gateway's client sent it. */
interface ClientCall {
  method: string;
  url: URL;
  startSeq: number;
  endSeq: number;
}

export interface PostAuthRig {
  ciam: DevCiam;
  sim: CapillarySimulator;
  dynamo: LocalDynamo;
  brand: BrandConfig;
  brands: InMemoryBrandDirectory;
  secrets: InMemorySecretSource;
  documentClient: DynamoDBDocumentClient;
  tables: ReturnType<typeof localTableNames>;
  links: DynamoLinkStore;
  audit: InMemoryAuditLog;
  services: PostAuthServices;
  /** Every Capillary request the client made (token calls included), in order. */
  capillaryCalls: ClientCall[];
  handlers: { session: Handler; me: Handler; profile: Handler; registration: Handler; identifiers: Handler };
  /** Signs `sub` in at the CIAM (code + PKCE) and returns its tokens. */
  login(sub: string): Promise<{ accessToken: string; idToken: string }>;
  clientToken(): Promise<string>;
  /** The authorizer context for a verified access token, as the authorizer would pass it. */
  contextFor(accessToken: string): Promise<AuthorizerContext>;
  /** Calls a handler; `remainingTimeMs` plays Lambda's getRemainingTimeInMillis (default: no deadline). */
  call(
    handler: keyof PostAuthRig['handlers'],
    accessToken: string,
    body?: unknown,
    options?: { remainingTimeMs?: number },
  ): Promise<Answer>;
  close(): Promise<void>;
}

/** Both readings of the cuid lookup the post-auth suites run under (see CapillarySimulatorOptions.cuidLookup). */
export const CuidLookupModes = ['documented', 'permissive'] as const;
export type CuidLookupMode = (typeof CuidLookupModes)[number];

/** A simulated org in one reading of the reference, with the brand settings that state it. */
export interface OrgReading {
  name: string;
  org: Partial<SimOrgConfig>;
  /** Brand `capillary` settings the reading needs (an org's dual eligibility is stated by the brand). */
  capillary?: Record<string, unknown>;
  /** Top-level brand settings (phoneDefaultCountry). */
  brand?: Record<string, unknown>;
}

/**
 * Every reading the simulator offers (local/capillary-sim/readings.ts), one at a time beside the documented
 * one: the flows suites run under each, so the gateway is right whichever one a real org turns out to be.
 */
export const OrgReadings: readonly OrgReading[] = [
  { name: 'documented', org: {} },
  { name: 'cuid lookup answered', org: { cuidLookup: 'permissive' } },
  { name: 'merged id answered with the survivor and 8069 warning', org: { mergedCustomer: 'warning' } },
  { name: 'merged id answered with the survivor alone', org: { mergedCustomer: 'silent' } },
  {
    name: 'dual eligibility, e-mail primary',
    org: { dualEligibility: true, primaryIdentifier: 'email' },
    capillary: { dualEligibility: true, primaryIdentifier: 'email' },
  },
  { name: 'ALL answers the newest of several holders', org: { allSourceMatch: 'last' } },
  { name: 'not found as 8065 / 816', org: { notFoundCodes: 'per-source' } },
  { name: 'unknown accounts accepted on writes', org: { unknownAccountWrites: 'accepted' } },
  { name: 'expired token refused in the body', org: { expiredTokenAnswer: 'envelope401' } },
  { name: 'throttled without Retry-After', org: { throttleAnswer: 'bare' } },
  {
    name: 'mobiles completed with the base country',
    org: { mobileMatch: 'base-country', baseCountry: 'GB' },
    brand: { phoneDefaultCountry: 'GB' },
  },
  { name: 'PII-deleted read as an error', org: { piiDeletedAnswer: 'error' } },
];

export async function startPostAuthRig(options: {
  accounts: Record<string, AccountClaims>;
  tablePrefix: string;
  timeoutMs?: number;
  /**
   * A Capillary call the simulator parks (a `hang` fault) ends at once as a timeout, as the client's own timeout
   * would end it later: hang tests need no short timeout, which every healthy call under load would race too.
   */
  hangsTimeOutAtOnce?: boolean;
  /**
   * The clock of the link session (lease stamps and the lease-bound Capillary deadline); default Date.now. A
   * frozen one keeps a slow machine from spending a first session's 5 s lease on healthy calls.
   */
  now?: () => number;
  /** How the simulated org answers the cuid lookup (default documented: refused with 8013). */
  cuidLookup?: CuidLookupMode;
  /** Simulated org settings beyond the cuid switch. */
  org?: Partial<SimOrgConfig>;
  /** Brand `capillary` settings beyond the connection (cuidLookup, createWithInstoreProfile, fields). */
  capillary?: Record<string, unknown>;
  /** Top-level brand settings (phoneDefaultCountry ...). */
  brand?: Record<string, unknown>;
  /** One reading of the reference: its org switches and the brand settings that state them. */
  reading?: OrgReading;
}): Promise<PostAuthRig> {
  const ciam = await startDevCiam({
    accounts: options.accounts,
    clients: [{ clientId: APP.clientId, clientSecret: APP.clientSecret, redirectUris: [APP.redirectUri] }],
    apiResource: API_RESOURCE,
  });
  // Capillary calls in flight by the id the recording fetch sends along, so a parked one can be timed out.
  const inFlight = new Map<string, AbortController>();
  const timedOut = () => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  // A strict org: half of its business errors come with HTTP 500, as the reference allows.
  const sim = await startCapillarySimulator({
    clients: [{ key: 'cap-key', secret: 'cap-secret' }],
    cuidLookup: options.cuidLookup ?? 'documented',
    businessErrorHttp500Share: 0.5,
    random: seededRandom(11),
    // The org's OAUTH_EXTERNAL account, as Intouch's Channel Configurations hold it: other ids are refused.
    sourceAccounts: { OAUTH_EXTERNAL: [ACCOUNT_ID] },
    ...options.reading?.org,
    ...(options.hangsTimeOutAtOnce
      ? { onHang: (request) => inFlight.get(String(request.headers[CALL_ID_HEADER]))?.abort(timedOut()) }
      : {}),
    ...options.org,
  });
  const dynamo = await startLocalDynamo();
  const tables = localTableNames(options.tablePrefix);
  await createGatewayTables(dynamo.client, tables);
  const brand = parseBrandConfig(
    {
      brandId: 'demo',
      brandName: 'Demo',
      orgId: 100,
      issuer: ciam.issuer,
      applicationId: 'demo-application',
      clientId: APP.clientId,
      acceptedAudiences: [API_RESOURCE],
      jwksUri: ciam.jwksUri,
      userInfoEndpoint: ciam.userInfoEndpoint,
      fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
      ...options.reading?.brand,
      ...options.brand,
      capillary: {
        baseUrl: sim.baseUrl,
        sourceAccountId: ACCOUNT_ID,
        credentialsParameter: CREDENTIALS_PARAMETER,
        timeoutMs: options.timeoutMs ?? HEALTHY_PEER_TIMEOUT_MS,
        // The simulated org's fields (DEFAULT_ORG_FIELDS), as a brand would list them.
        customFields: DEFAULT_ORG_FIELDS.customFields,
        extendedFields: DEFAULT_ORG_FIELDS.extendedFields,
        ...options.reading?.capillary,
        ...options.capillary,
      },
    },
    1,
  );
  const brands = new InMemoryBrandDirectory([brand]);
  const secrets = new InMemorySecretSource({
    [CREDENTIALS_PARAMETER]: JSON.stringify({ key: 'cap-key', secret: 'cap-secret' }),
  });
  const documentClient = DynamoDBDocumentClient.from(dynamo.client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const links = new DynamoLinkStore({ documentClient, tableName: tables.links });
  const logger = createLogger('post-auth-test', 'SILENT');
  // Every event also goes through the production audit writer in strict mode: a token, e-mail or mobile
  // in an event fails the test instead of being redacted.
  const strictAudit = new StructuredAuditLog({ logger, strict: true });
  const audit = new (class extends InMemoryAuditLog {
    override record(event: AuditEvent): void {
      strictAudit.record(event);
      super.record(event);
    }
  })();
  // Every Capillary call as the client made it, in order of start and end on one counter (round-trip counting).
  const capillaryCalls: ClientCall[] = [];
  let seq = 0;
  const recordingFetch = async (input: string, init: RequestInit): Promise<Response> => {
    const call: ClientCall = { method: init.method ?? 'GET', url: new URL(input), startSeq: seq++, endSeq: -1 };
    capillaryCalls.push(call);
    const id = String(call.startSeq);
    const controller = new AbortController();
    inFlight.set(id, controller);
    const headers = new Headers(init.headers);
    headers.set(CALL_ID_HEADER, id);
    const signal = init.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal;
    try {
      return await globalThis.fetch(input, { ...init, headers, signal });
    } finally {
      inFlight.delete(id);
      call.endSeq = seq++;
    }
  };
  // The rig's JWKS caches over the loopback CIAM (a deployed function gets them from its runtime).
  const jwksCaches = new Map<string, JwksCache>();
  const jwks: JwksProvider = (uri) => {
    let cache = jwksCaches.get(uri);
    if (cache === undefined) {
      cache = new JwksCache(uri, { fetch, now: Date.now });
      jwksCaches.set(uri, cache);
    }
    return cache;
  };
  const services: PostAuthServices = {
    // Retries back off for 0 ms here: the backoff itself is unit-tested with an injected sleep.
    capillary: new CapillaryClients({
      secrets,
      sleep: async () => undefined,
      random: () => 0.5,
      logger,
      fetch: recordingFetch,
    }),
    links,
    claims: new CiamClaimSource({ timeoutMs: HEALTHY_PEER_TIMEOUT_MS, jwks }),
    audit,
    linkPollMs: 10,
    ...(options.now ? { now: options.now } : {}),
    linkWaitMs: 15_000,
  };
  const deps = { logger, brands, services };
  const handlers = {
    session: createSessionHandler(deps),
    me: createMeHandler(deps),
    profile: createProfileHandler(deps),
    registration: createRegistrationHandler(deps),
    identifiers: createIdentifiersHandler(deps),
  };

  async function contextFor(accessToken: string): Promise<AuthorizerContext> {
    // Exactly the context the authorizer builds (shared/auth/authorize-request.ts).
    const verified = await verifyAccessToken(accessToken, { brandDirectory: brands, now: Date.now, jwks });
    const subjectHash = hashSubject(TEST_SUBJECT_KEY, verified.brand.brandId, verified.sub);
    return contextOf(verified, hashToken(accessToken), subjectHash);
  }

  return {
    ciam,
    sim,
    dynamo,
    brand,
    brands,
    secrets,
    documentClient,
    tables,
    links,
    audit,
    services,
    capillaryCalls,
    handlers,
    login: (sub) => loginWithCode(ciam, APP, sub),
    clientToken: () => clientCredentialsToken(ciam, APP, API_RESOURCE),
    contextFor,
    async call(name, accessToken, body, options = {}) {
      const event = authorizedEvent(await contextFor(accessToken), {
        headers: { Authorization: `Bearer ${accessToken}` },
        httpMethod: name === 'me' ? 'GET' : 'POST',
        body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const started = Date.now();
      const { remainingTimeMs } = options;
      const context =
        remainingTimeMs === undefined
          ? lambdaContext
          : { ...lambdaContext, getRemainingTimeInMillis: () => remainingTimeMs - (Date.now() - started) };
      const result = await handlers[name](event, context);
      return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) };
    },
    async close() {
      await sim.close();
      await ciam.close();
      await dynamo.close();
    },
  };
}
