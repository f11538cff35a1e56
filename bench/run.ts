// `npm run bench`: the authorizer's verify path against a raw node:crypto floor, aws-jwt-verify and jose on
// distinct realistic OIDC tokens (RS256, ES256); the repeated-token path against a Map lookup; the bundle
// size and cold import + first decision in fresh processes against an empty and an aws-jwt-verify handler.
// BENCH_QUICK=1 runs the same figures with fewer samples. Writes bench-results.json at the repo root.
import { generateKeyPairSync, type KeyObject, randomUUID, sign, verify } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { JwtVerifier } from 'aws-jwt-verify';
import { build } from 'esbuild';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { type AuthorizeRequestInput, createRequestAuthorizer } from '../shared/auth/authorize-request.js';
import { JwksCache } from '../shared/auth/jwks-cache.js';
import { createTokenVerifier, verifyAccessToken } from '../shared/auth/verify-access-token.js';
import { createGatewayTables, localTableNames, startLocalDynamo } from '../local/local-dynamo.js';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoBrandStore } from '../shared/adapters/dynamo-brand-store.js';
import { createDocumentClient } from '../shared/adapters/dynamo-client.js';
import { type BrandConfig, parseBrandConfig, parseBrandDocument } from '../shared/config/brand-config.js';
import { NeverRevoked } from '../shared/revocation/revocation-checker.js';
import { IndexedBrandDirectory } from './entries/indexed-brand-directory.js';
import { stackBench } from './stack-bench.js';
import { summaryLines } from './summary.js';

const QUICK = process.env.BENCH_QUICK === '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'dist', 'bench');
const ROUNDS = QUICK ? 24 : 40;
const PER_ROUND = QUICK ? 80 : 300;
// Operations discarded per contender before timing (at least 600 in either mode: fewer left the quick run
// timing the decision's call graph before the JIT had optimised all of it, 0.05-0.1 over the full run's ratio).
const WARMUP_ROUNDS = Math.ceil(600 / PER_ROUND);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? (QUICK ? 7 : 15));
const NOW_MS = Date.now();
const NOW_S = Math.floor(NOW_MS / 1000);

type Alg = 'RS256' | 'ES256';

// ---------- fixtures: brands, keys, realistic OIDC ID tokens ----------
function brandConfig(i: number, jwksUri: string, issuer = `https://ciam-${i}.bench.test`): BrandConfig {
  return parseBrandConfig({
    brandId: `brand-${i}`,
    brandName: `Brand ${i}`,
    orgId: 1000 + i,
    issuer,
    applicationId: `https://api-${i}.bench.test`,
    clientId: `client-${i}`,
    jwksUri,
    userInfoEndpoint: `${issuer}/me`,
    fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
    // The fixtures are realistic ID tokens (the largest bearer a brand may accept, with acceptIdTokens).
    acceptIdTokens: true,
    capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: `/b/${i}` },
  });
}

interface BenchKey {
  kid: string;
  alg: Alg;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: Record<string, unknown>;
}

function makeKey(alg: Alg, kid: string): BenchKey {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg, ...pair, jwk: { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function idToken(brand: BrandConfig, key: BenchKey, n: number): string {
  const claims = {
    iss: brand.issuer,
    sub: `auth0|${randomUUID().replace(/-/g, '')}`,
    aud: brand.clientId,
    exp: NOW_S + 3600,
    iat: NOW_S - 30,
    auth_time: NOW_S - 40,
    nonce: randomUUID(),
    at_hash: Buffer.from(randomUUID()).toString('base64url').slice(0, 22),
    sid: randomUUID(),
    email: `customer${n}@example.com`,
    email_verified: true,
    given_name: 'Ada',
    family_name: `Lovelace-${n}`,
    name: `Ada Lovelace-${n}`,
    phone_number: `+4477009${String(n).padStart(5, '0')}`,
    phone_number_verified: true,
    locale: 'en-GB',
    updated_at: NOW_S - 86_400,
  };
  const input = `${b64({ alg: key.alg, typ: 'JWT', kid: key.kid })}.${b64(claims)}`;
  const sig = sign(
    'sha256',
    Buffer.from(input),
    key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return `${input}.${sig.toString('base64url')}`;
}

// ---------- the floor: parse, kid lookup, crypto.verify, claim checks; nothing else ----------
function makeFloor(brand: BrandConfig, keys: Map<string, KeyObject>, alg: Alg) {
  const es = alg === 'ES256';
  return (token: string): boolean => {
    const a = token.indexOf('.');
    const b = token.indexOf('.', a + 1);
    const header = JSON.parse(Buffer.from(token.slice(0, a), 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(token.slice(a + 1, b), 'base64url').toString('utf8'));
    const key = keys.get(header.kid);
    if (key === undefined || header.alg !== alg) throw new Error('kid');
    const data = Buffer.from(token.slice(0, b));
    const sig = Buffer.from(token.slice(b + 1), 'base64url');
    if (!verify('sha256', data, es ? { key, dsaEncoding: 'ieee-p1363' } : key, sig)) throw new Error('sig');
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== brand.issuer || claims.aud !== brand.clientId || claims.exp <= now || claims.iat > now + 60) {
      throw new Error('claims');
    }
    return true;
  };
}

/**
 * The authorizer event of each token as the Lambda runtime hands it over: parsed from JSON, so the header is a
 * flat string (a `Bearer ${t}` built in the timed loop would charge the decision for the harness's concatenation).
 */
function authorizerEvents(
  tokens: readonly string[],
  methodArn: string,
): Map<string, { methodArn: string; headers: Record<string, string> }> {
  return new Map(
    tokens.map((t) => [t, JSON.parse(JSON.stringify({ methodArn, headers: { Authorization: `Bearer ${t}` } }))]),
  );
}

// ---------- measurement ----------
interface Stats {
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
}

type Op = (token: string) => unknown;

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

interface RaceResult {
  stats: Record<string, Stats>;
  /** Median over rounds of (contender time / reference time) measured in the same round: robust to load drift. */
  ratios: Record<string, number>;
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;

/**
 * Runs every contender over the same distinct tokens in interleaved rounds (order alternating); per-op
 * latency via hrtime. ops/s is from the median round; ratios are per-round against `reference`.
 */
async function race(contenders: Record<string, Op>, tokens: string[], reference?: string): Promise<RaceResult> {
  const names = Object.keys(contenders);
  const samples = new Map(names.map((n) => [n, [] as number[]]));
  const roundTimes = new Map(names.map((n) => [n, [] as number[]]));
  let cursor = 0;
  for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    const start = cursor;
    for (const name of order) {
      const op = contenders[name] as Op;
      const list = samples.get(name) as number[];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < PER_ROUND; i++) {
        const token = tokens[(start + i) % tokens.length] as string;
        const s = process.hrtime.bigint();
        const r = op(token);
        if (r instanceof Promise) await r;
        if (round >= 0) list.push(Number(process.hrtime.bigint() - s) / 1000);
      }
      if (round >= 0) roundTimes.get(name)?.push(Number(process.hrtime.bigint() - t0) / 1000 / PER_ROUND);
    }
    cursor += PER_ROUND;
  }
  const stats: Record<string, Stats> = {};
  const ratios: Record<string, number> = {};
  const ref = reference ? (roundTimes.get(reference) ?? []) : [];
  for (const name of names) {
    const sorted = Float64Array.from(samples.get(name) as number[]).sort();
    const rounds = roundTimes.get(name) ?? [];
    stats[name] = {
      opsPerSec: Math.round(1e6 / median(rounds)),
      p50Us: round2(percentile(sorted, 0.5)),
      p99Us: round2(percentile(sorted, 0.99)),
    };
    if (reference) ratios[name] = round2(median(rounds.map((t, i) => t / (ref[i] ?? t))));
  }
  return { stats, ratios };
}

/**
 * Batched timing for sub-microsecond operations (per-op hrtime would dominate); batches of the contenders
 * alternate so load drift hits all alike. ops/s and ratios come from median batch times.
 */
function microRace(
  ops: Record<string, () => unknown>,
  reference: string,
): { rows: Record<string, Stats>; ratios: Record<string, number> } {
  const batches = QUICK ? 400 : 1500;
  const batchSize = 1000;
  const names = Object.keys(ops);
  const perOp = new Map(names.map((n) => [n, [] as number[]]));
  let sink = 0;
  for (let b = -50; b < batches; b++) {
    for (const name of names) {
      const op = ops[name] as () => unknown;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batchSize; i++) if (op() !== undefined) sink++;
      if (b >= 0) perOp.get(name)?.push(Number(process.hrtime.bigint() - t0) / batchSize / 1000);
    }
  }
  if (sink === -1) console.log(sink);
  const ref = perOp.get(reference) ?? [];
  const rows: Record<string, Stats> = {};
  const ratios: Record<string, number> = {};
  for (const name of names) {
    const list = perOp.get(name) ?? [];
    const sorted = Float64Array.from(list).sort();
    rows[name] = {
      opsPerSec: Math.round(1 / (median(list) / 1e6)),
      p50Us: round4(percentile(sorted, 0.5)),
      p99Us: round4(percentile(sorted, 0.99)),
    };
    ratios[name] = round2(median(list.map((t, i) => t / (ref[i] ?? t))));
  }
  return { rows, ratios };
}

const round2 = (n: number) => Math.round(n * 100) / 100;
const round4 = (n: number) => Math.round(n * 10_000) / 10_000;

function table(
  title: string,
  rows: Record<string, Stats>,
  ratios: Record<string, number>,
  label = 'ratio to floor',
): void {
  console.log(`\n${title}`);
  console.log(`  contender                     ops/s      p50 µs    p99 µs   ${label}`);
  for (const [name, s] of Object.entries(rows)) {
    const ratio = ratios[name] === undefined ? '' : (ratios[name] as number).toFixed(2);
    console.log(
      `  ${name.padEnd(26)} ${String(s.opsPerSec).padStart(9)} ${String(s.p50Us).padStart(10)} ${String(s.p99Us).padStart(9)}   ${ratio}`,
    );
  }
}

// ---------- 1. warm distinct tokens ----------
async function warm(alg: Alg) {
  const key = makeKey(alg, `bench-${alg.toLowerCase()}`);
  const jwksDoc = { keys: [key.jwk] };
  const brand = brandConfig(0, 'https://ciam-0.bench.test/jwks');
  const tokens = Array.from({ length: ROUNDS * PER_ROUND + PER_ROUND }, (_, i) => idToken(brand, key, i));
  const directory = new IndexedBrandDirectory([brand]);
  const cache = new JwksCache(brand.jwksUri, {
    fetch: async () => new Response(JSON.stringify(jwksDoc)),
    now: Date.now,
  });
  await cache.prefetch();
  const deps = { brandDirectory: directory, now: Date.now, jwks: () => cache };
  const authorize = createRequestAuthorizer({
    ...deps,
    revocationChecker: NeverRevoked,
    tokenVerifier: {
      verify: (t) => verifyAccessToken(t, deps),
      peek: () => undefined,
      clear: () => undefined,
      size: 0,
    },
  });
  const awsVerifier = JwtVerifier.create({ issuer: brand.issuer, audience: brand.clientId, jwksUri: brand.jwksUri });
  awsVerifier.cacheJwks(jwksDoc as unknown as Parameters<typeof awsVerifier.cacheJwks>[0]);
  const joseKeys = createLocalJWKSet(jwksDoc as JSONWebKeySet);
  const floor = makeFloor(brand, new Map([[key.kid, key.publicKey]]), alg);
  const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/me';
  // Sanity: every contender accepts the corpus before it is timed.
  const probe = tokens[0] as string;
  floor(probe);
  await verifyAccessToken(probe, deps);
  await awsVerifier.verify(probe);
  await jwtVerify(probe, joseKeys, { issuer: brand.issuer, audience: brand.clientId, algorithms: [alg] });
  const events = authorizerEvents(tokens, methodArn);
  const decision = await authorize(events.get(probe) as AuthorizeRequestInput);
  if (decision.effect !== 'Allow') throw new Error(`bench authorizer refused its own token: ${decision.reason}`);
  return race(
    {
      floor,
      'gateway verify': (t) => verifyAccessToken(t, deps),
      'gateway decision': (t) => authorize(events.get(t) as AuthorizeRequestInput),
      'aws-jwt-verify': (t) => awsVerifier.verify(t),
      jose: (t) => jwtVerify(t, joseKeys, { issuer: brand.issuer, audience: brand.clientId, algorithms: [alg] }),
    },
    tokens,
    'floor',
  );
}

// ---------- 2. repeated token ----------
async function repeated() {
  const key = makeKey('RS256', 'rep');
  const jwksDoc = { keys: [key.jwk] };
  const brand = brandConfig(0, 'https://ciam-0.bench.test/jwks');
  const cache = new JwksCache(brand.jwksUri, {
    fetch: async () => new Response(JSON.stringify(jwksDoc)),
    now: Date.now,
  });
  const directory = new IndexedBrandDirectory([brand]);
  const verifier = createTokenVerifier({ brandDirectory: directory, now: Date.now, jwks: () => cache });
  const tokens = Array.from({ length: 1000 }, (_, i) => idToken(brand, key, i));
  const map = new Map<string, unknown>();
  for (const t of tokens) {
    const v = await verifier.verify(t);
    map.set(t, v);
  }
  const token = tokens[500] as string;
  const authorize = createRequestAuthorizer({
    brandDirectory: directory,
    now: Date.now,
    revocationChecker: NeverRevoked,
    tokenVerifier: verifier,
  });
  const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/me';
  // Both contenders cycle through the same 16 cached tokens (a few users repeating), so neither lookup can be
  // hoisted out of the loop as a constant.
  const hot = tokens.slice(0, 16);
  let a = 0;
  let b = 0;
  let c = 0;
  // Any cache that honours exp must read the clock; 'mapLookup + Date.now' is that floor.
  const micro = microRace(
    {
      mapLookup: () => map.get(hot[a++ & 15] as string),
      'mapLookup + Date.now': () => (Date.now() > 0 ? map.get(hot[c++ & 15] as string) : undefined),
      peek: () => verifier.peek(hot[b++ & 15] as string),
    },
    'mapLookup',
  );
  const events = authorizerEvents([token], methodArn);
  const asyncRuns: Record<string, Op> = {
    'verifier.verify (cached)': (t) => verifier.verify(t),
    'decision (cached token)': (t) => authorize(events.get(t) as AuthorizeRequestInput),
  };
  const same = Array.from({ length: 16 }, () => token);
  const asyncStats = (await race(asyncRuns, same)).stats;
  const rows: Record<string, Stats> = { ...micro.rows, ...asyncStats };
  const mapOps = micro.rows.mapLookup?.opsPerSec ?? 1;
  const ratios: Record<string, number> = { ...micro.ratios };
  for (const [k, v] of Object.entries(asyncStats)) ratios[k] = round2(mapOps / v.opsPerSec);
  return { rows, ratios };
}

// ---------- 3. scale: brands, keys ----------
async function scale() {
  const rows: Record<string, Stats> = {};
  const ratios: Record<string, number> = {};
  for (const [brands, keyCount] of [
    [1, 1],
    [100, 1],
    [1000, 1],
    [1000, 20],
  ] as const) {
    const keys = Array.from({ length: keyCount }, (_, i) => makeKey('ES256', `k${i}`));
    const jwksDoc = { keys: keys.map((k) => k.jwk) };
    const configs = Array.from({ length: brands }, (_, i) => brandConfig(i, `https://ciam-${i}.bench.test/jwks`));
    const directory = new IndexedBrandDirectory(configs);
    const caches = new Map<string, JwksCache>();
    const jwks = (uri: string) => {
      let c = caches.get(uri);
      if (!c) {
        c = new JwksCache(uri, { fetch: async () => new Response(JSON.stringify(jwksDoc)), now: Date.now });
        caches.set(uri, c);
      }
      return c;
    };
    const deps = { brandDirectory: directory, now: Date.now, jwks };
    const tokens = Array.from({ length: PER_ROUND * 2 }, (_, i) => {
      const brand = configs[i % brands] as BrandConfig;
      return idToken(brand, keys[i % keyCount] as BenchKey, i);
    });
    for (const t of tokens) await verifyAccessToken(t, deps); // warms every brand's JWKS cache
    const name = `${brands} brands, ${keyCount} keys`;
    const floor = makeFloor(configs[0] as BrandConfig, new Map(keys.map((k) => [k.kid, k.publicKey])), 'ES256');
    // The floor verifies a same-shaped token of one brand in place of each token (it knows one brand only).
    const twin = new Map(
      tokens.map((t, i) => [t, idToken(configs[0] as BrandConfig, keys[i % keyCount] as BenchKey, i)]),
    );
    const result = await race(
      { floor: (t) => floor(twin.get(t) as string), verify: (t) => verifyAccessToken(t, deps) },
      tokens,
      'floor',
    );
    rows[name] = result.stats.verify as Stats;
    ratios[name] = result.ratios.verify as number;
  }
  return { rows, ratios };
}

// ---------- 4. bundles and cold start ----------
/**
 * The bundling the stack deploys (infra/constructs/gateway-function.ts: NodejsFunction with ESM, target node24,
 * minify, mainFields module/main, the createRequire banner, source maps without sources and
 * NODE_OPTIONS=--enable-source-maps). Whether the SDK is bundled and whether source maps are on is read from
 * the construct's source, so the "deployed entry" row follows the stack; the other modes are measured beside it.
 */
function stackBundling(): { sdkBundled: boolean; sourceMaps: boolean } {
  const source = readFileSync(join(ROOT, 'infra/constructs/gateway-function.ts'), 'utf8');
  const sdk = /bundleAwsSDK:\s*(true|false)/.exec(source)?.[1];
  const maps = /sourceMap:\s*(true|false)/.exec(source)?.[1];
  // NO_RUNTIME_SOURCE_MAPS lists the functions that start without --enable-source-maps.
  const noRuntimeMaps = /NO_RUNTIME_SOURCE_MAPS[^=]*=\s*\[([^\]]*)\]/.exec(source)?.[1] ?? '';
  const runtimeMaps = source.includes('--enable-source-maps') && !noRuntimeMaps.includes("'authorizer'");
  return { sdkBundled: sdk !== 'false', sourceMaps: maps !== 'false' && runtimeMaps };
}

const ESM_REQUIRE_BANNER =
  "import { createRequire as __gatewayCreateRequire } from 'node:module'; const require = __gatewayCreateRequire(import.meta.url);";

interface BundleSpec {
  entry: string;
  sdkBundled: boolean;
  sourceMaps: boolean;
  /** Packages left out of the bundle (a row measuring what carrying them costs). */
  external?: string[];
}

/** A cold row: its bundle, the brand count of its table, and environment variables of its own. */
type ColdSpec = BundleSpec & { brands?: number; env?: Record<string, string> };

async function bundle(name: string, spec: BundleSpec): Promise<{ file: string; bytes: number }> {
  mkdirSync(OUT, { recursive: true });
  const outfile = join(OUT, `${name}.mjs`);
  await build({
    entryPoints: [join(ROOT, spec.entry)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    mainFields: ['module', 'main'],
    outfile,
    external: [...(spec.sdkBundled ? [] : ['@aws-sdk/*']), ...(spec.external ?? [])],
    sourcemap: spec.sourceMaps,
    sourcesContent: false,
    logLevel: 'error',
    banner: { js: ESM_REQUIRE_BANNER },
  });
  return { file: outfile, bytes: statSync(outfile).size };
}

export interface ColdRow {
  bytes: number;
  importMs: number;
  firstDecisionMs: number;
  totalMs: number;
  processMs: number;
  sdkBundled: boolean;
  sourceMaps: boolean;
  brands: number;
  /** Import + first decision of each timed round, in round order (rows of one round ran back to back). */
  roundTotalsMs: number[];
}

/** Writes `count` brand items (ids brand-1.., other issuers) straight into a brands table, 25 per batch. */
async function seedOtherBrands(
  client: import('@aws-sdk/client-dynamodb').DynamoDBClient,
  table: string,
  count: number,
) {
  const ddb = createDocumentClient(client);
  const updatedAt = new Date(NOW_MS).toISOString();
  for (let start = 1; start <= count; start += 25) {
    const items = [];
    for (let i = start; i < Math.min(start + 25, count + 1); i++) {
      const { version: _v, revision: _r, ...config } = brandConfig(i, `https://ciam-${i}.bench.test/jwks`);
      const { acceptedAudiences: _a, ...rest } = config;
      items.push({ PutRequest: { Item: { ...parseBrandDocument(rest), version: 1, updatedAt, updatedBy: 'bench' } } });
    }
    let request: Record<string, (typeof items)[number][]> | undefined = { [table]: items };
    while (request && Object.keys(request).length > 0) {
      const out = await ddb.send(new BatchWriteCommand({ RequestItems: request }));
      request = out.UnprocessedItems as typeof request;
    }
  }
}

async function cold() {
  const key = makeKey('RS256', 'cold');
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const brand = { ...brandConfig(0, `${base}/jwks`, base), version: 1, updatedAt: new Date(NOW_MS).toISOString() };
  server.on('request', (req, res) => {
    const body = req.url === '/jwks' ? { keys: [key.jwk] } : [brand];
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  const { version: _v, revision: _r, updatedAt: _u, acceptedAudiences: _a, ...brandDocument } = brand;
  const token = idToken(brand, key, 1);
  // The deployed entry (functions/authorizer/index.ts) and the honest baseline read their brand from DynamoDB:
  // dynalite on loopback, one table with the token's brand only and one with 999 other brands beside it.
  const dynamo = await startLocalDynamo();
  const tables = localTableNames('bench');
  const tables1k = localTableNames('bench1k');
  for (const t of [tables, tables1k]) {
    await createGatewayTables(dynamo.client, t);
    await new DynamoBrandStore({ documentClient: createDocumentClient(dynamo.client), tableName: t.brands }).save(
      parseBrandDocument(brandDocument),
      { expectedVersion: 0, actor: 'bench' },
    );
  }
  await seedOtherBrands(dynamo.client, tables1k.brands, 999);
  const event = {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/me',
    headers: { Authorization: `Bearer ${token}` },
    multiValueHeaders: { Authorization: [`Bearer ${token}`] },
  };
  const stack = stackBundling();
  const deployed = 'functions/authorizer/index.ts';
  const specs: Record<string, ColdSpec> = {
    'deployed entry, SDK bundled': { entry: deployed, sdkBundled: true, sourceMaps: stack.sourceMaps },
    'deployed entry, SDK external': { entry: deployed, sdkBundled: false, sourceMaps: stack.sourceMaps },
    [`deployed entry, source maps ${stack.sourceMaps ? 'off' : 'on'}`]: {
      entry: deployed,
      sdkBundled: stack.sdkBundled,
      sourceMaps: !stack.sourceMaps,
    },
    'deployed entry, 1000 brands': { entry: deployed, ...stack, brands: 1000 },
    // Tracing off, without the Tracer's code in the bundle: what carrying it (imported only when on) costs.
    'deployed entry, Tracer not bundled': { entry: deployed, ...stack, external: ['@aws-lambda-powertools/tracer'] },
    // As in a stage with X-Ray on: the Tracer is imported at init and the first decision's JWKS and DynamoDB
    // calls are subsegments of the invocation's facade segment (sent by UDP to a daemon address nothing reads).
    'deployed entry, tracing on': {
      entry: deployed,
      ...stack,
      env: {
        POWERTOOLS_TRACE_ENABLED: 'true',
        POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
        LAMBDA_TASK_ROOT: OUT,
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
        AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
      },
    },
    'honest baseline': { entry: 'bench/entries/honest-baseline.ts', ...stack },
    'honest baseline, node:http JWKS': {
      entry: 'bench/entries/honest-baseline.ts',
      ...stack,
      env: { BENCH_JWKS_TRANSPORT: 'node-http' },
    },
    [`honest baseline, SDK ${stack.sdkBundled ? 'external' : 'bundled'}`]: {
      entry: 'bench/entries/honest-baseline.ts',
      sdkBundled: !stack.sdkBundled,
      sourceMaps: stack.sourceMaps,
    },
    authorizer: { entry: 'bench/entries/authorizer.ts', ...stack },
    'authorizer (no zod)': { entry: 'bench/entries/authorizer-core.ts', ...stack },
    'aws-jwt-verify handler': { entry: 'bench/entries/aws-jwt-verify.ts', ...stack },
    'empty handler': { entry: 'bench/entries/empty.ts', ...stack },
  };
  // Quick runs keep the rows the targets need (and today's keys); the SDK, source-map and no-zod comparisons
  // are full-run rows.
  if (QUICK) {
    for (const name of Object.keys(specs)) {
      const stackRow = name === (stack.sdkBundled ? 'deployed entry, SDK bundled' : 'deployed entry, SDK external');
      if (!stackRow && /SDK external|SDK bundled|source maps|no zod|honest baseline, SDK/.test(name))
        delete specs[name];
    }
  }
  // BENCH_COLD_ROWS=<regex> keeps only the matching rows (focused A/B runs with BENCH_ONLY=cold).
  const only = process.env.BENCH_COLD_ROWS ? new RegExp(process.env.BENCH_COLD_ROWS) : undefined;
  for (const name of Object.keys(specs)) if (only && !only.test(name)) delete specs[name];
  const names = Object.keys(specs);
  const bundles = new Map<string, { file: string; bytes: number }>();
  for (const [i, name] of names.entries()) bundles.set(name, await bundle(`cold-${i}`, specs[name] as BundleSpec));
  const child = `
    const t0 = performance.now();
    const m = await import(process.argv[1]);
    const t1 = performance.now();
    const r = await m.handler(JSON.parse(process.argv[2]), { awsRequestId: 'cold', functionName: 'bench' });
    const t2 = performance.now();
    if (!r || r.policyDocument.Statement[0].Effect !== 'Allow') throw new Error('no Allow');
    process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1 }));`;
  const { spawn } = await import('node:child_process');
  // Children run asynchronously so the loopback JWKS server and dynalite in this process keep answering.
  const runOnce = (file: string, spec: ColdSpec) =>
    new Promise<{ importMs: number; firstMs: number; processMs: number }>((resolve, reject) => {
      const started = performance.now();
      const t = spec.brands === 1000 ? tables1k : tables;
      const profile = process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(OUT, 'prof')}`] : [];
      const p = spawn(process.execPath, [...profile, '--input-type=module', '-e', child, file, JSON.stringify(event)], {
        env: {
          ...process.env,
          NODE_OPTIONS: spec.sourceMaps ? '--enable-source-maps' : '',
          BENCH_CONFIG_URL: `${base}/brands`,
          BENCH_BRAND_ID: brand.brandId,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_REGION: 'eu-west-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          BRANDS_TABLE: t.brands,
          LINKS_TABLE: t.links,
          REVOCATIONS_TABLE: t.revocations,
          // loadSettings defaults nothing: every variable the stack sets.
          // local: the bench's JWKS is plain http on loopback, which only the local stage may fetch.
          STAGE: 'local',
          LOG_LEVEL: 'SILENT',
          SSM_PREFIX: '/ciam-gateway/bench',
          CONFIG_CACHE_TTL_SECONDS: '60',
          CONFIG_STALE_IF_ERROR_SECONDS: '900',
          REVOCATION_CACHE_TTL_SECONDS: '5',
          AUTHORIZER_CACHE_TTL_SECONDS: '300',
          CORS_ALLOWED_ORIGINS: '',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          ...spec.env,
        },
      });
      let out = '';
      let err = '';
      p.stdout.on('data', (d) => {
        out += d;
      });
      p.stderr.on('data', (d) => {
        err += d;
      });
      p.on('close', (code) => {
        if (code !== 0) return reject(new Error(`cold run failed: ${err}`));
        const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
        if (!line) return reject(new Error(`cold run printed no result: ${out.slice(0, 500)}`));
        resolve({ ...JSON.parse(line.slice('BENCH_RESULT '.length)), processMs: performance.now() - started });
      });
    });
  const samples = new Map(names.map((n) => [n, [] as { importMs: number; firstMs: number; processMs: number }[]]));
  for (let i = 0; i < COLD_RUNS + 1; i++) {
    // Rotate the order every round so load drift on the shared machine hits every row alike.
    const order = names.map((_, j) => names[(i + j) % names.length] as string);
    for (const name of order) {
      const s = await runOnce((bundles.get(name) as { file: string }).file, specs[name] as BundleSpec);
      if (i > 0) samples.get(name)?.push(s); // the first round warms the OS file cache
    }
  }
  const results: Record<string, ColdRow> = {};
  for (const name of names) {
    const list = samples.get(name) ?? [];
    const spec = specs[name] as ColdSpec;
    results[name] = {
      bytes: (bundles.get(name) as { bytes: number }).bytes,
      importMs: round2(median(list.map((s) => s.importMs))),
      firstDecisionMs: round2(median(list.map((s) => s.firstMs))),
      totalMs: round2(median(list.map((s) => s.importMs + s.firstMs))),
      processMs: round2(median(list.map((s) => s.processMs))),
      sdkBundled: spec.sdkBundled,
      sourceMaps: spec.sourceMaps,
      brands: spec.brands ?? 1,
      roundTotalsMs: list.map((s) => round2(s.importMs + s.firstMs)),
    };
  }
  server.close();
  await dynamo.close();
  return { rows: results, stack };
}

async function main() {
  const started = performance.now();
  console.log(
    `ciam-gateway bench (${QUICK ? 'quick' : 'full'}; node ${process.version}; ${ROUNDS}x${PER_ROUND} distinct tokens per contender)`,
  );
  if (process.env.BENCH_ONLY === 'warm') {
    // The warm distinct-token race only (quick iteration on the hot path); writes no bench-results.json.
    for (const alg of ['RS256', 'ES256'] as const) {
      const result = await warm(alg);
      table(`warm, distinct ${alg} ID tokens`, result.stats, result.ratios);
    }
    return;
  }
  if (process.env.BENCH_ONLY === 'repeated') {
    // The repeated-token path only (the verified-token cache's peek and the cached decision).
    const rep = await repeated();
    table('repeated token (same token again)', rep.rows, rep.ratios, 'ratio to Map.get');
    return;
  }
  if (process.env.BENCH_ONLY === 'cold') {
    // Cold rows only (e.g. with BENCH_CPU_PROF=1 to profile them); writes no bench-results.json.
    for (const [name, r] of Object.entries((await cold()).rows)) console.log(`  ${name.padEnd(32)} ${r.totalMs} ms`);
    return;
  }
  const warmResults: Record<string, RaceResult> = {};
  for (const alg of ['RS256', 'ES256'] as const) {
    const result = await warm(alg);
    warmResults[alg] = result;
    table(`warm, distinct ${alg} ID tokens (ratio = median per-round time / floor time)`, result.stats, result.ratios);
  }
  const rep = await repeated();
  table('repeated token (same token again)', rep.rows, rep.ratios, 'ratio to Map.get');
  const scaleResult = await scale();
  table('verify cost vs brands and keys (ES256, distinct tokens)', scaleResult.rows, scaleResult.ratios);
  const phase = (name: string) =>
    console.log(`  [${name} done at ${((performance.now() - started) / 1000).toFixed(1)} s]`);
  phase('warm, repeated, scale');
  const coldResult = await cold();
  const coldRows = coldResult.rows;
  console.log(
    `\ncold start in a fresh node process (median; import + first decision incl. brand read + JWKS fetch from loopback; stack bundling: SDK ${coldResult.stack.sdkBundled ? 'bundled' : 'external'}, source maps ${coldResult.stack.sourceMaps ? 'on' : 'off'})`,
  );
  for (const [name, r] of Object.entries(coldRows)) {
    console.log(
      `  ${name.padEnd(32)} bundle ${String(r.bytes).padStart(8)} B   import ${r.importMs} ms   first decision ${r.firstDecisionMs} ms   total ${r.totalMs} ms   process ${r.processMs} ms`,
    );
  }
  phase('cold');
  const stackResults = await stackBench(QUICK);
  phase('local stack');
  console.log('\npost-auth session link through the local stack (POST /v1/auth/session, sequential)');
  for (const [name, r] of Object.entries(stackResults.session)) {
    console.log(
      `  ${name.padEnd(14)} runs ${r.runs}   p50 ${r.p50Ms} ms   mean ${r.meanMs} ms   Capillary calls/link ${r.capillaryCallsPerLink}   statuses ${JSON.stringify(r.statusCodes)}`,
    );
    console.log(
      `  ${''.padEnd(14)} with ${r.latencyMs} ms on every Capillary call: runs ${r.latencyRuns}   p50 ${r.latencyP50Ms} ms (${r.latencyP50RatioToLatency}x the latency)   sequential round trips ${r.sequentialRoundTrips} (max ${r.maxSequentialRoundTrips})   calls/link ${r.latencyCapillaryCallsPerLink}   statuses ${JSON.stringify(r.latencyStatusCodes)}`,
    );
  }
  console.log(
    `\nmember API through the local stack with ${stackResults.session.newUser.latencyMs} ms on every Capillary call (sequential requests)`,
  );
  for (const [name, r] of Object.entries(stackResults.memberApi)) {
    console.log(
      `  ${name.padEnd(14)} runs ${r.runs}   p50 ${r.p50Ms} ms (${r.p50RatioToLatency}x the latency)   sequential round trips ${r.sequentialRoundTrips} (max ${r.maxSequentialRoundTrips})   Capillary calls ${r.capillaryCallsPerRequest}   link reads ${r.linkReadsPerRequest}   DynamoDB calls ${r.dynamoCallsPerRequest}   statuses ${JSON.stringify(r.statusCodes)}`,
    );
  }
  console.log(
    '\nwarm handler overhead per function (median; invocation time minus time inside SDK send() and fetch())',
  );
  for (const [name, r] of Object.entries(stackResults.functions)) {
    console.log(
      `  ${name.padEnd(20)} invocations ${String(r.invocations).padStart(3)}   handler ${r.handlerMs} ms   peers ${r.peerMs} ms   overhead ${r.warmOverheadMs} ms   statuses ${JSON.stringify(r.statusCodes)}`,
    );
  }
  console.log(
    `\nload on the local stack (autocannon, ${stackResults.load.connections} connections, ${stackResults.load.durationSeconds} s each, loopback)`,
  );
  for (const [name, r] of Object.entries(stackResults.load.rows)) {
    console.log(
      `  ${name.padEnd(32)} ${String(r.requestsPerSec).padStart(7)} req/s   p50 ${r.p50Ms} ms   p99 ${r.p99Ms} ms   statuses ${JSON.stringify(r.statusCodes)}`,
    );
  }
  const ratio = (alg: Alg, name: string) => (warmResults[alg] as RaceResult).ratios[name] as number;
  const warmJson = Object.fromEntries(
    (['RS256', 'ES256'] as const).map((alg) => {
      const rows = (warmResults[alg] as RaceResult).stats;
      return [
        alg,
        {
          ratioToFloor: ratio(alg, 'gateway verify'),
          p50RatioToFloor: round2((rows['gateway verify'] as Stats).p50Us / (rows.floor as Stats).p50Us),
          opsPerSec: (rows['gateway verify'] as Stats).opsPerSec,
          p50Us: (rows['gateway verify'] as Stats).p50Us,
          p99Us: (rows['gateway verify'] as Stats).p99Us,
          floorOpsPerSec: (rows.floor as Stats).opsPerSec,
          decisionRatioToFloor: ratio(alg, 'gateway decision'),
          awsJwtVerifyRatioToFloor: ratio(alg, 'aws-jwt-verify'),
          joseRatioToFloor: ratio(alg, 'jose'),
          contenders: rows,
        },
      ];
    }),
  );
  const stackMode = coldResult.stack.sdkBundled ? 'deployed entry, SDK bundled' : 'deployed entry, SDK external';
  const deployed = coldRows[stackMode];
  const deployedExternal = coldRows['deployed entry, SDK external'];
  const deployedSdk = coldRows['deployed entry, SDK bundled'];
  const deployed1k = coldRows['deployed entry, 1000 brands'];
  const honest = coldRows['honest baseline'];
  const honestOther = Object.entries(coldRows).find(([name]) => name.startsWith('honest baseline, SDK'))?.[1];
  const honestNodeHttp = coldRows['honest baseline, node:http JWKS'];
  const mapsOther = Object.entries(coldRows).find(([name]) => name.startsWith('deployed entry, source maps'))?.[1];
  const auth = coldRows.authorizer;
  const core = coldRows['authorizer (no zod)'];
  const base = coldRows['aws-jwt-verify handler'];
  const empty = coldRows['empty handler'];
  // Median over rounds of the ratio within each round (rows of a round ran back to back, in rotated order), the
  // warm races' method: load drift between rounds cancels out of each ratio.
  const ratioOf = (a?: ColdRow, b?: ColdRow) =>
    a && b ? round2(median(a.roundTotalsMs.map((t, i) => t / (b.roundTotalsMs[i] ?? t)))) : undefined;
  const results = {
    generatedAt: new Date().toISOString(),
    quick: QUICK,
    node: process.version,
    warm: warmJson,
    repeated: {
      ratioToMapLookup: rep.ratios.peek,
      clockReadRatioToMapLookup: rep.ratios['mapLookup + Date.now'],
      opsPerSec: rep.rows.peek?.opsPerSec,
      mapLookupOpsPerSec: rep.rows.mapLookup?.opsPerSec,
      verifyCachedOpsPerSec: rep.rows['verifier.verify (cached)']?.opsPerSec,
      decisionCachedOpsPerSec: rep.rows['decision (cached token)']?.opsPerSec,
      contenders: rep.rows,
    },
    scale: { rows: scaleResult.rows, ratioToFloor: scaleResult.ratios },
    cold: {
      /** How the stack bundles the functions (read from infra/constructs/gateway-function.ts). */
      stackBundling: coldResult.stack,
      /** The deployed entry as the stack bundles it, 1 brand in the table. */
      deployedMs: deployed?.totalMs,
      honestBaselineMs: honest?.totalMs,
      deployedRatioToHonestBaseline: ratioOf(deployed, honest),
      /** The same baseline fetching its JWKS with node:http, as the deployed entry does (not a target). */
      honestBaselineNodeHttpMs: honestNodeHttp?.totalMs,
      deployedRatioToHonestBaselineNodeHttp: ratioOf(deployed, honestNodeHttp),
      deployedMsByBrandCount: { '1': deployed?.totalMs, '1000': deployed1k?.totalMs },
      deployed1000To1BrandRatio: ratioOf(deployed1k, deployed),
      deployedRatioToAwsJwtVerify: ratioOf(deployed, base),
      deployedRatioToEmpty: ratioOf(deployed, empty),
      honestBaselineOtherSdkModeMs: honestOther?.totalMs,
      deployedOtherSourceMapModeMs: mapsOther?.totalMs,
      deployedEntryMs: deployedExternal?.totalMs,
      deployedRatioToBaseline: ratioOf(deployedExternal, base),
      deployedBundleBytesSdkExternal: deployedExternal?.bytes,
      deployedSdkBundledMs: deployedSdk?.totalMs,
      deployedSdkBundledRatioToBaseline: ratioOf(deployedSdk, base),
      deployedBundleBytesSdkBundled: deployedSdk?.bytes,
      authorizerMs: auth?.totalMs,
      baselineMs: base?.totalMs,
      emptyMs: empty?.totalMs,
      ratioToBaseline: ratioOf(auth, base),
      bundleBytes: auth?.bytes,
      authorizerNoZodMs: core?.totalMs,
      noZodRatioToBaseline: ratioOf(core, base),
      noZodBundleBytes: core?.bytes,
      baselineBundleBytes: base?.bytes,
      details: coldRows,
    },
    functions: stackResults.functions,
    session: stackResults.session,
    memberApi: stackResults.memberApi,
    load: stackResults.load,
  };
  const file = join(ROOT, 'bench-results.json');
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  for (const line of summaryLines(results)) console.log(line);
  console.log(`wrote bench-results.json in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

await main();
