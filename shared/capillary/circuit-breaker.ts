// A per-brand circuit breaker around Capillary calls. While one brand's Capillary cluster fails or is slow, its
// calls are refused at once (503 + Retry-After) instead of each holding a Lambda execution for seconds, so a
// brownout of one org neither starves the function's concurrency budget nor keeps hammering the org. After
// `openMs` one call is let through as a probe (half-open): its success closes the circuit, its failure opens it
// again. Slow calls count as failures: a call that took longer than `slowCallMs` held an execution as long as a
// timeout would have. State lives in one Lambda container: each container decides for itself.
import { CapillaryUnavailableError } from './capillary-errors.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerPolicy {
  /** Outcomes remembered (a rolling count window). */
  windowSize: number;
  /** Fewest outcomes in the window before the failure share is judged. */
  minCalls: number;
  /** Share of failed (or slow) calls in the window that opens the circuit (0-1). */
  failureRateThreshold: number;
  /** A call that took at least this long counts as a failure, whatever it answered. */
  slowCallMs: number;
  /** How long an open circuit refuses calls before it lets one probe through. */
  openMs: number;
}

const DefaultCircuitBreakerPolicy: Readonly<CircuitBreakerPolicy> = {
  windowSize: 20,
  minCalls: 5,
  failureRateThreshold: 0.5,
  slowCallMs: 4_000,
  openMs: 15_000,
};

/** What the breaker tells its owner (metrics, logs); every hook is optional. */
export interface CircuitBreakerListener {
  /** Each call: `refused` when the open circuit answered it without calling Capillary. */
  onCall?(brandId: string, outcome: 'success' | 'failure' | 'refused'): void;
  onTransition?(brandId: string, from: CircuitState, to: CircuitState): void;
}

/** Refused by an open circuit: the brand's Capillary is failing; the caller retries after `retryAfterSeconds`. */
export class CapillaryCircuitOpenError extends CapillaryUnavailableError {
  readonly brandId: string;
  constructor(brandId: string, retryAfterSeconds: number) {
    super(503, `Capillary is failing for brand ${brandId}; calls are paused, retry later`, retryAfterSeconds, {
      codes: [],
      httpStatus: undefined,
      requestId: undefined,
    });
    this.brandId = brandId;
  }
}

/** Only availability failures trip the circuit; a business answer (not found, conflict) is Capillary working. */
function isAvailabilityFailure(error: unknown): boolean {
  return error instanceof CapillaryUnavailableError && !(error instanceof CapillaryCircuitOpenError);
}

export interface CircuitBreakerOptions {
  brandId: string;
  policy?: Partial<CircuitBreakerPolicy>;
  /** Monotonic milliseconds. */
  now?: () => number;
  listener?: CircuitBreakerListener;
}

export class CircuitBreaker {
  readonly brandId: string;
  private readonly policy: CircuitBreakerPolicy;
  private readonly now: () => number;
  private readonly listener: CircuitBreakerListener;
  private current: CircuitState = 'closed';
  /** true = failure, oldest first. */
  private outcomes: boolean[] = [];
  private openedAt = 0;
  private probeInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.brandId = options.brandId;
    this.policy = { ...DefaultCircuitBreakerPolicy, ...options.policy };
    this.now = options.now ?? (() => performance.now());
    this.listener = options.listener ?? {};
  }

  get state(): CircuitState {
    return this.current;
  }

  /** Runs `call` unless the circuit refuses it; records its outcome. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    const probe = this.admit();
    const started = this.now();
    try {
      const value = await call();
      this.record(probe, this.now() - started >= this.policy.slowCallMs);
      return value;
    } catch (error) {
      this.record(probe, isAvailabilityFailure(error) || this.now() - started >= this.policy.slowCallMs);
      throw error;
    }
  }

  /** Lets a call through (true when it is the half-open probe) or throws CapillaryCircuitOpenError. */
  private admit(): boolean {
    if (this.current === 'open' && this.now() - this.openedAt >= this.policy.openMs) this.moveTo('half_open');
    if (this.current === 'closed') return false;
    if (this.current === 'half_open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return true;
    }
    this.listener.onCall?.(this.brandId, 'refused');
    const waitMs = this.current === 'open' ? this.policy.openMs - (this.now() - this.openedAt) : this.policy.openMs;
    throw new CapillaryCircuitOpenError(this.brandId, Math.max(1, Math.ceil(waitMs / 1000)));
  }

  private record(probe: boolean, failed: boolean): void {
    this.listener.onCall?.(this.brandId, failed ? 'failure' : 'success');
    if (probe) {
      this.probeInFlight = false;
      if (failed) this.open();
      else {
        this.outcomes = [];
        this.moveTo('closed');
      }
      return;
    }
    // A call admitted before the circuit opened may end after it: its outcome belongs to the old window.
    if (this.current !== 'closed') return;
    this.outcomes.push(failed);
    if (this.outcomes.length > this.policy.windowSize) this.outcomes.shift();
    const failures = this.outcomes.filter(Boolean).length;
    if (
      this.outcomes.length >= this.policy.minCalls &&
      failures / this.outcomes.length >= this.policy.failureRateThreshold
    ) {
      this.open();
    }
  }

  private open(): void {
    this.openedAt = this.now();
    this.outcomes = [];
    this.moveTo('open');
  }

  private moveTo(next: CircuitState): void {
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.listener.onTransition?.(this.brandId, from, next);
  }
}

/** One breaker per brand for the life of the container (a re-saved brand keeps its breaker). */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly options: Omit<CircuitBreakerOptions, 'brandId'>;

  constructor(options: Omit<CircuitBreakerOptions, 'brandId'> = {}) {
    this.options = options;
  }

  forBrand(brandId: string): CircuitBreaker {
    let breaker = this.breakers.get(brandId);
    if (breaker === undefined) {
      breaker = new CircuitBreaker({ ...this.options, brandId });
      this.breakers.set(brandId, breaker);
    }
    return breaker;
  }
}
