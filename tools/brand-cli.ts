// `npm run brand -- <command>`: the brand admin CLI. Talks to the admin API of the local stack (admin key)
// or of a deployed stage (SigV4-signed for execute-api with the caller's AWS credentials).
//   put --file brand.json | get <brandId> | list | delete <brandId> [--version n] | validate --file f | schema
//   | init --issuer <url> --out <file> (tools/brand-init.ts)
// Locally the gateway URL and admin key come from $LOCAL_DATA_DIR/dev-clients.json when not given.
// Exit codes: 0 ok, 1 the API refused or could not be reached, 2 wrong usage.
import { isRecord } from '../shared/lang/is-record.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { DEMO_CAPILLARY_CREDENTIALS, DEMO_ORG_ID, LOCAL_BRANDS_SOURCE_ACCOUNT_ID } from '../local/demo-brand.js';
import { DEFAULT_PORTS, DEV_CLIENTS_FILE, DevClientsSchema, localDataDir } from '../local/local-data.js';
import { InMemoryAuditLog } from '../shared/audit/audit-event.js';
import { BrandAdmin } from '../shared/config/brand-admin.js';
import { buildBrandJsonSchema } from '../shared/config/brand-json-schema.js';
import { GatewayError } from '../shared/errors.js';
import { safeJsonParse } from '../shared/http/json.js';
import { initBrand, PRESETS, type Preset } from './brand-init.js';
import type { HostResolver } from '../shared/http/outbound-url.js';
import {
  type ApiCall,
  ApiRefusal,
  GoLiveUsageError,
  type GoLiveIo,
  runDiagnose,
  runDoctor,
  runPrelink,
} from './golive-commands.js';

/** The go-live commands' view of the CLI's io (files and waiting default to the real ones). */
function goLiveIo(io: CliIo): GoLiveIo {
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    readFile: io.readFile,
    writeFile: io.writeFile ?? ((path, body) => writeFile(path, body, 'utf8')),
    ...(io.sleep ? { sleep: io.sleep } : {}),
  };
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  readFile: (path: string) => Promise<string>;
  /** AWS credentials for --sigv4 (defaults to the Node provider chain). */
  credentials?: () => Promise<AwsCredentials>;
  /** Fixed signing time (tests). */
  signingDate?: Date;
  /** Where `init --out` and the prelink state write (defaults to the file system). */
  writeFile?: (path: string, text: string) => Promise<void>;
  /** Waits between prelink batches (defaults to a real sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** How `init` resolves hosts for its address warnings (defaults to the system DNS). */
  resolveHost?: HostResolver;
}

const USAGE = `Usage: npm run brand -- <command> [options]
Commands:
  put --file <brand.json> [--force]   create (no "version") or update (the "version" you read) a brand;
                                      --force allows an issuer change while customers are linked
  get <brandId>                       print a brand as JSON (the shape put takes; secrets left out)
  list                                list brands
  delete <brandId> [--version <n>]    delete a brand (only at version n when given)
  validate --file <brand.json>        run every save-time check without saving
  validate --offline --file <f>       schema and rules only, no network (CI); --stage <s> for its SSM path
  schema                              print the brand JSON Schema (brand.schema.json)
  init --issuer <url> --out <file>    write a brand file from the issuer's discovery document
       [--preset cognito|auth0|entra|okta|next-identity|generic] [--brand-id <id>] [--client-id <id>]
       [--application-id <aud>] [--org-id <n>] [--source-account <id>] [--capillary-url <url>]
  doctor <brandId>                    live, read-only checks of the brand's CIAM and Capillary org
       [--token <jwt> [--id-token <jwt>]] [--probe-customer <id>] [--probe-merged <id>]
       [--probe-identifier email:<address>|mobile:<digits>] [--verbose] [--json]   (exit 1 when a check fails)
  diagnose --token <jwt> [--brand <id>] [--json]
                                      why the authorizer allows or refuses the token (exit 1 unless allowed)
  prelink <brandId> --users <file.jsonl> [--apply] [--batch <n>] [--calls-per-minute <n>] [--state <file>] [--json]
                                      what each user's first session would do; --apply links existing members
Options:
  --endpoint <url>     gateway base URL (env CIAM_GATEWAY_URL, else the running local stack's, else
                       http://127.0.0.1:3000)
  --admin-key <key>    local admin key (env LOCAL_ADMIN_KEY, else the one npm start keeps in
                       $LOCAL_DATA_DIR/dev-clients.json; LOCAL_DATA_DIR defaults to .local-data)
  --offline            validate: no gateway, no JWKS or discovery fetch, no store
  --stage <stage>      --offline: the stage whose SSM path credentials must live under (default local;
                       only local accepts loopback URLs)
  --sigv4              sign with AWS SigV4 for a deployed stage (credentials from the default chain)
  --region <region>    region for --sigv4 (env AWS_REGION)`;

class UsageError extends Error {}

export interface SignInput {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string | undefined;
  region: string;
  credentials: AwsCredentials;
  signingDate?: Date;
}

/** Signs an execute-api request with SigV4; returns the headers to send (authorization, x-amz-date, ...). */
export async function signRequest(input: SignInput): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: input.credentials,
    region: input.region,
    service: 'execute-api',
    sha256: Hash.bind(null, 'sha256'),
  });
  const query: Record<string, string> = {};
  for (const [key, value] of input.url.searchParams) query[key] = value;
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: input.url.protocol,
      hostname: input.url.hostname,
      ...(input.url.port ? { port: Number(input.url.port) } : {}),
      path: input.url.pathname,
      query,
      headers: { ...input.headers, host: input.url.host },
      ...(input.body === undefined ? {} : { body: input.body }),
    },
    input.signingDate ? { signingDate: input.signingDate } : {},
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) headers[name] = String(value);
  return headers;
}

interface Options {
  endpoint: string;
  adminKey: string | undefined;
  sigv4: boolean;
  region: string | undefined;
}

async function call(
  io: CliIo,
  options: Options,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const base = options.endpoint.replace(/\/+$/, '');
  const url = new URL(`${base}${path}`);
  const text = body === undefined ? undefined : JSON.stringify(body);
  let headers: Record<string, string> = { accept: 'application/json' };
  if (text !== undefined) headers['content-type'] = 'application/json';
  if (options.sigv4) {
    const region = options.region;
    if (!region) throw new UsageError('--sigv4 needs a region (--region or AWS_REGION)');
    const credentials = await (io.credentials ?? defaultCredentials)();
    headers = await signRequest({
      method,
      url,
      headers,
      body: text,
      region,
      credentials,
      ...(io.signingDate ? { signingDate: io.signingDate } : {}),
    });
    delete headers.host; // fetch sets it (a forbidden header name)
  } else if (options.adminKey) {
    headers['x-admin-key'] = options.adminKey;
  }
  let response: Response;
  try {
    response = await io.fetch(url.href, {
      method,
      headers,
      ...(text === undefined ? {} : { body: text }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
    const hint = options.sigv4
      ? ''
      : ` (is the local stack running? npm start, with LOCAL_DATA_DIR=${localDataDir(io.env)}; or pass --endpoint)`;
    throw new Error(`cannot reach ${base}: ${reason || 'network error'}${hint}`);
  }
  const raw = await response.text();
  let json: unknown = raw;
  try {
    json = raw === '' ? undefined : safeJsonParse(raw);
  } catch {
    json = raw;
  }
  return { status: response.status, json };
}

async function defaultCredentials(): Promise<AwsCredentials> {
  const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
  return fromNodeProviderChain()();
}

const ADMIN_KEY_HINT =
  'pass --admin-key or set LOCAL_ADMIN_KEY (npm start prints it and keeps it in $LOCAL_DATA_DIR/dev-clients.json, LOCAL_DATA_DIR defaulting to .local-data); deployed: --sigv4';

/** Prints an API error body as `error CODE: message` plus one line per field. */
function describeError(status: number, json: unknown): string {
  const error = isRecord(json) && isRecord(json.error) ? json.error : undefined;
  if (!error) {
    const hint = status === 403 ? ' (wrong admin key, or not allowed: check IAM / --sigv4)' : '';
    return `error: HTTP ${status}${hint}${typeof json === 'string' && json ? `: ${json.slice(0, 200)}` : ''}`;
  }
  const lines = [`error ${String(error.code)} (HTTP ${status}): ${String(error.message)}`];
  if (Array.isArray(error.details)) {
    for (const detail of error.details) {
      if (isRecord(detail)) lines.push(`  - ${String(detail.field)}: ${String(detail.message)}`);
    }
  }
  if (status === 403 && error.code === 'FORBIDDEN') lines.push(`  hint: ${ADMIN_KEY_HINT}`);
  return lines.join('\n');
}

async function readBrandFile(io: CliIo, file: string | undefined): Promise<Record<string, unknown>> {
  if (!file) throw new UsageError('--file <brand.json> is required');
  let text: string;
  try {
    text = await io.readFile(file);
  } catch {
    throw new Error(`cannot read ${file}`);
  }
  let value: unknown;
  try {
    value = safeJsonParse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error instanceof Error ? error.message : ''}`);
  }
  if (!isRecord(value)) throw new Error(`${file} must hold a JSON object`);
  if (typeof value.brandId !== 'string' || value.brandId === '') throw new Error(`${file} has no "brandId"`);
  return value;
}

/** The running local stack's URLs and admin key from dev-clients.json; nothing when it is absent. */
async function localStackDefaults(
  io: CliIo,
): Promise<{ gatewayUrl?: string; adminKey?: string; capillaryUrl?: string }> {
  try {
    const parsed = DevClientsSchema.safeParse(
      JSON.parse(await io.readFile(join(localDataDir(io.env), DEV_CLIENTS_FILE))),
    );
    if (!parsed.success) return {};
    return {
      ...(parsed.data.gatewayUrl ? { gatewayUrl: parsed.data.gatewayUrl } : {}),
      ...(parsed.data.adminKey ? { adminKey: parsed.data.adminKey } : {}),
      ...(parsed.data.capillaryUrl ? { capillaryUrl: parsed.data.capillaryUrl } : {}),
    };
  } catch {
    return {};
  }
}

/** `validate --offline`: the admin API's schema and rule checks in process; nothing is read or written. */
function validateOffline(brand: Record<string, unknown>, stage: string): { status: number; json: unknown } {
  if (!/^[a-z0-9-]{1,32}$/.test(stage)) throw new UsageError('--stage must be a stage name such as local, dev or prod');
  const unreachable = async (): Promise<never> => {
    throw new Error('offline validation reaches no store');
  };
  const admin = new BrandAdmin({
    store: { get: unreachable, list: unreachable, save: unreachable, delete: unreachable },
    secretWriter: { putSecret: unreachable, deleteSecret: unreachable },
    capillaryCredentials: unreachable,
    audit: new InMemoryAuditLog(),
    ssmPrefix: `/ciam-gateway/${stage}`,
    allowLoopbackUrls: stage === 'local',
  });
  try {
    const result = admin.validateOffline(String(brand.brandId), brand);
    return { status: 200, json: { ...result, offline: true, stage } };
  } catch (error) {
    if (!(error instanceof GatewayError)) throw error;
    return {
      status: error.status,
      json: {
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      },
    };
  }
}

function brandPath(brandId: string, suffix = ''): string {
  return `/v1/admin/brands/${encodeURIComponent(brandId)}${suffix}`;
}

/** `init`: discovery + preset -> brand file; prints what is left to fill in. */
async function runInit(io: CliIo, values: Record<string, string | boolean | undefined>): Promise<number> {
  const text = (name: string) => (typeof values[name] === 'string' ? (values[name] as string) : undefined);
  const issuer = text('issuer');
  const out = text('out');
  if (!issuer) throw new UsageError('init needs --issuer <url>');
  if (!out) throw new UsageError('init needs --out <file>');
  const preset = text('preset');
  if (preset !== undefined && !(PRESETS as readonly string[]).includes(preset)) {
    throw new UsageError(`--preset must be one of ${PRESETS.join(', ')}`);
  }
  const orgId = text('org-id');
  if (orgId !== undefined && !/^[1-9]\d*$/.test(orgId)) throw new UsageError('--org-id must be a positive integer');
  const optional = (key: string, name: string) => (text(name) === undefined ? {} : { [key]: text(name) });
  // A loopback issuer's brand uses the running stack's simulator (else its default port) and its credentials.
  const simulator = (await localStackDefaults(io)).capillaryUrl ?? `http://127.0.0.1:${DEFAULT_PORTS.capillary}`;
  const localCapillary = {
    baseUrl: simulator,
    orgId: DEMO_ORG_ID,
    credentials: { ...DEMO_CAPILLARY_CREDENTIALS },
    sourceAccountId: LOCAL_BRANDS_SOURCE_ACCOUNT_ID,
  };
  const result = await initBrand(
    {
      issuer,
      ...(preset ? { preset: preset as Preset } : {}),
      ...optional('brandId', 'brand-id'),
      ...optional('clientId', 'client-id'),
      ...optional('applicationId', 'application-id'),
      ...optional('sourceAccountId', 'source-account'),
      ...optional('capillaryBaseUrl', 'capillary-url'),
      ...(orgId ? { orgId: Number(orgId) } : {}),
      localCapillary,
    },
    io.fetch,
    io.resolveHost,
  );
  await (io.writeFile ?? ((path, body) => writeFile(path, body, 'utf8')))(
    out,
    `${JSON.stringify(result.brand, null, 2)}\n`,
  );
  const lines = [`wrote ${out} (preset ${result.preset})`];
  if (result.placeholders.length > 0) lines.push('replace before put:', ...result.placeholders.map((p) => `  - ${p}`));
  if (result.notes.length > 0) lines.push('notes:', ...result.notes.map((n) => `  - ${n}`));
  io.stdout(lines.join('\n'));
  if (result.warnings.length > 0) io.stderr(result.warnings.map((warning) => `warning: ${warning}`).join('\n'));
  return 0;
}

/** Runs one CLI invocation; returns the process exit code. */
export async function runBrandCli(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        file: { type: 'string', short: 'f' },
        version: { type: 'string' },
        force: { type: 'boolean', default: false },
        endpoint: { type: 'string' },
        'admin-key': { type: 'string' },
        sigv4: { type: 'boolean', default: false },
        region: { type: 'string' },
        offline: { type: 'boolean', default: false },
        stage: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        issuer: { type: 'string' },
        preset: { type: 'string' },
        'brand-id': { type: 'string' },
        out: { type: 'string' },
        'client-id': { type: 'string' },
        'application-id': { type: 'string' },
        'org-id': { type: 'string' },
        'source-account': { type: 'string' },
        'capillary-url': { type: 'string' },
        token: { type: 'string' },
        'id-token': { type: 'string' },
        'probe-customer': { type: 'string' },
        'probe-merged': { type: 'string' },
        'probe-identifier': { type: 'string' },
        verbose: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        brand: { type: 'string' },
        users: { type: 'string' },
        apply: { type: 'boolean', default: false },
        batch: { type: 'string' },
        'calls-per-minute': { type: 'string' },
        state: { type: 'string' },
      },
    });
    const [command, arg] = positionals;
    if (values.help || !command) {
      io.stdout(USAGE);
      return values.help ? 0 : 2;
    }
    if ((values.offline || values.stage !== undefined) && command !== 'validate') {
      throw new UsageError('--offline and --stage go with validate only');
    }
    if (values.stage !== undefined && !values.offline) throw new UsageError('--stage goes with validate --offline');
    const explicitEndpoint = values.endpoint ?? io.env.CIAM_GATEWAY_URL;
    const explicitKey = values['admin-key'] ?? io.env.LOCAL_ADMIN_KEY;
    // Only a local call (no --sigv4, no other endpoint) picks up the running stack's URL and key.
    const local = values.sigv4 || explicitEndpoint !== undefined ? {} : await localStackDefaults(io);
    const options: Options = {
      endpoint: explicitEndpoint ?? local.gatewayUrl ?? 'http://127.0.0.1:3000',
      adminKey: explicitKey ?? local.adminKey,
      sigv4: values.sigv4,
      region: values.region ?? io.env.AWS_REGION ?? io.env.AWS_DEFAULT_REGION,
    };
    const api: ApiCall = (method, path, body) => call(io, options, method, path, body);
    let result: { status: number; json: unknown };
    switch (command) {
      case 'schema':
        io.stdout(JSON.stringify(buildBrandJsonSchema(), null, 2));
        return 0;
      case 'init':
        return await runInit(io, values);
      case 'doctor':
        return await runDoctor(goLiveIo(io), api, arg, values);
      case 'diagnose':
        return await runDiagnose(goLiveIo(io), api, values);
      case 'prelink':
        return await runPrelink(goLiveIo(io), api, arg, values);
      case 'list':
        result = await call(io, options, 'GET', '/v1/admin/brands');
        break;
      case 'get':
        if (!arg) throw new UsageError('get needs a brand id');
        result = await call(io, options, 'GET', brandPath(arg));
        break;
      case 'delete': {
        if (!arg) throw new UsageError('delete needs a brand id');
        if (values.version !== undefined && !/^\d+$/.test(values.version)) {
          throw new UsageError('--version must be a non-negative integer');
        }
        const query = values.version === undefined ? '' : `?version=${values.version}`;
        result = await call(io, options, 'DELETE', `${brandPath(arg)}${query}`);
        break;
      }
      case 'put': {
        const brand = await readBrandFile(io, values.file);
        const force = values.force ? '?force=true' : '';
        result = await call(io, options, 'PUT', `${brandPath(String(brand.brandId))}${force}`, brand);
        break;
      }
      case 'validate': {
        const brand = await readBrandFile(io, values.file);
        if (values.offline) {
          result = validateOffline(brand, values.stage ?? 'local');
          break;
        }
        result = await call(io, options, 'POST', brandPath(String(brand.brandId), '/validate'), brand);
        break;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    if (result.status >= 400) {
      io.stderr(describeError(result.status, result.json));
      return 1;
    }
    io.stdout(JSON.stringify(result.json, null, 2));
    return 0;
  } catch (error) {
    if (error instanceof ApiRefusal) {
      io.stderr(describeError(error.status, error.json));
      return 1;
    }
    if (
      error instanceof UsageError ||
      error instanceof GoLiveUsageError ||
      (error instanceof TypeError && 'code' in error)
    ) {
      io.stderr(`error: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runBrandCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(`${text}\n`),
    stderr: (text) => process.stderr.write(`${text}\n`),
    env: process.env,
    fetch: (url, init) => fetch(url, init),
    readFile: (path) => readFile(path, 'utf8'),
  });
  process.exitCode = code;
}
