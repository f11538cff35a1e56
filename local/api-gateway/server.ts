// A local API Gateway (REST API) emulator: serves exactly the routes of shared/routes.ts and reproduces
// what the deployed gateway does around the Lambda functions: REST proxy integration events, the REQUEST
// authorizer with its identity source, policy evaluation and result cache, the JSON gateway responses the
// CDK stack configures, and 502 for malformed integration results. Loopback only; never deploy it.
// This module only composes the stages; each lives in its own module beside it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { firstHeader, singleHeader } from '../../shared/http/headers.js';
import type { FunctionName } from '../../shared/routes.js';
import { AUTHORIZER_REASON_HEADER, allowedReason, authorizerStage } from './authorizer.js';
import { preflight, withGatewayCors } from './cors.js';
import { authorizerEvent, methodArnFor, proxyEvent, type RequestFacts } from './events.js';
import { bodyTooLarge, clientErrorResponse, gatewayError } from './gateway-error.js';
import { lambdaContext, TIMED_OUT, toAnswer, withTimeout } from './lambda.js';
import { adminKeyAllows, policyAllows } from './policy.js';
import { BodyTooLarge, readBody } from '../http/read-body.js';
import { collectHeaders, collectQuery } from './request.js';
import { allowedMethods, routeTable } from './routes.js';
import { serveStatic } from './static-files.js';
import type {
  ApiGatewayEmulator,
  ApiGatewayEmulatorOptions,
  EmulatorCounters,
  GatewayAnswer,
  ProxyHandler,
  RequestLogEntry,
} from './types.js';

/** The request log's line for one answer: the authorizer's refusal reason, else the error code of the body. */
function logEntry(
  method: string,
  path: string,
  answer: GatewayAnswer,
  durationMs: number,
  brandId: string | undefined,
): RequestLogEntry {
  const authorizerReason = answer.headers[AUTHORIZER_REASON_HEADER];
  let reason = typeof authorizerReason === 'string' && authorizerReason !== 'ALLOWED' ? authorizerReason : undefined;
  if (reason === undefined && answer.status >= 400) {
    try {
      const body = JSON.parse(answer.body.toString('utf8')) as { error?: unknown };
      const error = body.error;
      reason =
        typeof error === 'string'
          ? error
          : error !== null && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
            ? (error as { code: string }).code
            : undefined;
    } catch {
      reason = undefined;
    }
  }
  return {
    method,
    path,
    status: answer.status,
    durationMs: Math.round(durationMs),
    ...(brandId ? { brandId } : {}),
    ...(reason ? { reason } : {}),
  };
}

/** Starts the emulator on loopback. */
export async function startApiGatewayEmulator(options: ApiGatewayEmulatorOptions): Promise<ApiGatewayEmulator> {
  const host = options.host ?? '127.0.0.1';
  const stage = options.stage ?? 'local';
  const maxBody = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const timeoutMs = options.integrationTimeoutMs ?? 29_000;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const lookup = routeTable(options.routes);
  const corsOrigins = new Set(options.corsAllowedOrigins ?? []);
  const counters: EmulatorCounters = { authorizerInvocations: 0, authorizerCacheHits: 0, integrationInvocations: {} };
  const authorizer = authorizerStage({
    loadAuthorizer: options.loadAuthorizer,
    ttlMs: options.authorizerCacheTtlSeconds * 1000,
    timeoutMs,
    now,
    counters,
    onError,
  });
  const handlers = new Map<FunctionName, Promise<ProxyHandler>>();

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

  /** What the request log needs beyond the answer: whether it was an API request, and its brand. */
  interface Note {
    api: boolean;
    brandId?: string;
  }

  async function handle(req: IncomingMessage, url: URL, note: Note): Promise<GatewayAnswer> {
    const requestId = randomUUID();
    const method = (req.method ?? 'GET').toUpperCase();
    const path = url.pathname;
    const { hit, candidates, routeMethod } = lookup(method, path);
    if (!hit && method === 'OPTIONS' && candidates.length > 0)
      return preflight(req.headers.origin, corsOrigins, requestId);
    if (!hit) {
      const fallback = await serveStatic(options, method, path, requestId);
      if (fallback) return fallback;
      note.api = true;
      // AWS answers both cases 403 "Missing Authentication Token"; locally the cause is spelled out.
      if (candidates.length > 0) {
        const answer = gatewayError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${path}`, requestId);
        answer.headers.allow = allowedMethods(candidates);
        return answer;
      }
      return gatewayError(
        404,
        'ROUTE_NOT_FOUND',
        `No route ${method} ${path} (Missing Authentication Token)`,
        requestId,
      );
    }
    const { route } = hit;
    note.api = true;
    const brandHeader = singleHeader({ headers: req.headers as Record<string, string> }, 'x-brand-id');
    const namedBrand = hit.params.brandId ?? (typeof brandHeader === 'string' ? brandHeader : undefined);
    if (namedBrand !== undefined) note.brandId = namedBrand;

    let raw: Buffer;
    try {
      raw = await readBody(req, maxBody);
    } catch (error) {
      if (error instanceof BodyTooLarge) return bodyTooLarge(maxBody, requestId);
      throw error;
    }
    const { headers, multiValueHeaders } = collectHeaders(req.rawHeaders);
    const facts: RequestFacts = {
      route,
      method,
      routeMethod,
      path,
      pathParameters: hit.params,
      headers,
      multiValueHeaders,
      query: collectQuery(url),
      stage,
      requestId,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    };
    const debugHeaders: Record<string, string> = {};
    let authorizerContext: Record<string, string | number | boolean> | undefined;

    if (route.auth === 'iam') {
      const given = singleHeader({ headers, multiValueHeaders }, 'x-admin-key');
      if (!adminKeyAllows(given, options.adminKey)) {
        return gatewayError(403, 'FORBIDDEN', 'Missing or wrong x-admin-key (IAM stands in locally)', requestId);
      }
    } else if (route.auth === 'ciam') {
      const identity = firstHeader({ headers, multiValueHeaders }, 'authorization');
      if (identity === undefined || identity === '') {
        const missing = gatewayError(401, 'UNAUTHORIZED', 'Unauthorized', requestId);
        missing.headers[AUTHORIZER_REASON_HEADER] = 'AUTHORIZATION_MISSING';
        return missing;
      }
      const decided = await authorizer.authorize(authorizerEvent(facts), identity, requestId);
      if ('status' in decided) return decided;
      debugHeaders['x-local-authorizer-cache'] = decided.cache;
      if (typeof decided.result.context.brandId === 'string') note.brandId = decided.result.context.brandId;
      debugHeaders[AUTHORIZER_REASON_HEADER] = allowedReason(decided.result);
      debugHeaders['x-local-authorizer-context'] = JSON.stringify({
        principalId: decided.result.principalId,
        ...decided.result.context,
      });
      if (!policyAllows(decided.result.statements, methodArnFor(stage, routeMethod, path))) {
        const denied = gatewayError(403, 'FORBIDDEN', 'User is not authorized to access this resource', requestId);
        Object.assign(denied.headers, debugHeaders, { [AUTHORIZER_REASON_HEADER]: 'POLICY_DENIES_ROUTE' });
        return denied;
      }
      // REST APIs hand the context to the integration with string values.
      authorizerContext = { principalId: decided.result.principalId };
      for (const [key, value] of Object.entries(decided.result.context)) authorizerContext[key] = String(value);
    }

    const event = proxyEvent(facts, raw, authorizerContext);
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
    const started = performance.now();
    const note: Note = { api: false };
    handle(req, url, note)
      .catch((error: unknown) => {
        onError('gateway', error);
        return gatewayError(500, 'INTERNAL_ERROR', 'Internal error', randomUUID());
      })
      .then((answer) => {
        if (res.headersSent) return;
        withGatewayCors(answer, req.headers.origin, corsOrigins);
        res.writeHead(answer.status, answer.headers);
        res.end(req.method === 'HEAD' ? undefined : answer.body);
        if (note.api && options.onRequest) {
          options.onRequest(
            logEntry(req.method ?? 'GET', url.pathname, answer, performance.now() - started, note.brandId),
          );
        }
      });
  });
  // Requests Node's parser refuses (headers over its 16 KB limit, malformed) get the JSON error body too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    socket.end(clientErrorResponse(error.code, randomUUID()));
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
    flushAuthorizerCache: () => authorizer.flush(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
