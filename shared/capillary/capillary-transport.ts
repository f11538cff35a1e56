// The one retry loop of every Capillary call (token included): a per-attempt timeout, bounded attempts with
// exponential backoff and full jitter, and the invocation's deadline, which cuts attempts, timeouts and
// backoff so that a "retry later" answer is given while the function can still give it.
import type { FetchFn } from '../http/fetch.js';
import type { Logger } from '../observability/logger.js';
import { safeJsonParse } from '../http/json.js';
import { CONCURRENT_ACTION_CODE, CapillaryRejectedError, CapillaryUnavailableError } from './capillary-errors.js';
import { errorCodes, failureInfo, type RawAnswer, type Verdict } from './capillary-envelope.js';

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
  /** Retry-After sent to the caller when retries run out. */
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

export interface TransportOptions {
  timeoutMs: number;
  fetch: FetchFn;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: CapillaryLogger | undefined;
}

export interface CallSpec {
  operation: string;
  method: string;
  url: string;
  body?: unknown;
  /** Auth headers, asked for on each attempt (a renewed token takes effect at once). */
  headers: () => Promise<Record<string, string>>;
  /** Called once on a `renew-auth` verdict, before the free extra attempt. */
  renewAuth?: () => void;
  /** This call's per-attempt timeout (reads are shorter than writes); defaults to the transport's. */
  timeoutMs?: number;
}

type Attempt = { kind: 'answer'; answer: RawAnswer } | { kind: 'timeout' } | { kind: 'network' } | { kind: 'deadline' };

export class CapillaryTransport {
  private readonly options: TransportOptions;

  constructor(options: TransportOptions) {
    this.options = options;
  }

  /** Runs one logical call until `judge` says done or fail, the attempts run out or the deadline nears. */
  async run<T>(spec: CallSpec, judge: (answer: RawAnswer) => Verdict<T>, deadline: Deadline): Promise<T> {
    const { retry, logger } = this.options;
    let renewed = false;
    let last: Attempt = { kind: 'network' };
    for (let attempt = 0; attempt < retry.maxAttempts; attempt++) {
      if (attempt > 0) await this.backoff(attempt, deadline);
      const remaining = deadline.remainingMs();
      if (remaining < retry.minAttemptMs) {
        last = { kind: 'deadline' };
        break;
      }
      last = await this.send(spec, Math.min(spec.timeoutMs ?? this.options.timeoutMs, remaining));
      if (last.kind !== 'answer') {
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
      if (verdict.kind === 'done') return verdict.value;
      if (verdict.kind === 'fail') throw verdict.error;
      if (verdict.kind === 'renew-auth') {
        if (renewed) {
          throw new CapillaryRejectedError(
            `Capillary ${spec.operation}: gateway credentials refused`,
            failureInfo(last.answer),
          );
        }
        // A token revoked or expired early: fetch a new one once, without using up a retry.
        renewed = true;
        spec.renewAuth?.();
        attempt--;
      }
    }
    throw this.exhausted(spec.operation, last);
  }

  private exhausted(operation: string, last: Attempt): CapillaryUnavailableError {
    const answer = last.kind === 'answer' ? last.answer : undefined;
    const codes = answer ? errorCodes(answer.json) : [];
    const info = { codes, httpStatus: answer?.status, requestId: answer?.requestId };
    const header = answer ? Number(answer.retryAfterHeader) : Number.NaN;
    const retryAfter =
      Number.isInteger(header) && header > 0 && header <= 300 ? header : this.options.retry.retryAfterSeconds;
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

  /** Full jitter: a random delay in [0, min(max, base * 2^attempt)), never past the deadline. */
  private async backoff(attempt: number, deadline: Deadline): Promise<void> {
    const { baseDelayMs, maxDelayMs, minAttemptMs } = this.options.retry;
    const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt);
    const delay = Math.floor(this.options.random() * cap);
    await this.options.sleep(Math.max(0, Math.min(delay, deadline.remainingMs() - minAttemptMs)));
  }

  private async send(spec: CallSpec, timeoutMs: number): Promise<Attempt> {
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
      answer: {
        status: response.status,
        requestId: response.headers.get('x-cap-requestid') ?? undefined,
        json,
        retryAfterHeader: response.headers.get('retry-after'),
      },
    };
  }
}
