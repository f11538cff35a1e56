// The brand's Capillary rate limit, kept by the gateway itself so that a burst is answered with the gateway's own
// 429 + Retry-After instead of spending the org's quota on calls Capillary would throttle. Capillary sets its
// limits per API and per API key, in calls per minute (https://docs.capillarytech.com/reference/rate-limits;
// e.g. 100 a minute for v2 add customer on some clusters, reference/v2-add-customer), so the brand lists them
// per API (`capillary.rateLimits`, e.g. `{"POST /v2/customers": 100, "*": 1000}`).
//
// One container knows only its own calls, and a stage runs many containers, so the count lives in a store every
// container shares (RateWindowStore: DynamoDB in AWS), per brand, API and clock minute. To keep that off the hot
// path, a container reserves a small block of calls at a time (an atomic, conditional add that never passes the
// limit) and spends it locally: one store round trip per block, none while the block lasts, and calls of one
// wave reserve concurrently (one round trip). The price is that a container may end a minute with up to
// block-1 reserved calls unused, so the stage as a whole may stay slightly under the limit, never over it. If
// the store fails, the container falls back to counting alone (the full limit per container) rather than
// refusing logins because of a counter.

/** `METHOD /path` of a call, numeric path segments as `{id}` (the form `capillary.rateLimits` keys use). */
export function apiOf(method: string, url: string): string {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  return `${method.toUpperCase()} ${path.replace(/\/\d+(?=\/|$)/g, '/{id}')}`;
}

/** The key every unlisted API falls back to. */
const ANY_API = '*';

/** The calls per minute allowed for `api` by the brand's limits (the exact API first, else `*`); undefined: none. */
export function limitFor(limits: Readonly<Record<string, number>>, api: string): number | undefined {
  return limits[api] ?? limits[ANY_API];
}

export type RateDecision = { granted: true } | { granted: false; retryAfterMs: number };

/** Takes one call of `api` from the brand's budget before it is sent. */
export interface CapillaryRateLimiter {
  take(api: string): Promise<RateDecision>;
}

/** Port: counters every container of a stage shares, one per key (brand, API, minute). */
export interface RateWindowStore {
  /**
   * Adds up to `count` to the counter of `key`, as many as keep it at or under `limit`, atomically; answers
   * how many were added (0: the window is spent). The counter may be forgotten after `expiresAtMs`.
   */
  reserve(key: string, count: number, limit: number, expiresAtMs: number): Promise<number>;
}

/** Counters of one process: the store of a single container, of tests, and the fallback when the shared one fails. */
export class InMemoryRateWindowStore implements RateWindowStore {
  private readonly counters = new Map<string, { count: number; expiresAtMs: number }>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  async reserve(key: string, count: number, limit: number, expiresAtMs: number): Promise<number> {
    for (const [k, counter] of this.counters) if (counter.expiresAtMs < this.now()) this.counters.delete(k);
    const current = this.counters.get(key)?.count ?? 0;
    const added = Math.max(0, Math.min(count, limit - current));
    if (added > 0) this.counters.set(key, { count: current + added, expiresAtMs });
    return added;
  }
}

const WINDOW_MS = 60_000;

/** Calls reserved from the shared counter at a time: 1 % of the limit, at least 1 (the waste bound per container). */
export function blockSize(limit: number): number {
  return Math.max(1, Math.ceil(limit / 100));
}

export interface WindowRateLimiterOptions {
  /** Requests per minute per API (`capillary.rateLimits`). */
  limits: Readonly<Record<string, number>>;
  /** Scopes the counters (the brand id). */
  scope: string;
  store: RateWindowStore;
  now?: () => number;
  /** Told when the shared store failed and the container counts alone for now. */
  onStoreError?: (error: unknown) => void;
  /**
   * Longest wait for the shared store before the container counts alone for that reservation (default 1 s),
   * so a slow store costs a login at most this much of its time budget.
   */
  storeTimeoutMs?: number;
}

/** Fixed one-minute windows per API, reserved from the shared store in small blocks (see the header). */
export class WindowRateLimiter implements CapillaryRateLimiter {
  private readonly options: WindowRateLimiterOptions;
  private readonly now: () => number;
  private readonly blocks = new Map<string, { window: number; left: number }>();
  /** The reservation being gathered per API: the calls of one wave join it (one store round trip). */
  private readonly pending = new Map<string, { wanted: number; granted: Promise<boolean> }>();
  private readonly fallback: InMemoryRateWindowStore;

  constructor(options: WindowRateLimiterOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.fallback = new InMemoryRateWindowStore(this.now);
  }

  async take(api: string): Promise<RateDecision> {
    const limit = limitFor(this.options.limits, api);
    if (limit === undefined) return { granted: true };
    // A reservation smaller than the wave that asked for it leaves some calls to try again (a few rounds).
    for (let round = 0; ; round++) {
      const window = Math.floor(this.now() / WINDOW_MS);
      if (limit > 0 && this.takeFromBlock(api, window)) return { granted: true };
      if (limit <= 0 || round === 4 || !(await this.join(api, window, limit))) break;
    }
    const now = this.now();
    return { granted: false, retryAfterMs: (Math.floor(now / WINDOW_MS) + 1) * WINDOW_MS - now };
  }

  private takeFromBlock(api: string, window: number): boolean {
    const block = this.blocks.get(api);
    if (!block || block.window !== window || block.left <= 0) return false;
    block.left--;
    return true;
  }

  /** Joins (or starts) the reservation of `api`; true when it added calls to the container's block. */
  private join(api: string, window: number, limit: number): Promise<boolean> {
    let batch = this.pending.get(api);
    if (!batch) {
      const started: { wanted: number; granted: Promise<boolean> } = { wanted: 0, granted: Promise.resolve(false) };
      started.granted = (async () => {
        // Let every call of the wave that is starting now join before asking the store.
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.pending.delete(api);
        const count = await this.reserve(api, window, limit, started.wanted);
        if (count === 0) return false;
        const block = this.blocks.get(api);
        const left = block && block.window === window ? block.left : 0;
        this.blocks.set(api, { window, left: left + count });
        return true;
      })();
      batch = started;
      this.pending.set(api, batch);
    }
    batch.wanted++;
    return batch.granted;
  }

  /** Reserves a block for the `wanted` calls of a wave (at least blockSize, at most what is left); the count got. */
  private reserve(api: string, window: number, limit: number, wanted: number): Promise<number> {
    const key = `${this.options.scope}#${api}#${window}`;
    return this.reserveOnce(key, Math.min(limit, Math.max(blockSize(limit), wanted)), limit, (window + 1) * WINDOW_MS);
  }

  private async reserveOnce(key: string, count: number, limit: number, expiresAtMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('rate limit store did not answer in time')),
        this.options.storeTimeoutMs ?? 1_000,
      );
    });
    try {
      return await Promise.race([this.options.store.reserve(key, count, limit, expiresAtMs), slow]);
    } catch (error) {
      this.options.onStoreError?.(error);
      return this.fallback.reserve(key, count, limit, expiresAtMs);
    } finally {
      clearTimeout(timer);
    }
  }
}
