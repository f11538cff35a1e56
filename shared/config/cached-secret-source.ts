// A SecretSource wrapper that keeps decrypted secrets in memory for a TTL (single-flight per name) and
// serves the last good value for a bounded window when the underlying store fails: a RefreshingCache policy.
import { RefreshingCache } from '../lang/refreshing-cache.js';
import type { SecretSource } from './secret-source.js';

export interface CachedSecretSourceOptions {
  source: SecretSource;
  ttlSeconds: number;
  /** Seconds past expiry a cached value is still served while reads fail. */
  staleIfErrorSeconds: number;
  now?: () => number;
}

/** SecretSource with a per-name TTL cache, single-flight reads and stale-if-error. */
export class CachedSecretSource implements SecretSource {
  private readonly cache: RefreshingCache<string, string>;
  private readonly read: (name: string) => Promise<string>;

  constructor(options: CachedSecretSourceOptions) {
    this.cache = new RefreshingCache({
      now: options.now ?? Date.now,
      ttlMs: options.ttlSeconds * 1000,
      staleIfErrorMs: options.staleIfErrorSeconds * 1000,
    });
    this.read = (name) => options.source.getSecret(name);
  }

  getSecret(name: string): Promise<string> {
    return this.cache.get(name, this.read);
  }

  /** Forgets one secret (after an admin change) or all of them. */
  clear(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }
}
