// The one cache primitive of the gateway: values loaded from a slower source (DynamoDB, SSM, a CIAM, Capillary)
// kept per key until they expire, with one load per key at a time (concurrent misses share it), the last good
// value served for a bounded window when a reload fails, an optional pause after a failure (so an outage does
// not add a call per request), and an optional bound on the number of values kept. Each cache of the gateway
// is a policy of it (TTL, stale window, key, bound); see docs/architecture.md.
// The clock is injected (shared/auth/ uses it and reads no ambient clock).

export interface RefreshingCacheOptions<K, V> {
  /** Epoch milliseconds. */
  now: () => number;
  /** How long a value stays fresh, counted from when its load started (so no answer is older than this). */
  ttlMs: number;
  /** Per-value expiry instead of `ttlMs` (epoch ms; e.g. a token's own exp), given when its load started. */
  expiresAt?: (value: V, loadStartedAt: number) => number;
  /** Past expiry, how long the last value is still served while reloading it fails (default 0: never). */
  staleIfErrorMs?: number;
  /** After a failed load, how long no new load of that key starts: the stale value or the error answers. */
  retryAfterErrorMs?: number;
  /** Most values kept; the one stored longest ago is dropped first (default: unbounded). */
  maxEntries?: number;
  /** A value to serve on a failed load when the key has no stale value of its own (e.g. from another cache). */
  staleFallback?: (key: K) => V | undefined;
  /** Told about every failed load (for logging); it never throws into the caller. */
  onRefreshError?: (error: unknown, key: K, servingStale: boolean) => void;
}

/** Loads the value of `key`; `previous` is the last value kept (even expired), for loads that reuse parts of it. */
export type Loader<K, V> = (key: K, previous: V | undefined) => Promise<V>;

interface Entry<V> {
  value: V;
  expiresAt: number;
}

interface Failure {
  at: number;
  error: unknown;
}

/** Keyed values with expiry, single flight per key, stale-if-error and an optional bound. */
export class RefreshingCache<K, V> {
  private readonly options: RefreshingCacheOptions<K, V>;
  private readonly now: () => number;
  private readonly staleMs: number;
  private readonly retryMs: number;
  private readonly maxEntries: number;
  // Replaced (not emptied) by clear(): a load in flight across clear() stores into the maps it started with.
  private entries = new Map<K, Entry<V>>();
  private pending = new Map<K, Promise<V>>();
  private failures = new Map<K, Failure>();

  constructor(options: RefreshingCacheOptions<K, V>) {
    const maxEntries = options.maxEntries ?? Number.POSITIVE_INFINITY;
    if (!(maxEntries >= 1)) throw new TypeError('maxEntries must be at least 1');
    this.options = options;
    this.now = options.now;
    this.staleMs = options.staleIfErrorMs ?? 0;
    this.retryMs = options.retryAfterErrorMs ?? 0;
    this.maxEntries = maxEntries;
  }

  /**
   * The value of `key`: the kept one while fresh, else a load (shared with concurrent callers). When the load
   * fails, the last value (or the fallback) is served within the stale window; otherwise the load's error is
   * thrown. A failure is never kept as a value.
   */
  async get(key: K, load: Loader<K, V>): Promise<V> {
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry !== undefined && now < entry.expiresAt) return entry.value;
    const failure = this.retryMs > 0 ? this.failures.get(key) : undefined;
    if (failure !== undefined && now - failure.at < this.retryMs) {
      const served = this.stale(key, entry, now);
      if (served !== undefined) return served.value;
      throw failure.error;
    }
    try {
      return await this.load(key, load, entry?.value);
    } catch (error) {
      const served = this.stale(key, entry, now);
      this.options.onRefreshError?.(error, key, served !== undefined);
      if (served !== undefined) return served.value;
      throw error;
    }
  }

  /** The fresh value of `key`, synchronously (no load); with `allowStale`, also one within the stale window. */
  peek(key: K, allowStale = false): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.now();
    if (now < entry.expiresAt) return entry.value;
    if (now < entry.expiresAt + this.staleMs) return allowStale ? entry.value : undefined;
    if (!this.pending.has(key)) this.entries.delete(key);
    return undefined;
  }

  /**
   * Starts a load of `key` nobody waits for, unless one is in flight or a failure is younger than the retry
   * pause; a failure goes to onRefreshError.
   */
  refresh(key: K, load: Loader<K, V>): void {
    if (this.pending.has(key)) return;
    const failure = this.failures.get(key);
    if (failure !== undefined && this.now() - failure.at < this.retryMs) return;
    const entry = this.entries.get(key);
    this.load(key, load, entry?.value).catch((error: unknown) => {
      this.options.onRefreshError?.(error, key, this.peek(key, true) !== undefined);
    });
  }

  /** Loads `key` now, fresh or not (joining a load in flight); the error of a failed load is thrown as is. */
  reload(key: K, load: Loader<K, V>): Promise<V> {
    return this.load(key, load, this.entries.get(key)?.value);
  }

  /** The load of `key` in flight, if any. */
  loading(key: K): Promise<V> | undefined {
    return this.pending.get(key);
  }

  /** Keeps `value` for `key` as if a load that started at `loadStartedAt` had answered it. */
  set(key: K, value: V, loadStartedAt = this.now()): void {
    this.store(this.entries, key, value, loadStartedAt);
    if (this.retryMs > 0) this.failures.delete(key);
  }

  /** Forgets the value of `key` (a load in flight still answers its callers). */
  delete(key: K): void {
    this.entries.delete(key);
  }

  /** Forgets every value, failure and load in flight (whose answers then reach only their callers). */
  clear(): void {
    this.entries = new Map();
    this.pending = new Map();
    this.failures = new Map();
  }

  /** Number of values kept (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  private stale(key: K, entry: Entry<V> | undefined, now: number): { value: V } | undefined {
    if (entry !== undefined && now < entry.expiresAt + this.staleMs) return { value: entry.value };
    const fallback = this.options.staleFallback?.(key);
    return fallback === undefined ? undefined : { value: fallback };
  }

  private load(key: K, load: Loader<K, V>, previous: V | undefined): Promise<V> {
    const running = this.pending.get(key);
    if (running !== undefined) return running;
    const { entries, pending, failures } = this;
    // Fresh from when the read started, so no answer is older than its TTL.
    const startedAt = this.now();
    const loading = (async () => {
      try {
        const value = await load(key, previous);
        this.store(entries, key, value, startedAt);
        failures.delete(key);
        return value;
      } catch (error) {
        if (this.retryMs > 0) this.bounded(failures, key, { at: this.now(), error });
        throw error;
      }
    })();
    pending.set(key, loading);
    // Registered before any caller awaits `loading`, so it runs first: a settled load is never joined.
    const settled = () => {
      if (pending.get(key) === loading) pending.delete(key);
    };
    loading.then(settled, settled);
    return loading;
  }

  private store(entries: Map<K, Entry<V>>, key: K, value: V, startedAt: number): void {
    const expiresAt = this.options.expiresAt?.(value, startedAt) ?? startedAt + this.options.ttlMs;
    this.bounded(entries, key, { value, expiresAt });
  }

  /** Sets `key` last in insertion order, dropping the oldest keys beyond the bound. */
  private bounded<T>(map: Map<K, T>, key: K, item: T): void {
    map.delete(key);
    while (map.size >= this.maxEntries) {
      const oldest = map.keys().next();
      if (oldest.done) break;
      map.delete(oldest.value);
    }
    map.set(key, item);
  }
}
