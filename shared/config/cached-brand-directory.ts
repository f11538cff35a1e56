// The functions' BrandDirectory. With per-key loaders (a Query on the issuer index, a GetItem by id), a
// cold container reads only the brand a request names, whatever the brand count; each answer is cached for
// the TTL (single-flight per key). The full index (one paginated Scan) is loaded off the request path only
// when it pays: after a lookup for an unknown issuer or id, so a flood of made-up issuers costs at most the
// Queries made until it is in. Without per-key loaders every lookup is served from the full index.
// Every answer comes from a read younger than the TTL; when a reload fails, the last good answer is served
// for a bounded stale window, then lookups fail closed with 503 CONFIG_UNAVAILABLE. Three RefreshingCache
// policies: the full index (one key), the per-issuer and the per-id answers (bounded), sharing TTL and windows.
import { ErrorCodes, ServiceUnavailableError } from '../errors.js';
import { RefreshingCache } from '../lang/refreshing-cache.js';
import type { BrandConfig } from './brand-config.js';
import type { BrandDirectory } from './brand-directory.js';

export interface CachedBrandDirectoryOptions {
  /** Loads every brand (e.g. a paginated scan of the brands table). */
  loadBrands: () => Promise<readonly BrandConfig[]>;
  /** Loads the brands of one issuer (e.g. a Query on the issuer index); with it, no lookup waits for a Scan. */
  loadByIssuer?: (issuer: string) => Promise<readonly BrandConfig[]>;
  /** Loads one brand by id (e.g. a GetItem); undefined when there is none. */
  loadById?: (brandId: string) => Promise<BrandConfig | undefined>;
  /** Seconds an answer stays fresh (CONFIG_CACHE_TTL_SECONDS). */
  ttlSeconds: number;
  /** Seconds past expiry a stale answer is still served while reloads fail (CONFIG_STALE_IF_ERROR_SECONDS). */
  staleIfErrorSeconds: number;
  /** Seconds to wait after a failed reload before trying again (so an outage does not add a call per request). */
  retryAfterErrorSeconds?: number;
  /** Most per-key answers kept (oldest dropped first); known brands are few, this bounds unknown keys. */
  maxCachedKeys?: number;
  now?: () => number;
  /** Told about every failed reload (for logging); never throws into the lookup. */
  onRefreshError?: (error: unknown, servingStale: boolean) => void;
}

interface BrandIndex {
  byId: ReadonlyMap<string, BrandConfig>;
  byIssuer: ReadonlyMap<string, readonly BrandConfig[]>;
}

const NO_BRANDS: readonly BrandConfig[] = Object.freeze([]);
/** The full index is one entry of its own cache. */
const ALL = 'all';

function buildIndex(brands: readonly BrandConfig[]): BrandIndex {
  const byId = new Map<string, BrandConfig>();
  const byIssuer = new Map<string, BrandConfig[]>();
  for (const brand of brands) {
    byId.set(brand.brandId, brand);
    const list = byIssuer.get(brand.issuer);
    if (list) list.push(brand);
    else byIssuer.set(brand.issuer, [brand]);
  }
  return { byId, byIssuer };
}

/** BrandDirectory cached per key and/or as a full index, refreshed every TTL (single-flight, stale-if-error). */
export class CachedBrandDirectory implements BrandDirectory {
  private readonly options: CachedBrandDirectoryOptions;
  private readonly now: () => number;
  private index!: RefreshingCache<string, BrandIndex>;
  private issuers!: RefreshingCache<string, readonly BrandConfig[]>;
  private ids!: RefreshingCache<string, BrandConfig | undefined>;
  private readonly loadIndex = async (): Promise<BrandIndex> => buildIndex(await this.options.loadBrands());
  private readonly loadIssuer: (issuer: string) => Promise<readonly BrandConfig[]>;
  private readonly loadId: (brandId: string) => Promise<BrandConfig | undefined>;

  constructor(options: CachedBrandDirectoryOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    const { loadByIssuer, loadById } = options;
    this.loadIssuer = async (issuer) => {
      if (loadByIssuer === undefined) return NO_BRANDS;
      const at = this.now();
      // The id cache of this read's generation: a clear() while it is in flight must not receive its answer.
      const ids = this.ids;
      const found = await loadByIssuer(issuer);
      // The same read answers the id lookups of these brands (the verifier's cached-token check).
      for (const brand of found) ids.set(brand.brandId, brand, at);
      return found.length === 0 ? NO_BRANDS : found;
    };
    this.loadId = async (brandId) => loadById?.(brandId);
    this.clear();
  }

  async getBrand(brandId: string): Promise<BrandConfig | undefined> {
    const index = this.options.loadById ? this.index.peek(ALL) : await this.fullIndex();
    if (index !== undefined || this.options.loadById === undefined) return index?.byId.get(brandId);
    const brand = await this.available(this.ids.get(brandId, this.loadId));
    if (brand === undefined) this.index.refresh(ALL, this.loadIndex);
    return brand;
  }

  async findByIssuer(issuer: string): Promise<readonly BrandConfig[]> {
    const index = this.options.loadByIssuer ? this.index.peek(ALL) : await this.fullIndex();
    if (index !== undefined || this.options.loadByIssuer === undefined) return index?.byIssuer.get(issuer) ?? NO_BRANDS;
    const brands = await this.available(this.issuers.get(issuer, this.loadIssuer));
    if (brands.length === 0) this.index.refresh(ALL, this.loadIndex);
    return brands;
  }

  peekByIssuer(issuer: string): readonly BrandConfig[] | undefined {
    const index = this.index.peek(ALL);
    if (index !== undefined) return index.byIssuer.get(issuer);
    if (this.options.loadByIssuer === undefined) return undefined;
    const brands = this.issuers.peek(issuer);
    return brands !== undefined && brands.length > 0 ? brands : undefined;
  }

  /** Every brand of the full index, sorted by id (loads it when it is not fresh). */
  async listBrands(): Promise<readonly BrandConfig[]> {
    return [...(await this.fullIndex()).byId.values()].sort((a, b) => a.brandId.localeCompare(b.brandId));
  }

  /** Forgets everything (tests; or after an admin change in the same process). */
  clear(): void {
    const { options } = this;
    const policy = {
      now: this.now,
      ttlMs: options.ttlSeconds * 1000,
      staleIfErrorMs: options.staleIfErrorSeconds * 1000,
      retryAfterErrorMs: (options.retryAfterErrorSeconds ?? 5) * 1000,
      onRefreshError: (error: unknown, _key: string, servingStale: boolean) =>
        options.onRefreshError?.(error, servingStale),
    };
    // New caches, not emptied ones: a read in flight across clear() keeps its answer out of them.
    this.index = new RefreshingCache(policy);
    // Known brands are few: the bound is for lookups of unknown keys; a stale index answers when a read fails.
    const perKey = { ...policy, maxEntries: options.maxCachedKeys ?? 1_000 };
    this.issuers = new RefreshingCache({
      ...perKey,
      staleFallback: (issuer) => this.index.peek(ALL, true)?.byIssuer.get(issuer),
    });
    this.ids = new RefreshingCache<string, BrandConfig | undefined>({
      ...perKey,
      staleFallback: (id) => this.index.peek(ALL, true)?.byId.get(id),
    });
  }

  private fullIndex(): Promise<BrandIndex> {
    return this.available(this.index.get(ALL, this.loadIndex));
  }

  /** The answer, or 503 CONFIG_UNAVAILABLE when neither a read nor the stale window gives one. */
  private async available<T>(answer: Promise<T>): Promise<T> {
    try {
      return await answer;
    } catch (cause) {
      throw new ServiceUnavailableError(
        ErrorCodes.CONFIG_UNAVAILABLE,
        'Brand configuration is temporarily unavailable',
        {
          cause,
          retryAfterSeconds: 5,
        },
      );
    }
  }
}
