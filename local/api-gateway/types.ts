// The emulator's public shapes (options, counters, the running emulator) and the answer every piece returns.
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { FunctionName, RouteDefinition } from '../../shared/routes.js';

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
  documents?: Record<string, () => unknown | Promise<unknown>>;
  /** Told about every handler or authorizer failure (the emulator never crashes on one). */
  onError?: (where: string, error: unknown) => void;
  /**
   * Browser origins allowed by CORS (CORS_ALLOWED_ORIGINS): preflights are answered as the deployed API's
   * OPTIONS methods do, and the emulator's own answers (401, 403, 503, ...) carry CORS headers like its
   * gateway responses. Lambda answers carry the headers the handlers add themselves.
   */
  corsAllowedOrigins?: readonly string[];
  /** Told about every API request once answered (not the static files): `npm start` prints one line each. */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** One answered API request, as the local stack's console line shows it. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  /** The token's brand (authorizer context), else the path's or X-Brand-Id's. */
  brandId?: string;
  /** Why it was refused: the authorizer's reason, else the answer's error code. */
  reason?: string;
}

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

/** An HTTP answer as the emulator writes it. */
export interface GatewayAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}
