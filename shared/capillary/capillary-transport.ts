// The one retry loop of every Capillary call (token included): the brand's rate limit taken before each attempt,
// a per-attempt timeout, bounded attempts with exponential backoff and full jitter, Capillary's Retry-After
// honoured on throttling (429, 521 ...), and the invocation's deadline, which cuts attempts, timeouts and waits
// so that a "retry later" answer is given while the function can still give it. `send` is one HTTP attempt and
// nothing else, so a circuit breaker or a per-attempt policy can wrap it.
import type { FetchFn } from '../http/fetch.js';
import type { Logger } from '../observability/logger.js';
import { safeJsonParse } from '../http/json.js';
import { CONCURRENT_ACTION_CODE, isBusinessCode } from './capillary-codes.js';
import {
  type CapillaryFailureInfo,
  CapillaryRateLimitedError,
  CapillaryRejectedError,
  CapillaryUnavailableError,
} from './capillary-errors.js';
import { errorCodes, failureInfo, type RawAnswer, type Verdict } from './capillary-envelope.js';
import { apiOf, type CapillaryRateLimiter } from './capillary-rate-limit.js';

/** The time the caller has left to answer (shared/customer/time-budget.ts builds them from Lambda's context). */
export interface Deadline {
  remainingMs(): number;
}

/** No deadline: attempts are bounded by the retry policy alone. */
export const NoDeadline: Deadline = { remainingMs: () => Number.POSITIVE_INFINITY };

/** The logger calls the client makes (Powertools Logger). */
export type CapillaryLogger = Pick<Logger, 'info' | 'warn'>;

export interface RetryPolicy {
  /** Total attempts including the first (>= 1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Retry-After sent to the caller when retries run out and Capillary named no wait. */
  retryAfterSeconds: number;
  /** No attempt starts with less time than this left before the deadline. */
  minAttemptMs: number;
}

export const DefaultRetryPolicy: RetryPolicy = {
  maxAttempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  retryAfterSeconds: 2,
  minAttemptMs: 250,
};

/** The longest Retry-After the gateway passes on to its callers (a longer one is cut to this). */
const MAX_RETRY_AFTER_SECONDS = 300;

export interface TransportOptions {
  timeoutMs: number;
  fetch: FetchFn;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Epoch ms, for Retry-After given as an HTTP date. */
  now: () => number;
  logger: CapillaryLogger | undefined;
  /** The brand's Capillary rate limit, taken before every attempt (none: unlimited). */
  rateLimiter?: CapillaryRateLimiter | undefined;
}

export interface CallSpec {
  operation: string;
  method: string;
  url: string;
  body?: unknown;
  /** Auth headers, asked for on each attempt (a renewed token takes effect at once). */
  headers: () => Promise<Record<string, string>>;
  /** Called once on a `renew-auth` verdict with the headers that were refused, before the free extra attempt. */
  renewAuth?: (refused: Record<string, string>) => void;
  /** Told when the call succeeded after an attempt whose answer was lost (a write may have been applied twice). */
  onLostAnswer?: () => void;
  /** This call's per-attempt timeout (reads are shorter than writes); defaults to the transport's. */
  timeoutMs?: number;
}

type Attempt =
  | { kind: 'answer'; answer: RawAnswer; sent: Record<string, string> }
  | { kind: 'timeout' }
  | { kind: 'network' }
  | { kind: 'deadline' };

/** Retry-After as Capillary (or a proxy in front of it) sent it: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether an attempt ended without telling what Capillary did (it may have applied a write). */
function lostAnswer(attempt: Attempt): boolean {
  if (attempt.kind === 'timeout' || attempt.kind === 'network') return true;
  if (attempt.kind !== 'answer') return false;
  const { status, json } = attempt.answer;
  // 429, 503 and 521 refuse the call before doing it; another 5xx without a business code may come after the write.
  return status >= 500 && status !== 503 && status !== 521 && !errorCodes(json).some(isBusinessCode);
}

export class CapillaryTransport {
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** Runs one logical call until `judge` says done or fail, the attempts run out or the deadline nears. */
  async run<T>(spec: CallSpec, judge: (answer: RawAnswer) => Verdict<T>, deadline: Deadline): Promise<T> {
    const { retry, logger } = this.options;
    const api = apiOf(spec.method, spec.url);
    let renewed = false;
    let lost = false;
    let last: Attempt = { kind: 'network' };
    for (let attempt = 0; attempt < retry.maxAttempts; attempt++) {
      if (attempt > 0) {
        const waited = await this.wait(attempt, last, deadline);
        if (!waited) break;
      }
      const remaining = deadline.remainingMs();
      if (remaining < retry.minAttemptMs) {
        last = { kind: 'deadline' };
        break;
      }
      await this.takeRateLimit(api);
      last = await this.send(spec, Math.min(spec.timeoutMs ?? this.options.timeoutMs, remaining));
      if (last.kind !== 'answer') {
        lost = true;
        logger?.warn('capillary call failed', { operation: spec.operation, failure: last.kind, attempt });
        continue;
      }
      const verdict = judge(last.answer);
      logger?.info('capillary call', {
        operation: spec.operation,
        status: last.answer.status,
        capRequestId: last.answer.requestId,
        codes: errorCodes(last.answer.json),
        attempt,
        verdict: verdict.kind,
      });
      if (verdict.kind === 'done') {
        if (lost) spec.onLostAnswer?.();
        return verdict.value;
      }
      if (verdict.kind === 'fail') throw markLost(verdict.error, lost);
      if (verdict.kind === 'renew-auth') {
        if (renewed) {
          throw new CapillaryRejectedError(
            `Capillary ${spec.operation}: gateway credentials refused`,
            failureInfo(last.answer),
          );
        }
        // A token revoked or expired early: fetch a new one once, without using up a retry.
        renewed = true;
        spec.renewAuth?.(last.sent);
        attempt--;
        continue;
      }
      lost ||= lostAnswer(last);
    }
    throw markLost(this.exhausted(spec.operation, last), lost);
  }

  private async takeRateLimit(api: string): Promise<void> {
    const limiter = this.options.rateLimiter;
    if (!limiter) return;
    const decision = await limiter.take(api);
    if (!decision.granted) {
      this.options.logger?.warn('capillary rate limit reached', { api, retryAfterMs: decision.retryAfterMs });
      throw new CapillaryRateLimitedError(api, Math.max(1, Math.ceil(decision.retryAfterMs / 1000)));
    }
  }

  private exhausted(operation: string, last: Attempt): CapillaryUnavailableError {
    const answer = last.kind === 'answer' ? last.answer : undefined;
    const codes = answer ? errorCodes(answer.json) : [];
    const info = { codes, httpStatus: answer?.status, requestId: answer?.requestId };
    const hinted = answer ? retryAfterMs(answer.retryAfterHeader, this.options.now()) : undefined;
    const retryAfter =
      hinted !== undefined && hinted > 0
        ? Math.min(MAX_RETRY_AFTER_SECONDS, Math.ceil(hinted / 1000))
        : this.options.retry.retryAfterSeconds;
    // Throttling, concurrent-action (521), 503, timeouts and a spent budget say "try again later"; other 5xx a bad gateway.
    const busy =
      !answer ||
      answer.status === 429 ||
      answer.status === 503 ||
      answer.status === 521 ||
      codes.includes(CONCURRENT_ACTION_CODE);
    const reason = answer ? `HTTP ${answer.status}` : last.kind;
    return new CapillaryUnavailableError(
      busy ? 503 : 502,
      `Capillary ${operation} kept failing (${reason}); retry later`,
      retryAfter,
      info,
    );
  }

  /**
   * Waits before attempt `attempt`: Capillary's Retry-After when it sent one, plus a full-jitter share of
   * `min(max, base * 2^attempt)`. False (no wait) when that would not leave time for another attempt: the
   * caller is answered at once with Capillary's Retry-After instead of waiting out its own deadline.
   */
  private async wait(attempt: number, last: Attempt, deadline: Deadline): Promise<boolean> {
    const { baseDelayMs, maxDelayMs, minAttemptMs } = this.options.retry;
    const hinted = last.kind === 'answer' ? retryAfterMs(last.answer.retryAfterHeader, this.options.now()) : undefined;
    const jitter = Math.floor(this.options.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
    const delay = (hinted ?? 0) + jitter;
    const spare = deadline.remainingMs() - minAttemptMs;
    if (hinted !== undefined && hinted > 0 && delay > spare) return false;
    await this.options.sleep(Math.max(0, Math.min(delay, spare)));
    return true;
  }

  /** One HTTP attempt: the request with its auth headers, cut to `timeoutMs`, and the answer as read. */
  async send(spec: CallSpec, timeoutMs: number): Promise<Attempt> {
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(await spec.headers()),
      ...(spec.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    let response: Response;
    try {
      response = await this.options.fetch(spec.url, {
        method: spec.method,
        headers,
        signal,
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
      });
    } catch (error) {
      if (
        signal.aborted ||
        (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
      ) {
        return { kind: 'timeout' };
      }
      return { kind: 'network' };
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      return signal.aborted ? { kind: 'timeout' } : { kind: 'network' };
    }
    let json: unknown;
    try {
      json = text === '' ? undefined : safeJsonParse(text);
    } catch {
      json = undefined;
    }
    return {
      kind: 'answer',
      sent: headers,
      answer: {
        status: response.status,
        requestId: response.headers.get('x-cap-requestid') ?? undefined,
        json,
        retryAfterHeader: response.headers.get('retry-after'),
      },
    };
  }
}

/** Marks a failure that followed a lost answer, so a write's caller knows to re-read before believing it. */
function markLost<E extends Error>(error: E, lost: boolean): E {
  if (lost && 'capillary' in error && typeof error.capillary === 'object' && error.capillary !== null) {
    (error.capillary as CapillaryFailureInfo).afterLostAnswer = true;
  }
  return error;
}
