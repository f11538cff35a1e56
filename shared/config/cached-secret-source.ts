// A SecretSource wrapper that keeps decrypted secrets in memory for a TTL (single-flight per name) and
// serves the last good value for a bounded window when the underlying store fails.
import type { SecretSource } from './secret-source.js';

export interface CachedSecretSourceOptions {
  source: SecretSource;
  ttlSeconds: number;
  /** Seconds past expiry a cached value is still served while reads fail. */
  staleIfErrorSeconds: number;
  now?: () => number;
}

interface Entry {
  value: string;
  loadedAt: number;
}

/** SecretSource with a per-name TTL cache, single-flight reads and stale-if-error. */
export class CachedSecretSource implements SecretSource {
  private readonly options: CachedSecretSourceOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: CachedSecretSourceOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  async getSecret(name: string): Promise<string> {
    const entry = this.entries.get(name);
    const age = entry ? this.now() - entry.loadedAt : Number.POSITIVE_INFINITY;
    if (entry && age < this.options.ttlSeconds * 1000) return entry.value;
    try {
      return await this.load(name);
    } catch (error) {
      if (entry && age < (this.options.ttlSeconds + this.options.staleIfErrorSeconds) * 1000) return entry.value;
      throw error;
    }
  }

  /** Forgets one secret (after an admin change) or all of them. */
  clear(name?: string): void {
    if (name === undefined) this.entries.clear();
    else this.entries.delete(name);
  }

  private load(name: string): Promise<string> {
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.options.source
        .getSecret(name)
        .then((value) => {
          this.entries.set(name, { value, loadedAt: this.now() });
          return value;
        })
        .finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }
}
