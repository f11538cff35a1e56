// The functions' BrandDirectory. With per-key loaders (a Query on the issuer index, a GetItem by id), a
// cold container reads only the brand a request names, whatever the brand count; each answer is cached for
// the TTL (single-flight per key). The full index (one paginated Scan) is loaded off the request path only
// when it pays: after a lookup for an unknown issuer or id, so a flood of made-up issuers costs at most the
// Queries made until it is in. Without per-key loaders every lookup is served from the full index.
// Every answer comes from a read younger than the TTL; when a reload fails, the last good answer is served
// for a bounded stale window, then lookups fail closed with 503 CONFIG_UNAVAILABLE.
import { ErrorCodes, type GatewayError, ServiceUnavailableError } from '../errors.js';
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

/** One cached answer: the last good value, its load time, the reload in flight and the last failure. */
interface Slot<T> {
  value: T | undefined;
  loadedAt: number | undefined;
  inFlight: Promise<T> | undefined;
  failure: { at: number; error: unknown } | undefined;
}

const NO_BRANDS: readonly BrandConfig[] = Object.freeze([]);

const emptySlot = <T>(): Slot<T> => ({
  value: undefined,
  loadedAt: undefined,
  inFlight: undefined,
  failure: undefined,
});

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
  private readonly ttlMs: number;
  private readonly staleMs: number;
  private readonly retryMs: number;
  private readonly maxKeys: number;
  private index: Slot<BrandIndex> = emptySlot();
  private issuers = new Map<string, Slot<readonly BrandConfig[]>>();
  private ids = new Map<string, Slot<BrandConfig | undefined>>();

  constructor(options: CachedBrandDirectoryOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlSeconds * 1000;
    this.staleMs = options.staleIfErrorSeconds * 1000;
    this.retryMs = (options.retryAfterErrorSeconds ?? 5) * 1000;
    this.maxKeys = options.maxCachedKeys ?? 1_000;
  }

  async getBrand(brandId: string): Promise<BrandConfig | undefined> {
    const loadById = this.options.loadById;
    const index = loadById ? this.freshIndex() : await this.fullIndex();
    if (index !== undefined || loadById === undefined) return index?.byId.get(brandId);
    const brand = await this.cached(
      this.slot(this.ids, brandId),
      () => loadById(brandId),
      () => this.staleIndex()?.byId.get(brandId),
    );
    if (brand === undefined) this.loadIndexInBackground();
    return brand;
  }

  async findByIssuer(issuer: string): Promise<readonly BrandConfig[]> {
    const loadByIssuer = this.options.loadByIssuer;
    const index = loadByIssuer ? this.freshIndex() : await this.fullIndex();
    if (index !== undefined || loadByIssuer === undefined) return index?.byIssuer.get(issuer) ?? NO_BRANDS;
    const brands = await this.cached(
      this.slot(this.issuers, issuer),
      async () => {
        const at = this.now();
        // The id map of this read's generation: a clear() while it is in flight must not receive its answer.
        const ids = this.ids;
        const found = await loadByIssuer(issuer);
        // The same read answers the id lookups of these brands (the verifier's cached-token check).
        for (const brand of found) Object.assign(this.slot(ids, brand.brandId), { value: brand, loadedAt: at });
        return found.length === 0 ? NO_BRANDS : found;
      },
      () => this.staleIndex()?.byIssuer.get(issuer),
    );
    if (brands.length === 0) this.loadIndexInBackground();
    return brands;
  }

  peekByIssuer(issuer: string): readonly BrandConfig[] | undefined {
    const index = this.freshIndex();
    if (index !== undefined) return index.byIssuer.get(issuer);
    if (this.options.loadByIssuer === undefined) return undefined;
    const slot = this.issuers.get(issuer);
    const fresh = slot?.loadedAt !== undefined && this.now() - slot.loadedAt < this.ttlMs;
    return fresh && slot.value !== undefined && slot.value.length > 0 ? slot.value : undefined;
  }

  /** Every brand of the full index, sorted by id (loads it when it is not fresh). */
  async listBrands(): Promise<readonly BrandConfig[]> {
    return [...(await this.fullIndex()).byId.values()].sort((a, b) => a.brandId.localeCompare(b.brandId));
  }

  /** Forgets everything (tests; or after an admin change in the same process). */
  clear(): void {
    this.index = emptySlot();
    this.issuers = new Map();
    this.ids = new Map();
  }

  private fullIndex(): Promise<BrandIndex> {
    return this.cached(this.index, async () => buildIndex(await this.options.loadBrands()));
  }

  private freshIndex(): BrandIndex | undefined {
    const { loadedAt, value } = this.index;
    return loadedAt !== undefined && this.now() - loadedAt < this.ttlMs ? value : undefined;
  }

  private staleIndex(): BrandIndex | undefined {
    const { loadedAt, value } = this.index;
    return loadedAt !== undefined && this.now() - loadedAt < this.ttlMs + this.staleMs ? value : undefined;
  }

  /** Starts a full-index load nobody waits for (unless one is running or backing off after a failure). */
  private loadIndexInBackground(): void {
    const slot = this.index;
    if (slot.inFlight !== undefined || (slot.failure && this.now() - slot.failure.at < this.retryMs)) return;
    this.load(slot, async () => buildIndex(await this.options.loadBrands())).catch((error: unknown) => {
      this.options.onRefreshError?.(error, this.staleIndex() !== undefined);
    });
  }

  /** The slot of `key`, created when missing; the map is bounded (oldest key dropped first). */
  private slot<T>(map: Map<string, Slot<T>>, key: string): Slot<T> {
    let slot = map.get(key);
    if (slot === undefined) {
      if (map.size >= this.maxKeys) {
        const oldest = map.keys().next();
        if (!oldest.done) map.delete(oldest.value);
      }
      slot = emptySlot();
      map.set(key, slot);
    }
    return slot;
  }

  /** The slot's value when fresh; otherwise reloads it (single-flight), serving stale or failing closed on error. */
  private async cached<T>(slot: Slot<T>, load: () => Promise<T>, staleFallback?: () => T | undefined): Promise<T> {
    const now = this.now();
    const { loadedAt } = slot;
    if (loadedAt !== undefined && now - loadedAt < this.ttlMs) return slot.value as T;
    const stale = (): { value: T } | undefined => {
      if (loadedAt !== undefined && now - loadedAt < this.ttlMs + this.staleMs) return { value: slot.value as T };
      const fallback = staleFallback?.();
      return fallback === undefined ? undefined : { value: fallback };
    };
    if (slot.failure && now - slot.failure.at < this.retryMs) {
      const served = stale();
      if (served) return served.value;
      throw this.unavailable(slot.failure.error);
    }
    try {
      return await this.load(slot, load);
    } catch (error) {
      const served = stale();
      this.options.onRefreshError?.(error, served !== undefined);
      if (served) return served.value;
      throw this.unavailable(error);
    }
  }

  private load<T>(slot: Slot<T>, load: () => Promise<T>): Promise<T> {
    slot.inFlight ??= (async () => {
      // Fresh for a TTL from when the read started, so no answer is older than the TTL.
      const startedAt = this.now();
      try {
        const value = await load();
        slot.value = value;
        slot.loadedAt = startedAt;
        slot.failure = undefined;
        return value;
      } catch (error) {
        slot.failure = { at: this.now(), error };
        throw error;
      } finally {
        slot.inFlight = undefined;
      }
    })();
    return slot.inFlight;
  }

  private unavailable(cause: unknown): GatewayError {
    return new ServiceUnavailableError(
      ErrorCodes.CONFIG_UNAVAILABLE,
      'Brand configuration is temporarily unavailable',
      {
        cause,
        retryAfterSeconds: 5,
      },
    );
  }
}
