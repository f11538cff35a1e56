// A local API Gateway (REST API) emulator: serves exactly the routes of shared/routes.ts and reproduces
// what the deployed gateway does around the Lambda functions: REST proxy integration events, the REQUEST
// authorizer with its identity source, policy evaluation and result cache, the JSON gateway responses the
// CDK stack configures, and 502 for malformed integration results. Loopback only; never deploy it.
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../shared/auth/authorize-request.js';
import { firstHeader, singleHeader } from '../shared/http/headers.js';
import type { FunctionName, RouteDefinition } from '../shared/routes.js';

/** A Lambda proxy-integration handler as the functions export it. */
export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;
/** A REQUEST authorizer handler as functions/authorizer exports it. */
export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEvent, context: Context) => Promise<unknown>;

export interface ApiGatewayEmulatorOptions {
  routes: readonly RouteDefinition[];
  /** Returns the handler of a function (called once per function, on its first request). */
  loadHandler: (name: FunctionName) => Promise<ProxyHandler>;
  /** Returns the REQUEST authorizer handler (called once, on the first authorized request). */
  loadAuthorizer: () => Promise<AuthorizerHandler>;
  /** The `x-admin-key` that stands in for SigV4 on `iam` routes. */
  adminKey: string;
  /** API Gateway's authorizer result TTL (AUTHORIZER_CACHE_TTL_SECONDS); 0 disables the cache. */
  authorizerCacheTtlSeconds: number;
  port?: number;
  /** Loopback only; defaults to 127.0.0.1. */
  host?: string;
  stage?: string;
  /** Request body cap (API Gateway's is 10 MB). */
  maxBodyBytes?: number;
  /** Integration timeout (API Gateway's REST default is 29 s). */
  integrationTimeoutMs?: number;
  /** Epoch milliseconds, for the authorizer cache. */
  now?: () => number;
  /** Folder served at `/` (index.html) and for static assets, when it exists. */
  staticDir?: string;
  /** File served as `GET /openapi.json`, when it exists. */
  openApiFile?: string;
  /** Extra JSON documents served on GET (e.g. `/playground-config.json`). */
  documents?: Record<string, () => unknown>;
  /** Told about every handler or authorizer failure (the emulator never crashes on one). */
  onError?: (where: string, error: unknown) => void;
  /**
   * Browser origins allowed by CORS (CORS_ALLOWED_ORIGINS): preflights are answered as the deployed API's
   * OPTIONS methods do, and the emulator's own answers (401, 403, 503, ...) carry CORS headers like its
   * gateway responses. Lambda answers carry the headers the handlers add themselves.
   */
  corsAllowedOrigins?: readonly string[];
}

/** Request headers a preflight may ask for; the same list as infra/constructs/gateway-api.ts (a test pins them). */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Brand-Id', 'X-Request-Id'];
/** CDK's Cors.ALL_METHODS, which the deployed preflight answers with. */
const CORS_ALLOWED_METHODS = 'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD';

export interface EmulatorCounters {
  /** Calls of the authorizer handler (cache misses). */
  authorizerInvocations: number;
  /** Authorized requests answered from the authorizer cache. */
  authorizerCacheHits: number;
  /** Calls of each function handler. */
  integrationInvocations: Partial<Record<FunctionName, number>>;
}

export interface ApiGatewayEmulator {
  url: string;
  port: number;
  counters: EmulatorCounters;
  /** Drops every cached authorizer result (API Gateway's "flush authorizer cache"). */
  flushAuthorizerCache(): void;
  close(): Promise<void>;
}

type Context_ = Record<string, string | number | boolean>;

interface Statement {
  effect: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
}

interface AuthorizerResult {
  principalId: string;
  statements: Statement[];
  context: Context_;
}

interface GatewayAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const TEXT_TYPES = /^(text\/|application\/(json|[\w.+-]+\+json|x-www-form-urlencoded|xml|[\w.+-]+\+xml|javascript))/i;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};
const MAX_CACHE_ENTRIES = 10_000;

class BodyTooLarge extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLarge';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A gateway response: the JSON error body the CDK stack's gateway responses produce. */
function gatewayError(status: number, code: string, message: string, requestId: string): GatewayAnswer {
  return {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-amzn-errortype': code,
    },
    body: Buffer.from(JSON.stringify({ error: { code, message, requestId } })),
  };
}

/** Compiles a route path with `{param}` segments into a matcher returning the decoded parameters. */
function compileRoute(path: string): (requestPath: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${pattern}/?$`);
  return (requestPath) => {
    const match = regex.exec(requestPath);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      const raw = match[index + 1] ?? '';
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw;
      }
    });
    return params;
  };
}

/** IAM-style wildcard match (`*` any run of characters, `?` one character), as policy evaluation does. */
function wildcardMatch(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
      .join('')}$`,
  );
  return regex.test(value);
}

function stringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value;
  return undefined;
}

/** Parses an authorizer result the way API Gateway accepts it; undefined when it is malformed (-> 500). */
export function parseAuthorizerResult(raw: unknown): AuthorizerResult | undefined {
  if (!isRecord(raw) || typeof raw.principalId !== 'string' || !isRecord(raw.policyDocument)) return undefined;
  const rawStatements = raw.policyDocument.Statement;
  const list = Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  const statements: Statement[] = [];
  for (const item of list) {
    if (!isRecord(item)) return undefined;
    const effect = item.Effect;
    const actions = stringList(item.Action);
    const resources = stringList(item.Resource);
    if ((effect !== 'Allow' && effect !== 'Deny') || !actions || !resources) return undefined;
    statements.push({ effect, actions, resources });
  }
  if (statements.length === 0) return undefined;
  const context: Context_ = {};
  if (raw.context !== undefined && raw.context !== null) {
    if (!isRecord(raw.context)) return undefined;
    for (const [key, value] of Object.entries(raw.context)) {
      // API Gateway allows only string, number and boolean context values.
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      context[key] = value;
    }
  }
  return { principalId: raw.principalId, statements, context };
}

/** Evaluates the policy for one method ARN: an explicit Deny wins, then an Allow, else an implicit deny. */
export function policyAllows(statements: readonly Statement[], methodArn: string): boolean {
  const applies = (statement: Statement) =>
    statement.actions.some((action) => wildcardMatch(action, 'execute-api:Invoke')) &&
    statement.resources.some((resource) => wildcardMatch(resource, methodArn));
  if (statements.some((statement) => statement.effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.effect === 'Allow' && applies(statement));
}

function collectHeaders(req: IncomingMessage): {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
} {
  // API Gateway keeps the header names as the client sent them; rawHeaders preserves that case.
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i] ?? '';
    const value = req.rawHeaders[i + 1] ?? '';
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  return { headers, multiValueHeaders };
}

function collectQuery(url: URL): {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
} {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    const values = multi[key] ?? [];
    values.push(value);
    multi[key] = values;
  }
  const empty = Object.keys(single).length === 0;
  return {
    queryStringParameters: empty ? null : single,
    multiValueQueryStringParameters: empty ? null : multi,
  };
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Encodes a request body as API Gateway does: text as UTF-8, anything else base64 (isBase64Encoded). */
function encodeBody(body: Buffer, contentType: string | undefined): { body: string | null; isBase64Encoded: boolean } {
  if (body.length === 0) return { body: null, isBase64Encoded: false };
  const text = contentType === undefined || TEXT_TYPES.test(contentType);
  if (text) {
    const decoded = body.toString('utf8');
    if (Buffer.from(decoded, 'utf8').equals(body)) return { body: decoded, isBase64Encoded: false };
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

function lambdaContext(functionName: string, requestId: string, timeoutMs: number): Context {
  const started = Date.now();
  const fail = () => {
    throw new Error('callback-style Lambda APIs are not supported locally');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Parses a proxy integration result; undefined when API Gateway would call it malformed (-> 502). */
function toAnswer(result: unknown): GatewayAnswer | undefined {
  if (!isRecord(result)) return undefined;
  const status = result.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = {};
  if (result.headers !== undefined && result.headers !== null) {
    if (!isRecord(result.headers)) return undefined;
    for (const [name, value] of Object.entries(result.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      headers[name.toLowerCase()] = String(value);
    }
  }
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (!Array.isArray(values)) return undefined;
      headers[name.toLowerCase()] = values.map(String);
    }
  }
  const body = result.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const base64 = result.isBase64Encoded;
  if (base64 !== undefined && typeof base64 !== 'boolean') return undefined;
  const text = body ?? '';
  return { status, headers, body: base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
const TIMED_OUT = Symbol('timed out');

interface CompiledRoute {
  route: RouteDefinition;
  match: (path: string) => Record<string, string> | undefined;
}

/** Starts the emulator on loopback. */
export async function startApiGatewayEmulator(options: ApiGatewayEmulatorOptions): Promise<ApiGatewayEmulator> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const now = options.now ?? Date.now;
  const ttlMs = options.authorizerCacheTtlSeconds * 1000;
  const onError = options.onError ?? (() => undefined);
  const compiled: CompiledRoute[] = options.routes.map((route) => ({ route, match: compileRoute(route.path) }));
  const corsOrigins = new Set(options.corsAllowedOrigins ?? []);

  /** The deployed OPTIONS method of a resource: 204 with CORS for a configured origin, 403 otherwise. */
  function preflight(req: IncomingMessage, requestId: string): GatewayAnswer {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !corsOrigins.has(origin)) {
      return gatewayError(403, 'FORBIDDEN', 'CORS preflight from an origin that is not allowed', requestId);
    }
    return {
      status: 204,
      headers: {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': CORS_ALLOWED_METHODS,
        'access-control-allow-headers': CORS_ALLOWED_HEADERS.join(','),
        'access-control-max-age': '3600',
        vary: 'Origin',
      },
      body: Buffer.alloc(0),
    };
  }
  const counters: EmulatorCounters = { authorizerInvocations: 0, authorizerCacheHits: 0, integrationInvocations: {} };
  const cache = new Map<string, { result: AuthorizerResult; expiresAt: number }>();
  const handlers = new Map<FunctionName, Promise<ProxyHandler>>();
  let authorizer: Promise<AuthorizerHandler> | undefined;

  const handlerFor = (name: FunctionName): Promise<ProxyHandler> => {
    let loaded = handlers.get(name);
    if (!loaded) {
      loaded = options.loadHandler(name);
      // A failed load is retried on the next request rather than cached forever.
      loaded.catch(() => handlers.delete(name));
      handlers.set(name, loaded);
    }
    return loaded;
  };

  async function authorize(
    event: APIGatewayRequestAuthorizerEvent,
    identity: string,
    requestId: string,
  ): Promise<{ result: AuthorizerResult; cache: 'hit' | 'miss' } | GatewayAnswer> {
    const cached = ttlMs > 0 ? cache.get(identity) : undefined;
    if (cached && cached.expiresAt > now()) {
      counters.authorizerCacheHits++;
      return { result: cached.result, cache: 'hit' };
    }
    if (cached) cache.delete(identity);
    counters.authorizerInvocations++;
    let raw: unknown;
    try {
      authorizer ??= options.loadAuthorizer();
      const handler = await authorizer;
      const outcome = await withTimeout(handler(event, lambdaContext('authorizer', requestId, timeoutMs)), timeoutMs);
      if (outcome === TIMED_OUT) throw new Error('authorizer timed out');
      raw = outcome;
    } catch (error) {
      // Exactly `Unauthorized` is the 401 path; any other failure is AUTHORIZER_FAILURE, which the stack
      // answers 503 AUTHORIZER_UNAVAILABLE with Retry-After (never cached: the next call asks again).
      if (error instanceof Error && error.message === 'Unauthorized') {
        return gatewayError(401, 'UNAUTHORIZED', 'Unauthorized', requestId);
      }
      onError('authorizer', error);
      const unavailable = gatewayError(
        503,
        'AUTHORIZER_UNAVAILABLE',
        'The authorizer could not decide; retry shortly',
        requestId,
      );
      unavailable.headers['retry-after'] = String(AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS);
      return unavailable;
    }
    const result = parseAuthorizerResult(raw);
    if (!result) {
      onError('authorizer', new Error('malformed authorizer result'));
      return gatewayError(500, 'INTERNAL_ERROR', 'Internal error', requestId);
    }
    if (ttlMs > 0) {
      if (cache.size >= MAX_CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '');
      cache.set(identity, { result, expiresAt: now() + ttlMs });
    }
    return { result, cache: 'miss' };
  }

  async function serveStatic(method: string, path: string, requestId: string): Promise<GatewayAnswer | undefined> {
    if (method !== 'GET' && method !== 'HEAD') return undefined;
    const document = options.documents?.[path];
    if (document) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        body: Buffer.from(JSON.stringify(document())),
      };
    }
    let file: string | undefined;
    if (path === '/openapi.json') {
      file = options.openApiFile;
      if (!file) return gatewayError(404, 'ROUTE_NOT_FOUND', 'openapi/openapi.json is not available', requestId);
    } else if (options.staticDir) {
      const root = normalize(options.staticDir);
      let decoded: string;
      try {
        decoded = decodeURIComponent(path === '/' ? '/index.html' : path);
      } catch {
        return undefined;
      }
      const candidate = normalize(join(root, decoded));
      if (!candidate.startsWith(root + sep)) return undefined;
      file = candidate;
    }
    if (!file) return undefined;
    try {
      if (!(await stat(file)).isFile()) return undefined;
      const body = await readFile(file);
      return {
        status: 200,
        headers: {
          'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
          'x-content-type-options': 'nosniff',
        },
        body,
      };
    } catch {
      return path === '/openapi.json' || path === '/'
        ? gatewayError(404, 'ROUTE_NOT_FOUND', `${path} is not available (not built)`, requestId)
        : undefined;
    }
  }

  async function handle(req: IncomingMessage, url: URL): Promise<GatewayAnswer> {
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const candidates = compiled
      .map((entry) => ({ entry, params: entry.match(path) }))
      .filter((c) => c.params !== undefined);
    // HEAD is answered like GET, headers only (the body is dropped when the answer is written).
    const routeMethod = method === 'HEAD' ? 'GET' : method;
    const hit = candidates.find((c) => c.entry.route.method === routeMethod);
    if (!hit && method === 'OPTIONS' && candidates.length > 0) return preflight(req, requestId);
    if (!hit) {
      const fallback = await serveStatic(method, path, requestId);
      if (fallback) return fallback;
      // AWS answers both cases 403 "Missing Authentication Token"; locally the cause is spelled out.
      if (candidates.length > 0) {
        const answer = gatewayError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, requestId);
        const allowed = new Set<string>(candidates.map((c) => c.entry.route.method));
        const allow: string[] = [...allowed];
        if (allowed.has('GET')) allow.push('HEAD');
        answer.headers.allow = allow.join(', ');
        return answer;
      }
      return gatewayError(
        404,
        'ROUTE_NOT_FOUND',
        `No route ${method} ${path} (Missing Authentication Token)`,
        requestId,
      );
    }
    const { route } = hit.entry;
    const pathParameters = hit.params ?? {};

    let raw: Buffer;
    try {
      raw = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLarge) {
        return gatewayError(
          413,
          'BODY_TOO_LARGE',
          `Request body exceeds ${maxBody} bytes (API Gateway: 10 MB)`,
          requestId,
        );
      }
      throw error;
    }
    const { headers, multiValueHeaders } = collectHeaders(req);
    const query = collectQuery(url);
    const sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
    const methodArn = `arn:aws:execute-api:local:000000000000:local/${stage}/${routeMethod}${path}`;
    const debugHeaders: Record<string, string> = {};
    let authorizerContext: Record<string, string | number | boolean> | undefined;

    if (route.auth === 'iam') {
      const given = singleHeader({ headers, multiValueHeaders }, 'x-admin-key');
      if (given !== options.adminKey) {
        return gatewayError(403, 'FORBIDDEN', 'Missing or wrong x-admin-key (IAM stands in locally)', requestId);
      }
    } else if (route.auth === 'ciam') {
      const identity = firstHeader({ headers, multiValueHeaders }, 'authorization');
      if (identity === undefined || identity === '') {
        return gatewayError(401, 'UNAUTHORIZED', 'Unauthorized', requestId);
      }
      const event: APIGatewayRequestAuthorizerEvent = {
        type: 'REQUEST',
        methodArn,
        resource: route.path,
        path,
        httpMethod: method,
        headers,
        multiValueHeaders,
        pathParameters,
        ...query,
        stageVariables: null,
        requestContext: requestContext(route, method, path, stage, requestId, sourceIp, headers),
      } as APIGatewayRequestAuthorizerEvent;
      const decided = await authorize(event, identity, requestId);
      if ('status' in decided) return decided;
      debugHeaders['x-local-authorizer-cache'] = decided.cache;
      debugHeaders['x-local-authorizer-context'] = JSON.stringify({
        principalId: decided.result.principalId,
        ...decided.result.context,
      });
      if (!policyAllows(decided.result.statements, methodArn)) {
        const denied = gatewayError(403, 'FORBIDDEN', 'User is not authorized to access this resource', requestId);
        Object.assign(denied.headers, debugHeaders);
        return denied;
      }
      // REST APIs hand the context to the integration with string values.
      authorizerContext = { principalId: decided.result.principalId };
      for (const [key, value] of Object.entries(decided.result.context)) authorizerContext[key] = String(value);
    }

    const event: APIGatewayProxyEvent = {
      resource: route.path,
      path,
      httpMethod: routeMethod,
      headers,
      multiValueHeaders,
      ...query,
      pathParameters: Object.keys(pathParameters).length ? pathParameters : null,
      stageVariables: null,
      ...encodeBody(raw, firstHeader({ headers, multiValueHeaders }, 'content-type')),
      requestContext: {
        ...requestContext(route, method, path, stage, requestId, sourceIp, headers),
        ...(authorizerContext ? { authorizer: { ...authorizerContext, integrationLatency: 0 } } : {}),
      },
    } as APIGatewayProxyEvent;

    counters.integrationInvocations[route.functionName] =
      (counters.integrationInvocations[route.functionName] ?? 0) + 1;
    let answer: GatewayAnswer | undefined;
    try {
      const handler = await handlerFor(route.functionName);
      const outcome = await withTimeout(
        handler(event, lambdaContext(route.functionName, randomUUID(), timeoutMs)),
        timeoutMs,
      );
      if (outcome === TIMED_OUT) return gatewayError(504, 'INTERNAL_ERROR', 'Endpoint request timed out', requestId);
      answer = toAnswer(outcome);
      if (!answer) onError(route.functionName, new Error('malformed Lambda proxy response'));
    } catch (error) {
      onError(route.functionName, error);
    }
    const final = answer ?? gatewayError(502, 'INTERNAL_ERROR', 'Internal server error', requestId);
    final.headers['x-amzn-requestid'] = requestId;
    Object.assign(final.headers, debugHeaders);
    return final;
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://local');
    } catch {
      url = new URL('http://local/');
    }
    handle(req, url)
      .catch((error: unknown) => {
        onError('gateway', error);
        return gatewayError(500, 'INTERNAL_ERROR', 'Internal error', randomUUID());
      })
      .then((answer) => {
        if (res.headersSent) return;
        const origin = req.headers.origin;
        // The emulator's own answers (gatewayError: x-amzn-errortype) stand for the deployed gateway
        // responses, which carry CORS for a configured origin; Lambda answers carry what the handler added.
        const gatewayAnswer = answer.headers['x-amzn-errortype'] !== undefined;
        if (gatewayAnswer && typeof origin === 'string' && corsOrigins.has(origin)) {
          answer.headers['access-control-allow-origin'] ??= origin;
          answer.headers['access-control-expose-headers'] ??= 'retry-after';
          answer.headers.vary ??= 'Origin';
        }
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
      });
  });
  // Requests Node's parser refuses (headers over its 16 KB limit, malformed) get the JSON error body too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const answer = tooLarge
      ? gatewayError(431, 'HEADERS_TOO_LARGE', 'Request headers exceed 16 KB', randomUUID())
      : gatewayError(400, 'BAD_REQUEST', 'Malformed HTTP request', randomUUID());
    const head = Object.entries({
      ...answer.headers,
      'content-length': String(answer.body.length),
      connection: 'close',
    })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n');
    socket.end(
      `HTTP/1.1 ${answer.status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n${head}\r\n\r\n${answer.body.toString('utf8')}`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    counters,
    flushAuthorizerCache: () => cache.clear(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** API Gateway's `requestTime` format (CLF): `09/Apr/2015:12:34:56 +0000`. */
function clfTime(time: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(time.getUTCDate())}/${MONTHS[time.getUTCMonth()]}/${time.getUTCFullYear()}:${pad(time.getUTCHours())}:${pad(time.getUTCMinutes())}:${pad(time.getUTCSeconds())} +0000`;
}

function requestContext(
  route: RouteDefinition,
  method: string,
  path: string,
  stage: string,
  requestId: string,
  sourceIp: string,
  headers: Record<string, string>,
): APIGatewayProxyEvent['requestContext'] {
  const time = new Date();
  return {
    accountId: '000000000000',
    apiId: 'local',
    protocol: 'HTTP/1.1',
    httpMethod: method,
    path: `/${stage}${path}`,
    stage,
    requestId,
    extendedRequestId: requestId,
    requestTime: clfTime(time),
    requestTimeEpoch: time.getTime(),
    resourceId: route.path,
    resourcePath: route.path,
    domainName: firstHeader({ headers }, 'host') ?? '127.0.0.1',
    domainPrefix: 'local',
    authorizer: undefined,
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp,
      user: null,
      userAgent: firstHeader({ headers }, 'user-agent') ?? null,
      userArn: null,
    },
  };
}
