// The REQUEST authorizer stage: the result cache keyed by the identity source, the call itself, and how its
// outcomes become answers (Unauthorized -> 401, any other failure -> 503, malformed -> 500).
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { decisionReason } from '../../shared/auth/authorize-request.js';
import { authorizerUnavailable, gatewayError } from './gateway-error.js';
import { lambdaContext, TIMED_OUT, withTimeout } from './lambda.js';
import { type AuthorizerResult, parseAuthorizerResult } from './policy.js';
import type { AuthorizerHandler, EmulatorCounters, GatewayAnswer } from './types.js';

const MAX_CACHE_ENTRIES = 10_000;

export interface AuthorizerStageOptions {
  loadAuthorizer: () => Promise<AuthorizerHandler>;
  /** 0 disables the cache. */
  ttlMs: number;
  timeoutMs: number;
  now: () => number;
  counters: EmulatorCounters;
  onError: (where: string, error: unknown) => void;
}

type AuthorizerDecision = { result: AuthorizerResult; cache: 'hit' | 'miss' } | GatewayAnswer;

/** Local only: the authorizer's reason, beside its 401/403/503 and every answer after it (the playground shows it). */
export const AUTHORIZER_REASON_HEADER = 'x-local-authorizer-reason';

/** The reason of an authorizer result that let the call through: its revocation mark, else ALLOWED. */
export function allowedReason(result: AuthorizerResult): string {
  const revoked = result.context.revoked;
  return typeof revoked === 'string' && revoked !== '' ? revoked : 'ALLOWED';
}

function withReason(answer: GatewayAnswer, reason: string | undefined): GatewayAnswer {
  if (reason !== undefined) answer.headers[AUTHORIZER_REASON_HEADER] = reason;
  return answer;
}

export interface AuthorizerStage {
  /** The authorizer's result for this identity (from the cache or a call), or the answer that ends the request. */
  authorize(event: APIGatewayRequestAuthorizerEvent, identity: string, requestId: string): Promise<AuthorizerDecision>;
  /** Drops every cached result. */
  flush(): void;
}

export function authorizerStage(options: AuthorizerStageOptions): AuthorizerStage {
  const { ttlMs, timeoutMs, now, counters, onError } = options;
  const cache = new Map<string, { result: AuthorizerResult; expiresAt: number }>();
  let authorizer: Promise<AuthorizerHandler> | undefined;

  async function authorize(
    event: APIGatewayRequestAuthorizerEvent,
    identity: string,
    requestId: string,
  ): Promise<AuthorizerDecision> {
    const cached = ttlMs > 0 ? cache.get(identity) : undefined;
    if (cached && cached.expiresAt > now()) {
      counters.authorizerCacheHits++;
      return { result: cached.result, cache: 'hit' };
    }
    if (cached) cache.delete(identity);
    counters.authorizerInvocations++;
    let raw: unknown;
    try {
      // A failed load is forgotten, so the next request tries again (as the function handlers do).
      authorizer ??= options.loadAuthorizer().catch((error: unknown) => {
        authorizer = undefined;
        throw error;
      });
      const handler = await authorizer;
      const outcome = await withTimeout(handler(event, lambdaContext('authorizer', requestId, timeoutMs)), timeoutMs);
      if (outcome === TIMED_OUT) throw new Error('authorizer timed out');
      raw = outcome;
    } catch (error) {
      // Exactly `Unauthorized` is the 401 path; any other failure is AUTHORIZER_FAILURE, which the stack
      // answers 503 AUTHORIZER_UNAVAILABLE with Retry-After (never cached: the next call asks again).
      if (error instanceof Error && error.message === 'Unauthorized') {
        return withReason(gatewayError(401, 'UNAUTHORIZED', 'Unauthorized', requestId), decisionReason(error));
      }
      onError('authorizer', error);
      return withReason(authorizerUnavailable(requestId), decisionReason(error) ?? 'AUTHORIZER_FAILURE');
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

  return { authorize, flush: () => cache.clear() };
}
