// Per-jwksUri JWKS cache: fetched once per cold start, refreshed in the background after `maxAgeMs`
// (no request waits on a refresh), an unknown `kid` refetches at most once per `cooldownMs`
// (single-flight), a failing endpoint leaves the cached keys verifying, and unknown kids then fail
// closed at once as JWKS_UNAVAILABLE (a key rotated in during the outage is not the token's fault).
// The transport and clock are injected; a module-level registry shares one cache per URI.
import { type GetDocument, getDocumentWithFetch } from '../http/document-get.js';
import type { FetchFn } from '../http/fetch.js';
import { RefreshingCache } from '../lang/refreshing-cache.js';
import { parseJsonObjectStrict } from './compact-jws.js';
import { importJwk, type KeyEntry } from './jwk.js';
import { TokenError, TokenErrorReasons } from './token-error.js';

interface JwksCacheSettings {
  /** After this age a background refresh starts (default 10 minutes). */
  maxAgeMs?: number;
  /** Minimum time between two fetches triggered by unknown kids or failures (default 10 s). */
  cooldownMs?: number;
  /** Per-fetch timeout, connection and body included (default 3 s). */
  timeoutMs?: number;
  /** Largest JWKS body accepted (default 64 KiB). */
  maxBytes?: number;
  /** Most keys accepted in one JWKS (default 50). */
  maxKeys?: number;
  /** Keys older than maxAge + this are dropped even if the endpoint stays down: fail closed (default 24 h). */
  maxStaleMs?: number;
  /** Told about failed fetches (the cache itself never throws them at a request that has keys). */
  onFetchError?: (error: unknown) => void;
}

/**
 * The transport and the clock are always injected (shared/auth/ does no I/O of its own: scripts/check-layers.ts):
 * `get` (the authorizer passes node:http(s)) or a `fetch` to get the JWKS with, and `now` in epoch milliseconds.
 */
export type JwksCacheOptions = JwksCacheSettings & { now: () => number } & (
    | { get: GetDocument; fetch?: never }
    | { fetch: FetchFn; get?: never }
  );

export interface JwksCacheStats {
  fetches: number;
  failures: number;
  keys: number;
  fetchedAt: number | undefined;
}

const unavailable = (cause?: unknown) =>
  new TokenError(TokenErrorReasons.JWKS_UNAVAILABLE, 'JWKS unavailable', { cause });

/** The keys of one fetch of the JWKS, and when it answered. */
interface FetchedKeys {
  keys: Map<string, KeyEntry[]>;
  fetchedAt: number;
}

/** Marks keys that left the JWKS (or aged out) so caches of what they verified drop it. */
function deactivate(keys: ReadonlyMap<string, KeyEntry[]>, kept?: ReadonlyMap<string, KeyEntry[]>): void {
  for (const [kid, entries] of keys) {
    const still = kept?.get(kid);
    for (const entry of entries) if (!still?.includes(entry)) entry.active = false;
  }
}

/**
 * One brand CIAM's signing keys, imported once per kid. A RefreshingCache policy of one entry: fresh for
 * maxAge from the fetch, then served while a background refresh runs (or fails) up to maxAge + maxStale; the
 * cooldown between fetch attempts is this class's own (an unknown kid may force a fetch of fresh keys).
 */
export class JwksCache {
  readonly uri: string;
  private readonly getDocument: GetDocument;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxKeys: number;
  private readonly onFetchError: ((error: unknown) => void) | undefined;
  private readonly cache: RefreshingCache<string, FetchedKeys>;
  /** The keys of the last good fetch until they age out (then deactivated): what stats() reports. */
  private held: FetchedKeys | undefined;
  private lastAttemptAt: number | undefined;
  /** True while the last fetch failed: an unknown kid may be on the JWKS we could not read (503, not 401). */
  private lastAttemptFailed = false;
  private fetches = 0;
  private failures = 0;

  constructor(uri: string, options: JwksCacheOptions) {
    this.uri = uri;
    this.getDocument = options.get ?? getDocumentWithFetch(options.fetch);
    this.now = options.now;
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.cooldownMs = options.cooldownMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 3_000;
    this.maxBytes = options.maxBytes ?? 65_536;
    this.maxKeys = options.maxKeys ?? 50;
    this.onFetchError = options.onFetchError;
    this.cache = new RefreshingCache({
      now: options.now,
      ttlMs: this.maxAgeMs,
      expiresAt: (fetched) => fetched.fetchedAt + this.maxAgeMs,
      staleIfErrorMs: options.maxStaleMs ?? 86_400_000,
      maxEntries: 1,
    });
  }

  /**
   * The keys published under `kid`. Synchronous when cached (the warm path); a promise only on a cold
   * start or for an unknown kid outside the cooldown.
   * @throws TokenError KID_UNKNOWN or JWKS_UNAVAILABLE.
   */
  getKeys(kid: string): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    const fetched = this.current();
    if (fetched !== undefined) {
      const found = fetched.keys.get(kid);
      if (found !== undefined) return found;
    }
    const lookup = () => this.lookup(kid);
    const running = this.cache.loading(this.uri);
    if (running) return running.then(lookup, lookup);
    if (this.coolingDown()) {
      throw fetched === undefined || this.lastAttemptFailed
        ? unavailable()
        : new TokenError(TokenErrorReasons.KID_UNKNOWN);
    }
    return this.fetchNow().then(lookup, lookup);
  }

  /**
   * Every key of the JWKS (tokens without kid). Synchronous when cached; a promise only on a cold start.
   * @throws TokenError JWKS_UNAVAILABLE.
   */
  getAllKeys(): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    if (this.current() !== undefined) return this.all();
    const all = () => this.all();
    const running = this.cache.loading(this.uri);
    if (running) return running.then(all, all);
    if (this.coolingDown()) throw unavailable();
    return this.fetchNow().then(all, all);
  }

  private all(): readonly KeyEntry[] {
    const fetched = this.cache.peek(this.uri, true);
    if (fetched === undefined) throw unavailable();
    return [...fetched.keys.values()].flat();
  }

  /** Resolves once no fetch is in flight (tests and the bench use it to observe background refreshes). */
  async whenIdle(): Promise<void> {
    for (let running = this.cache.loading(this.uri); running; running = this.cache.loading(this.uri)) {
      await running.catch(() => undefined);
    }
  }

  /** Fetches now unless a fetch is already running (cold-start warm-up; never throws). */
  async prefetch(): Promise<void> {
    if (this.current() === undefined && !this.cache.loading(this.uri)) await this.fetchNow().catch(() => undefined);
    await this.whenIdle();
  }

  stats(): JwksCacheStats {
    let count = 0;
    for (const entries of this.held?.keys.values() ?? []) count += entries.length;
    return { fetches: this.fetches, failures: this.failures, keys: count, fetchedAt: this.held?.fetchedAt };
  }

  /**
   * The keys to verify with: fresh ones; or, past max age, the last good ones while a background refresh
   * runs (outside the cooldown); none past max age + max stale (those keys are deactivated: fail closed).
   */
  private current(): FetchedKeys | undefined {
    const fresh = this.cache.peek(this.uri);
    if (fresh !== undefined) return fresh;
    const stale = this.cache.peek(this.uri, true);
    if (stale === undefined) {
      if (this.held !== undefined) deactivate(this.held.keys);
      this.held = undefined;
      return undefined;
    }
    if (!this.cache.loading(this.uri) && !this.coolingDown()) this.fetchNow().catch(() => undefined);
    return stale;
  }

  private lookup(kid: string): readonly KeyEntry[] {
    const fetched = this.cache.peek(this.uri, true);
    if (fetched === undefined) throw unavailable();
    const found = fetched.keys.get(kid);
    if (found === undefined) {
      // The CIAM may have rotated to this kid during an outage: retryable, never the token's fault.
      throw this.lastAttemptFailed ? unavailable() : new TokenError(TokenErrorReasons.KID_UNKNOWN);
    }
    return found;
  }

  private coolingDown(): boolean {
    return this.lastAttemptAt !== undefined && this.now() - this.lastAttemptAt < this.cooldownMs;
  }

  /** One fetch attempt (single flight): JWKS_UNAVAILABLE when it fails, the last good keys then stay. */
  private fetchNow(): Promise<FetchedKeys> {
    return this.cache.reload(this.uri, this.fetchKeys);
  }

  private readonly fetchKeys = async (_uri: string, previous: FetchedKeys | undefined): Promise<FetchedKeys> => {
    this.lastAttemptAt = this.now();
    this.fetches++;
    let keys: Map<string, KeyEntry[]>;
    try {
      keys = await this.load(previous?.keys);
    } catch (error) {
      this.failures++;
      this.lastAttemptFailed = true;
      this.onFetchError?.(error);
      throw unavailable(error);
    }
    if (previous !== undefined) deactivate(previous.keys, keys);
    this.lastAttemptFailed = false;
    this.held = { keys, fetchedAt: this.now() };
    return this.held;
  };

  private async load(previousKeys: ReadonlyMap<string, KeyEntry[]> | undefined): Promise<Map<string, KeyEntry[]>> {
    const { status, body } = await this.getDocument(this.uri, {
      accept: 'application/jwk-set+json, application/json',
      timeoutMs: this.timeoutMs,
      maxBytes: this.maxBytes,
    });
    if (status !== 200) throw new Error(`JWKS endpoint answered ${status}`);
    const document = parseJsonObjectStrict(body);
    const list = document.keys;
    if (!Array.isArray(list) || list.length > this.maxKeys) throw new Error('JWKS has no usable keys array');
    const next = new Map<string, KeyEntry[]>();
    for (const jwk of list) {
      if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) continue;
      const record = jwk as Record<string, unknown>;
      const previous = previousKeys?.get(typeof record.kid === 'string' ? record.kid : '');
      let entry: KeyEntry | undefined;
      for (const candidate of previous ?? [undefined]) {
        entry = importJwk(record, candidate);
        if (entry === candidate) break;
      }
      if (entry === undefined) continue;
      const existing = next.get(entry.kid);
      if (existing) existing.push(entry);
      else next.set(entry.kid, [entry]);
    }
    // An empty or all-garbage JWKS is treated as a failure: the last good keys keep verifying.
    if (next.size === 0) throw new Error('JWKS has no usable keys');
    return next;
  }
}

const registry = new Map<string, JwksCache>();
let registryDefaults: JwksCacheOptions | undefined;

/**
 * The process-wide cache for `jwksUri` (created on first use with `options`, else the registry defaults).
 * @throws Error when neither gives a transport (no runtime was built: createCoreRuntime sets the defaults).
 */
export function getJwksCache(jwksUri: string, options?: JwksCacheOptions): JwksCache {
  let cache = registry.get(jwksUri);
  if (cache === undefined) {
    const chosen = options ?? registryDefaults;
    if (chosen === undefined) throw new Error('JWKS caches have no transport: set them with setJwksCacheDefaults');
    cache = new JwksCache(jwksUri, chosen);
    registry.set(jwksUri, cache);
  }
  return cache;
}

/** Drops every registered cache and, when given, sets the options new ones get (tests; cold-start wiring). */
export function clearJwksCaches(defaults?: JwksCacheOptions): void {
  registry.clear();
  registryDefaults = defaults;
}

/** Sets the options caches created from now on get (composition roots: e.g. an onFetchError logger). */
export function setJwksCacheDefaults(defaults: JwksCacheOptions): void {
  registryDefaults = defaults;
}

/** How verifiers find a JWKS cache for a brand's jwksUri. */
export type JwksProvider = (jwksUri: string) => JwksCache;
