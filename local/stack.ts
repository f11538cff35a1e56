// The whole gateway on loopback, in one process, with no Docker and no AWS account: dynalite, the local
// SSM Parameter Store, the development CIAM, the Capillary simulator and the API Gateway emulator running
// the real authorizer and function handlers (imported after the environment they read is set). Seeds the
// demo brand through the admin API. Used by `npm start` (local/start.ts) and by the end-to-end tests.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { JWK } from 'jose';
import { EnvNames } from '../shared/env.js';
import { type FunctionName, Routes } from '../shared/routes.js';
import { startApiGatewayEmulator } from './api-gateway/server.js';
import type { ApiGatewayEmulator, AuthorizerHandler, ProxyHandler, RequestLogEntry } from './api-gateway/types.js';
import {
  type CapillarySimulator,
  type SimCustomer,
  type SimOrgConfig,
  startCapillarySimulator,
} from './capillary-simulator.js';
import {
  DEMO_API_RESOURCE,
  DEMO_APP_CLIENT_ID,
  DEMO_BRAND_ID,
  DEMO_CAPILLARY_CREDENTIALS,
  DEMO_ORG_SOURCE_ACCOUNTS,
  DEMO_SPA_CLIENT_ID,
  type DemoUser,
  demoBrandDocument,
  demoClients,
  demoInstoreMember,
  demoUsers,
} from './demo-brand.js';
import { type AccountClaims, type DevCiam, generateSigningKeys, startDevCiam } from './dev-ciam.js';
import {
  ADMIN_KEY_FILE,
  DEFAULT_DATA_DIR,
  DEV_CLIENTS_FILE,
  lockDataDir,
  makePrivateDir,
  privatizeTree,
  writePrivateFile,
} from './local-data.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from './local-dynamo.js';
import { type LocalSsm, startLocalSsm } from './local-ssm.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export { DEFAULT_PORTS } from './local-data.js';

export interface LocalStackOptions {
  /** Gateway port (PORT); 0 = any free port. */
  port?: number;
  ciamPort?: number;
  capillaryPort?: number;
  /** How the simulated Capillary org answers the cuid lookup (default `documented`: refused with 8013). */
  capillaryCuidLookup?: 'documented' | 'permissive';
  /**
   * The simulated org's readings and settings (local/capillary-sim/readings.ts; `npm start` reads them from the
   * CAPILLARY_SIM_* variables). The demo brand states the org's dual eligibility and primary identifier.
   */
  capillaryOrg?: Partial<SimOrgConfig>;
  dynamoPort?: number;
  ssmPort?: number;
  /** Keep DynamoDB, SSM and Capillary data under `dataDir` across restarts (implied when `dataDir` is given). */
  persist?: boolean;
  /** Where persisted data and dev-clients.json go; defaults to `.local-data/` at the repository root. */
  dataDir?: string;
  /** The admin key for `x-admin-key`; generated when omitted (and kept in `dataDir` when persisting). */
  adminKey?: string;
  /** API Gateway's authorizer result TTL (default 300, as deployed); 0 disables the cache. */
  authorizerCacheTtlSeconds?: number;
  /** The functions' brand index TTL (default 2 s locally, so admin changes show at once). */
  configCacheTtlSeconds?: number;
  /** The authorizer's revocation cache TTL (default 5 s, as deployed). */
  revocationCacheTtlSeconds?: number;
  /** Lifetime of the development CIAM's access and ID tokens (default 900 s). */
  tokenTtlSeconds?: number;
  /** The CIAM client the demo brand carries as `clientId` (ID-token and logout-token audience); default demo-spa. */
  brandClientId?: string;
  /**
   * Browser apps served from other origins (SPA_ORIGINS): each joins the dev CIAM's SPA client redirect URIs
   * and the gateway's allowed CORS origins (emulator preflights and the handlers' CORS headers).
   */
  spaOrigins?: readonly string[];
  /** Build and serve the developer playground at `/` (default true). */
  playground?: boolean;
  /** Clock of the emulator's authorizer cache (epoch ms); tests move it past the TTL instead of sleeping. */
  now?: () => number;
  /** No log lines from the stack, and function logs at ERROR only unless POWERTOOLS_LOG_LEVEL is set. */
  quiet?: boolean;
  /** `errors`: the functions log errors only (no JSON lines, audit lines or metrics); `npm start -- --quiet`. */
  functionLogs?: 'all' | 'errors';
  /** Given one readable line per API request: method, path, status, time, brand, refusal reason. */
  requestLog?: (line: string) => void;
  log?: (line: string) => void;
}

interface DemoClient {
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
}

export interface LocalStack {
  urls: { gateway: string; ciam: string; capillary: string; dynamodb: string; ssm: string; openapi: string };
  adminKey: string;
  brandId: string;
  /** The API resource: the `aud` of the CIAM's access tokens. */
  apiResource: string;
  clients: { app: DemoClient & { clientSecret: string }; spa: DemoClient; brandClientId: string };
  users: DemoUser[];
  /** Environment the functions run with (also set on process.env while the stack runs). */
  env: Record<string, string>;
  dataDir: string | undefined;
  emulator: ApiGatewayEmulator;
  ciam: DevCiam;
  capillary: CapillarySimulator;
  close(): Promise<void>;
}

/** One request as `npm start` prints it: `POST /v1/auth/session 201 43 ms brand=demo reason=...`. */
export function requestLine(entry: RequestLogEntry): string {
  const brand = entry.brandId ? ` brand=${entry.brandId}` : '';
  const reason = entry.reason ? ` reason=${entry.reason}` : '';
  return `${entry.method} ${entry.path} ${entry.status} ${entry.durationMs} ms${brand}${reason}`;
}

/** Checks SPA_ORIGINS entries: each an http(s) origin (scheme, host, optional port; no path). */
export function parseSpaOrigins(values: readonly string[]): string[] {
  return values.map((value) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || !/^https?:$/.test(url.protocol) || url.origin !== value.replace(/\/+$/, '')) {
      throw new Error(`SPA_ORIGINS: "${value}" is not an origin like http://127.0.0.1:5173`);
    }
    return url.origin;
  });
}

let instances = 0;
let running = 0;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Canonical JSON (sorted keys) for comparing the stored brand with the wanted one. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isRecord(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function loadCustomers(file: string): SimCustomer[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isRecord(parsed) || !Array.isArray(parsed.customers)) return [];
    return parsed.customers.filter(
      (customer): customer is SimCustomer =>
        isRecord(customer) && typeof customer.id === 'number' && Array.isArray(customer.profiles),
    );
  } catch {
    return [];
  }
}

/** The CIAM's private signing keys, kept with the local data so tokens survive a restart. */
async function loadOrCreateSigningKeys(file: string): Promise<JWK[]> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (isRecord(parsed) && Array.isArray(parsed.keys) && parsed.keys.length > 0) {
      const keys = parsed.keys.filter(
        (key): key is JWK => isRecord(key) && typeof key.kid === 'string' && typeof key.d === 'string',
      );
      if (keys.length === parsed.keys.length) return keys;
    }
  } catch {
    // First start (or an unreadable file): generate new keys below.
  }
  const keys = await generateSigningKeys();
  writePrivateFile(file, JSON.stringify({ keys }));
  return keys;
}

/** The generated admin key, kept with the local data so a second terminal's curl session and the tools keep working. */
function loadOrCreateAdminKey(dataDir: string | undefined): string {
  const file = dataDir ? join(dataDir, ADMIN_KEY_FILE) : undefined;
  if (file) {
    try {
      const saved = readFileSync(file, 'utf8').trim();
      if (/^[\w-]{16,}$/.test(saved)) return saved;
    } catch {
      // First start: generate one below.
    }
  }
  const key = randomBytes(18).toString('base64url');
  if (file) writePrivateFile(file, `${key}\n`);
  return key;
}

async function importHandler(name: string, instance: number): Promise<unknown> {
  // The query gives each stack its own module instance (own runtime, clients built from the current env).
  const url = `${pathToFileURL(join(ROOT, 'functions', name, 'index.ts')).href}?stack=${instance}`;
  const module: unknown = await import(url);
  const handler = isRecord(module) ? module.handler : undefined;
  if (typeof handler !== 'function') throw new Error(`functions/${name}/index.ts does not export a handler`);
  return handler;
}

async function preparePlayground(
  dataDir: string | undefined,
  useDefaultDist: boolean,
): Promise<{ dir: string; temporary: boolean } | undefined> {
  const defaultDist = join(ROOT, 'local', 'playground', 'dist');
  try {
    const { buildPlayground } = (await import('./playground/build.js')) as {
      buildPlayground: (options?: { outDir?: string }) => Promise<{ outDir: string }>;
    };
    // Each in-process stack builds its own copy, so parallel test files never race on one folder.
    const temporary = !useDefaultDist && dataDir === undefined;
    const outDir = useDefaultDist
      ? defaultDist
      : dataDir
        ? join(dataDir, 'playground')
        : mkdtempSync(join(tmpdir(), 'ciam-playground-'));
    const built = await buildPlayground({ outDir });
    return { dir: built.outDir, temporary };
  } catch {
    return existsSync(defaultDist) ? { dir: defaultDist, temporary: false } : undefined;
  }
}

/** What one run of the stack decided at its start (data dir, keys, settings), and what it must undo at its end. */
interface StackRun {
  options: LocalStackOptions;
  /** This stack's number in the process: its own function module instances. */
  instance: number;
  log: (line: string) => void;
  persist: boolean;
  dataDir: string | undefined;
  adminKey: string;
  brandClientId: string;
  spaOrigins: string[];
  authorizerTtl: number;
  ssmPrefix: string;
  /** Run in reverse order at shutdown: each started peer pushes its own. */
  closers: (() => Promise<void>)[];
  /** process.env values the stack replaced, restored at shutdown. */
  savedEnv: Map<string, string | undefined>;
}

/** Step 1, data dir and keys: where data goes, the admin key, and the settings every later step reads. */
function prepareRun(options: LocalStackOptions): StackRun {
  const instance = ++instances;
  const log = options.quiet ? () => undefined : (options.log ?? ((line: string) => console.log(line)));
  const persist = options.persist === true || options.dataDir !== undefined;
  const dataDir = persist ? resolve(options.dataDir ?? DEFAULT_DATA_DIR) : undefined;
  if (dataDir) makePrivateDir(dataDir);
  // Before any peer opens its files: a second stack on the folder gets a clear message, not dynalite's crash.
  const unlock = dataDir ? lockDataDir(dataDir) : undefined;
  const adminKey = options.adminKey ?? loadOrCreateAdminKey(dataDir);
  const brandClientId = options.brandClientId ?? DEMO_SPA_CLIENT_ID;
  const spaOrigins = parseSpaOrigins(options.spaOrigins ?? []);
  const authorizerTtl = options.authorizerCacheTtlSeconds ?? 300;
  const ssmPrefix = '/ciam-gateway/local';
  return {
    options,
    instance,
    log,
    persist,
    dataDir,
    adminKey,
    brandClientId,
    spaOrigins,
    authorizerTtl,
    ssmPrefix,
    closers: unlock ? [async () => unlock()] : [],
    savedEnv: new Map<string, string | undefined>(),
  };
}

/** Last step, shutdown: stops the peers in reverse order, keeps the data private, restores process.env. */
async function shutDown(run: StackRun): Promise<void> {
  for (const close of run.closers.reverse()) await close().catch(() => undefined);
  if (run.dataDir) privatizeTree(run.dataDir);
  for (const [name, value] of run.savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  running--;
}

/** Peers: dynalite with the gateway's tables, and the local SSM Parameter Store. */
async function startStorage(
  run: StackRun,
): Promise<{ dynamo: LocalDynamo; tables: ReturnType<typeof localTableNames>; ssm: LocalSsm }> {
  const { options, dataDir } = run;
  const dynamo: LocalDynamo = await startLocalDynamo({
    port: options.dynamoPort ?? 0,
    ...(dataDir ? { path: join(dataDir, 'dynamodb') } : {}),
  });
  run.closers.push(() => dynamo.close());
  const tables = localTableNames('ciam-gw');
  await createGatewayTables(dynamo.client, tables);

  const ssm: LocalSsm = await startLocalSsm({
    port: options.ssmPort ?? 0,
    ...(dataDir ? { path: join(dataDir, 'ssm-parameters.json') } : {}),
  });
  run.closers.push(() => ssm.close());
  return { dynamo, tables, ssm };
}

/** Peer: the Capillary simulator, with the saved customers restored (or the demo member), saved again at shutdown. */
async function startCapillary(run: StackRun): Promise<CapillarySimulator> {
  const { options, dataDir, log } = run;
  const capillary = await startCapillarySimulator({
    port: options.capillaryPort ?? 0,
    clients: [{ ...DEMO_CAPILLARY_CREDENTIALS }],
    cuidLookup: options.capillaryCuidLookup ?? 'documented',
    // The org's OAUTH_EXTERNAL account, as added in Intouch's Channel Configurations: any other id is refused.
    sourceAccounts: { OAUTH_EXTERNAL: [...DEMO_ORG_SOURCE_ACCOUNTS] },
    ...options.capillaryOrg,
  });
  const customersFile = dataDir ? join(dataDir, 'capillary-customers.json') : undefined;
  const saved = customersFile ? loadCustomers(customersFile) : [];
  if (saved.length > 0) {
    // Re-seeding in id order gives every customer its old id, so persisted links stay valid.
    for (const customer of saved.sort((a, b) => a.id - b.id)) {
      const seeded = capillary.seedCustomer({ profiles: customer.profiles, extendedFields: customer.extendedFields });
      if (seeded.id !== customer.id) log(`warning: Capillary customer ${customer.id} restored as ${seeded.id}`);
    }
  } else {
    capillary.seedCustomer(demoInstoreMember());
  }
  run.closers.push(async () => {
    if (customersFile) writePrivateFile(customersFile, JSON.stringify({ customers: capillary.customers() }, null, 2));
    await capillary.close();
  });
  return capillary;
}

/**
 * Functions and emulator: the playground built, then the emulator serving the routes with the real handlers
 * (imported on their first request, after the environment is set). Started before the CIAM, which needs
 * the gateway's URL for its redirect URIs; `ciamIssuer` is read per request.
 */
async function startGateway(run: StackRun, ciamIssuer: () => string): Promise<ApiGatewayEmulator> {
  const { options, dataDir, persist, instance } = run;
  let playground: { dir: string; temporary: boolean } | undefined;
  if (options.playground !== false) {
    playground = await preparePlayground(dataDir, persist && options.dataDir === undefined);
    const built = playground;
    if (built?.temporary) run.closers.push(async () => rmSync(built.dir, { recursive: true, force: true }));
  }
  const openApiFile = join(ROOT, 'openapi', 'openapi.json');
  const emulator = await startApiGatewayEmulator({
    routes: Routes,
    port: options.port ?? 0,
    adminKey: run.adminKey,
    authorizerCacheTtlSeconds: run.authorizerTtl,
    corsAllowedOrigins: run.spaOrigins,
    ...(options.now ? { now: options.now } : {}),
    loadHandler: async (name: FunctionName) => (await importHandler(name, instance)) as ProxyHandler,
    loadAuthorizer: async () => (await importHandler('authorizer', instance)) as AuthorizerHandler,
    ...(playground ? { staticDir: playground.dir } : {}),
    ...(existsSync(openApiFile) ? { openApiFile } : {}),
    documents: {
      '/playground-config.json': async () => ({
        issuer: ciamIssuer(),
        clientId: DEMO_SPA_CLIENT_ID,
        brandId: DEMO_BRAND_ID,
        scope: 'openid email phone profile loyalty:read rewards:redeem',
        redirectUri: `${gatewayUrl}/`,
        postLogoutRedirectUri: `${gatewayUrl}/`,
        // Every saved brand, so the page can sign in to any of them (its issuer and client chosen on the page).
        brands: await savedBrands(gatewayUrl, run.adminKey),
      }),
    },
    onError: (where, error) => {
      if (!options.quiet) console.error(`[gateway] ${where} failed:`, error);
    },
    ...(options.requestLog ? { onRequest: (entry: RequestLogEntry) => options.requestLog?.(requestLine(entry)) } : {}),
  });
  run.closers.push(() => emulator.close());
  const gatewayUrl = emulator.url;
  return emulator;
}

/** Peer: the development CIAM with the demo users and clients (signing keys kept with persisted data). */
async function startCiam(
  run: StackRun,
  gatewayUrl: string,
  accounts: Record<string, AccountClaims>,
  appClientSecret: string,
): Promise<DevCiam> {
  const { options, dataDir, brandClientId, spaOrigins } = run;
  const ciam = await startDevCiam({
    port: options.ciamPort ?? 0,
    ...(dataDir
      ? {
          signingKeys: await loadOrCreateSigningKeys(join(dataDir, 'ciam-signing-keys.json')),
          stateFile: join(dataDir, 'ciam-state.json'),
        }
      : {}),
    accounts,
    clients: demoClients({ gatewayUrl, appClientSecret, brandClientId, spaOrigins }),
    apiResource: DEMO_API_RESOURCE,
    allowLoopbackBackchannel: true,
    ...(options.tokenTtlSeconds
      ? { ttlSeconds: { accessToken: options.tokenTtlSeconds, idToken: options.tokenTtlSeconds } }
      : {}),
  });
  run.closers.push(() => ciam.close());
  return ciam;
}

/** Environment: what the functions read, pointing at the local peers (every value the deployed stack sets). */
function handlerEnvironment(
  run: StackRun,
  peers: { dynamo: LocalDynamo; tables: ReturnType<typeof localTableNames>; ssm: LocalSsm },
): Record<string, string> {
  const { options } = run;
  const { dynamo, tables, ssm } = peers;
  const errorsOnly = options.quiet === true || options.functionLogs === 'errors';
  return {
    [EnvNames.BRANDS_TABLE]: tables.brands,
    [EnvNames.LINKS_TABLE]: tables.links,
    [EnvNames.REVOCATIONS_TABLE]: tables.revocations,
    [EnvNames.SSM_PREFIX]: run.ssmPrefix,
    [EnvNames.STAGE]: 'local',
    [EnvNames.LOCAL_ADMIN_KEY]: run.adminKey,
    [EnvNames.AUTHORIZER_CACHE_TTL_SECONDS]: String(run.authorizerTtl),
    [EnvNames.CONFIG_CACHE_TTL_SECONDS]: String(options.configCacheTtlSeconds ?? 2),
    [EnvNames.REVOCATION_CACHE_TTL_SECONDS]: String(options.revocationCacheTtlSeconds ?? 5),
    // loadSettings defaults nothing: the local stack states every value the deployed stack sets.
    [EnvNames.CONFIG_STALE_IF_ERROR_SECONDS]: '900',
    [EnvNames.CORS_ALLOWED_ORIGINS]: run.spaOrigins.join(','),
    [EnvNames.LOG_LEVEL]: process.env.POWERTOOLS_LOG_LEVEL ?? process.env[EnvNames.LOG_LEVEL] ?? 'INFO',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    POWERTOOLS_SERVICE_NAME: 'ciam-gateway-local',
    // Quiet: errors only. Powertools lets AWS_LAMBDA_LOG_LEVEL override every logger, audit logger included.
    ...(errorsOnly && process.env.POWERTOOLS_LOG_LEVEL === undefined && process.env.AWS_LAMBDA_LOG_LEVEL === undefined
      ? { AWS_LAMBDA_LOG_LEVEL: 'ERROR' }
      : {}),
    ...(errorsOnly ? { POWERTOOLS_METRICS_DISABLED: 'true' } : {}),
  };
}

/** Sets the functions' environment on process.env, remembering what it replaced for shutdown. */
function applyEnvironment(run: StackRun, handlerEnv: Record<string, string>): void {
  for (const [name, value] of Object.entries(handlerEnv)) {
    run.savedEnv.set(name, process.env[name]);
    process.env[name] = value;
  }
  // AWS_PROFILE would make the SDK look for a real profile before the env credentials.
  run.savedEnv.set('AWS_PROFILE', process.env.AWS_PROFILE);
  delete process.env.AWS_PROFILE;
}

/** Seeding, for the tools: dev-clients.json in the data dir (issuer, gateway, admin key, clients, users). */
function writeDevClients(
  dataDir: string,
  facts: {
    issuer: string;
    gatewayUrl: string;
    capillaryUrl: string;
    adminKey: string;
    clients: LocalStack['clients'];
    users: DemoUser[];
  },
): void {
  writePrivateFile(
    join(dataDir, DEV_CLIENTS_FILE),
    `${JSON.stringify(
      {
        note: 'Written by the local stack at every start for npm run token / brand / ciam. Local development only.',
        issuer: facts.issuer,
        gatewayUrl: facts.gatewayUrl,
        capillaryUrl: facts.capillaryUrl,
        adminKey: facts.adminKey,
        apiResource: DEMO_API_RESOURCE,
        brandId: DEMO_BRAND_ID,
        clients: facts.clients,
        users: facts.users.map((user) => user.sub),
      },
      null,
      2,
    )}\n`,
  );
  privatizeTree(dataDir);
}

/** Starts every local peer, the emulator and the demo brand; resolves once the stack answers. */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  if (running > 0) {
    throw new Error('one local stack per process: the functions read process.env, which the stacks would share');
  }
  running++;
  // Set before the first SDK client is built (dynalite's admin client below).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let run: StackRun;
  try {
    run = prepareRun(options);
  } catch (error) {
    running--;
    throw error;
  }
  const { dataDir, adminKey, brandClientId } = run;
  const closeAll = () => shutDown(run);

  try {
    const storage = await startStorage(run);
    const { dynamo, ssm } = storage;
    const capillary = await startCapillary(run);

    const users = demoUsers();
    const accounts: Record<string, AccountClaims> = Object.fromEntries(users.map((user) => [user.sub, user.claims]));
    const appClientSecret = randomBytes(24).toString('base64url');
    let ciam: DevCiam | undefined;
    const emulator = await startGateway(run, () => ciam?.issuer ?? '');
    const gatewayUrl = emulator.url;
    ciam = await startCiam(run, gatewayUrl, accounts, appClientSecret);
    const devCiam = ciam;

    const handlerEnv = handlerEnvironment(run, storage);
    applyEnvironment(run, handlerEnv);

    await seedDemoBrand(gatewayUrl, adminKey, {
      issuer: devCiam.issuer,
      jwksUri: devCiam.jwksUri,
      userInfoEndpoint: devCiam.userInfoEndpoint,
      capillaryBaseUrl: capillary.baseUrl,
      ssmPrefix: run.ssmPrefix,
      brandClientId,
      dualEligibility: capillary.config().dualEligibility,
      primaryIdentifier: capillary.config().primaryIdentifier,
    });

    const clients = {
      app: { clientId: DEMO_APP_CLIENT_ID, clientSecret: appClientSecret, redirectUri: 'http://127.0.0.1/cb' },
      spa: { clientId: DEMO_SPA_CLIENT_ID, redirectUri: `${gatewayUrl}/` },
      brandClientId,
    };
    if (dataDir) {
      const facts = { issuer: devCiam.issuer, gatewayUrl, capillaryUrl: capillary.baseUrl, adminKey, clients, users };
      writeDevClients(dataDir, facts);
    }

    let closed: Promise<void> | undefined;
    return {
      urls: {
        gateway: gatewayUrl,
        ciam: devCiam.issuer,
        capillary: capillary.baseUrl,
        dynamodb: dynamo.endpoint,
        ssm: ssm.endpoint,
        openapi: `${gatewayUrl}/openapi.json`,
      },
      adminKey,
      brandId: DEMO_BRAND_ID,
      apiResource: DEMO_API_RESOURCE,
      clients,
      users,
      env: handlerEnv,
      dataDir,
      emulator,
      ciam: devCiam,
      capillary,
      close: () => {
        closed ??= closeAll();
        return closed;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The saved brands as the playground offers them (the admin API's list; none when it cannot be read). */
async function savedBrands(
  gatewayUrl: string,
  adminKey: string,
): Promise<{ brandId: string; brandName: string; issuer: string; clientId: string }[]> {
  try {
    const listed = await fetch(`${gatewayUrl}/v1/admin/brands`, { headers: { 'x-admin-key': adminKey } });
    const body: unknown = await listed.json();
    const brands = isRecord(body) && Array.isArray(body.brands) ? body.brands.filter(isRecord) : [];
    return brands.map((brand) => ({
      brandId: String(brand.brandId),
      brandName: String(brand.brandName),
      issuer: String(brand.issuer),
      clientId: String(brand.clientId),
    }));
  } catch {
    return [];
  }
}

/** Saves the demo brand through the admin API when it is missing or differs from the wanted document. */
async function seedDemoBrand(
  gatewayUrl: string,
  adminKey: string,
  settings: Parameters<typeof demoBrandDocument>[0],
): Promise<void> {
  const url = `${gatewayUrl}/v1/admin/brands/${DEMO_BRAND_ID}`;
  const headers = { 'x-admin-key': adminKey, 'content-type': 'application/json' };
  const wanted = demoBrandDocument(settings);
  // List first: a GET of a missing brand would be a refused request (and a log line) on every first start.
  const listed = await fetch(`${gatewayUrl}/v1/admin/brands`, { headers });
  const brands: unknown = await listed.json().catch(() => undefined);
  if (listed.status !== 200) {
    throw new Error(`listing the brands failed: HTTP ${listed.status} ${JSON.stringify(brands)}`);
  }
  const list = isRecord(brands) && Array.isArray(brands.brands) ? brands.brands : Array.isArray(brands) ? brands : [];
  let version = 0;
  if (list.some((brand) => isRecord(brand) && brand.brandId === DEMO_BRAND_ID)) {
    const current = await fetch(url, { headers });
    const stored: unknown = await current.json().catch(() => undefined);
    if (current.status !== 200 || !isRecord(stored)) {
      throw new Error(`reading the demo brand failed: HTTP ${current.status} ${JSON.stringify(stored)}`);
    }
    const { version: storedVersion, ...document } = stored;
    if (canonical(document) === canonical(wanted)) return;
    version = typeof storedVersion === 'number' ? storedVersion : 0;
  }
  // force=true: a restart on another CIAM port changes the issuer, but it is the same development CIAM with
  // the same users and subs, so the links made under the old port stay right.
  const saved = await fetch(`${url}?force=true`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ ...wanted, version, secrets: { capillary: DEMO_CAPILLARY_CREDENTIALS } }),
  });
  if (saved.status !== 200 && saved.status !== 201) {
    throw new Error(`saving the demo brand failed: HTTP ${saved.status} ${await saved.text()}`);
  }
}
