// The authorizer's revocation check: answers cached in memory for a short TTL so a warm authorizer does not
// read DynamoDB on every request. Bounded staleness: a revocation written at time T is seen by every
// container no later than T + ttlSeconds (an answer cached before T lives at most ttlSeconds).
import type { RevocationChecker, RevocationQuery, RevocationReason } from './revocation-checker.js';

export interface CachedRevocationCheckerOptions {
  /** How long an answer is reused (settings.revocationCacheTtlSeconds); 0 turns the cache off. */
  ttlSeconds: number;
  /** Most answers kept; the oldest is dropped first (default 10 000). */
  maxEntries?: number;
  /** Epoch milliseconds. */
  now?: () => number;
}

interface Entry {
  reason: RevocationReason | undefined;
  expiresAtMs: number;
}

/** Wraps a RevocationChecker with a small TTL cache; concurrent misses for one token share one lookup. */
export class CachedRevocationChecker implements RevocationChecker {
  private readonly inner: RevocationChecker;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<RevocationReason | undefined>>();

  constructor(inner: RevocationChecker, options: CachedRevocationCheckerOptions) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 0) {
      throw new TypeError('ttlSeconds must be a non-negative integer');
    }
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
    this.inner = inner;
    this.ttlMs = options.ttlSeconds * 1000;
    this.maxEntries = maxEntries;
    this.now = options.now ?? Date.now;
  }

  async check(query: RevocationQuery): Promise<RevocationReason | undefined> {
    if (this.ttlMs === 0) return this.inner.check(query);
    const key = JSON.stringify([query.brandId, query.brandRevision ?? '', query.sub, query.sid, query.jti, query.iat]);
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      if (cached.expiresAtMs > this.now()) return cached.reason;
      this.entries.delete(key);
    }
    const running = this.inflight.get(key);
    if (running) return running;
    const startedAt = this.now();
    const lookup = this.inner
      .check(query)
      .then((reason) => {
        // The answer is as old as the moment the lookup started: the staleness bound counts from there.
        this.store(key, { reason, expiresAtMs: startedAt + this.ttlMs });
        return reason;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, lookup);
    return lookup;
  }

  /** Number of cached answers (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every cached answer. */
  clear(): void {
    this.entries.clear();
  }

  private store(key: string, entry: Entry): void {
    this.entries.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, entry);
  }
}
