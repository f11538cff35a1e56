// The functions' BrandDirectory: the whole brand index held in memory and refreshed every TTL, so a
// warm lookup (known or unknown issuer) is a Map read and never an AWS call, whatever the brand count.
// Refreshes are single-flight; when one fails, the last good index is served for a bounded stale
// window, then lookups fail closed with 503 CONFIG_UNAVAILABLE.
import { ErrorCodes, GatewayError } from '../errors.js';
import type { BrandConfig } from './brand-config.js';
import type { BrandDirectory } from './brand-directory.js';

export interface CachedBrandDirectoryOptions {
  /** Loads every brand (e.g. a paginated scan of the brands table). */
  loadBrands: () => Promise<readonly BrandConfig[]>;
  /** Seconds an index stays fresh (CONFIG_CACHE_TTL_SECONDS). */
  ttlSeconds: number;
  /** Seconds past expiry a stale index is still served while refreshes fail (CONFIG_STALE_IF_ERROR_SECONDS). */
  staleIfErrorSeconds: number;
  /** Seconds to wait after a failed refresh before trying again (so an outage does not add a call per request). */
  retryAfterErrorSeconds?: number;
  now?: () => number;
  /** Told about every failed refresh (for logging); never throws into the lookup. */
  onRefreshError?: (error: unknown, servingStale: boolean) => void;
}

interface BrandIndex {
  byId: ReadonlyMap<string, BrandConfig>;
  byIssuer: ReadonlyMap<string, readonly BrandConfig[]>;
  loadedAt: number;
}

const NO_BRANDS: readonly BrandConfig[] = Object.freeze([]);

function buildIndex(brands: readonly BrandConfig[], loadedAt: number): BrandIndex {
  const byId = new Map<string, BrandConfig>();
  const byIssuer = new Map<string, BrandConfig[]>();
  for (const brand of brands) {
    byId.set(brand.brandId, brand);
    const list = byIssuer.get(brand.issuer);
    if (list) list.push(brand);
    else byIssuer.set(brand.issuer, [brand]);
  }
  return { byId, byIssuer, loadedAt };
}

/** BrandDirectory over an in-memory index of every brand, refreshed every TTL (single-flight, stale-if-error). */
export class CachedBrandDirectory implements BrandDirectory {
  private readonly options: CachedBrandDirectoryOptions;
  private readonly now: () => number;
  private index: BrandIndex | undefined;
  private inFlight: Promise<BrandIndex> | undefined;
  private lastFailure: { at: number; error: unknown } | undefined;

  constructor(options: CachedBrandDirectoryOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  async getBrand(brandId: string): Promise<BrandConfig | undefined> {
    return (await this.current()).byId.get(brandId);
  }

  async findByIssuer(issuer: string): Promise<readonly BrandConfig[]> {
    return (await this.current()).byIssuer.get(issuer) ?? NO_BRANDS;
  }

  /** Every brand of the current index, sorted by id. */
  async listBrands(): Promise<readonly BrandConfig[]> {
    return [...(await this.current()).byId.values()].sort((a, b) => a.brandId.localeCompare(b.brandId));
  }

  /** Forgets the index (tests; or after an admin change in the same process). */
  clear(): void {
    this.index = undefined;
    this.inFlight = undefined;
    this.lastFailure = undefined;
  }

  private async current(): Promise<BrandIndex> {
    const now = this.now();
    const index = this.index;
    const ttlMs = this.options.ttlSeconds * 1000;
    if (index && now - index.loadedAt < ttlMs) return index;
    const staleUsable = index !== undefined && now - index.loadedAt < ttlMs + this.options.staleIfErrorSeconds * 1000;
    const retryMs = (this.options.retryAfterErrorSeconds ?? 5) * 1000;
    if (this.lastFailure && now - this.lastFailure.at < retryMs) {
      if (staleUsable && index) return index;
      throw this.unavailable(this.lastFailure.error);
    }
    try {
      return await this.refresh();
    } catch (error) {
      this.options.onRefreshError?.(error, staleUsable);
      if (staleUsable && index) return index;
      throw this.unavailable(error);
    }
  }

  private refresh(): Promise<BrandIndex> {
    this.inFlight ??= (async () => {
      try {
        const brands = await this.options.loadBrands();
        const index = buildIndex(brands, this.now());
        this.index = index;
        this.lastFailure = undefined;
        return index;
      } catch (error) {
        this.lastFailure = { at: this.now(), error };
        throw error;
      } finally {
        this.inFlight = undefined;
      }
    })();
    return this.inFlight;
  }

  private unavailable(cause: unknown): GatewayError {
    return new GatewayError(503, ErrorCodes.CONFIG_UNAVAILABLE, 'Brand configuration is temporarily unavailable', {
      cause,
      retryAfterSeconds: 5,
    });
  }
}
