// The authorizer's revocation check: answers cached in memory for a short TTL so a warm authorizer does not
// read DynamoDB on every request. Bounded staleness: a revocation written at time T is seen by every
// container no later than T + ttlSeconds (an answer cached before T lives at most ttlSeconds, counted from
// when its lookup started). A RefreshingCache policy: no stale-if-error (a failed lookup is never answered).
import { RefreshingCache } from '../lang/refreshing-cache.js';
import type { RevocationChecker, RevocationQuery, RevocationReason } from './revocation-checker.js';

export interface CachedRevocationCheckerOptions {
  /** How long an answer is reused (settings.revocationCacheTtlSeconds); 0 turns the cache off. */
  ttlSeconds: number;
  /** Most answers kept; the oldest is dropped first (default 10 000). */
  maxEntries?: number;
  /** Epoch milliseconds. */
  now?: () => number;
}

/** Wraps a RevocationChecker with a small TTL cache; concurrent misses for one token share one lookup. */
export class CachedRevocationChecker implements RevocationChecker {
  private readonly inner: RevocationChecker;
  private readonly ttlMs: number;
  private readonly cache: RefreshingCache<string, RevocationReason | undefined>;

  constructor(inner: RevocationChecker, options: CachedRevocationCheckerOptions) {
    if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds < 0) {
      throw new TypeError('ttlSeconds must be a non-negative integer');
    }
    const maxEntries = options.maxEntries ?? 10_000;
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a positive integer');
    this.inner = inner;
    this.ttlMs = options.ttlSeconds * 1000;
    this.cache = new RefreshingCache({ now: options.now ?? Date.now, ttlMs: this.ttlMs, maxEntries });
  }

  check(query: RevocationQuery): Promise<RevocationReason | undefined> {
    if (this.ttlMs === 0) return this.inner.check(query);
    const key = JSON.stringify([query.brandId, query.brandRevision ?? '', query.sub, query.sid, query.jti, query.iat]);
    return this.cache.get(key, () => this.inner.check(query));
  }

  /** Number of cached answers (tests, metrics). */
  get size(): number {
    return this.cache.size;
  }

  /** Drops every cached answer. */
  clear(): void {
    this.cache.clear();
  }
}
