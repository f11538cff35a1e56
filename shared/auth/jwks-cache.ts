// Per-jwksUri JWKS cache: fetched once per cold start, refreshed in the background after `maxAgeMs`
// (no request waits on a refresh), an unknown `kid` refetches at most once per `cooldownMs`
// (single-flight), a failing endpoint leaves the cached keys verifying, and unknown kids then fail
// closed at once as JWKS_UNAVAILABLE (a key rotated in during the outage is not the token's fault).
// The transport and clock are injected; a module-level registry shares one cache per URI.
import { type GetDocument, getDocumentWithFetch } from '../http/document-get.js';
import type { FetchFn } from '../http/fetch.js';
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

/** One brand CIAM's signing keys, imported once per kid. */
export class JwksCache {
  readonly uri: string;
  private readonly getDocument: GetDocument;
  private readonly now: () => number;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;
  private readonly maxKeys: number;
  private readonly maxStaleMs: number;
  private readonly onFetchError: ((error: unknown) => void) | undefined;
  private keys: Map<string, KeyEntry[]> | undefined;
  private fetchedAt = 0;
  private lastAttemptAt: number | undefined;
  /** True while the last fetch failed: an unknown kid may be on the JWKS we could not read (503, not 401). */
  private lastAttemptFailed = false;
  private inflight: Promise<void> | undefined;
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
    this.maxStaleMs = options.maxStaleMs ?? 86_400_000;
    this.onFetchError = options.onFetchError;
  }

  /**
   * The keys published under `kid`. Synchronous when cached (the warm path); a promise only on a cold
   * start or for an unknown kid outside the cooldown.
   * @throws TokenError KID_UNKNOWN or JWKS_UNAVAILABLE.
   */
  getKeys(kid: string): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    const now = this.now();
    let keys = this.keys;
    if (keys !== undefined) {
      const age = now - this.fetchedAt;
      if (age > this.maxAgeMs + this.maxStaleMs) {
        this.drop();
        keys = undefined;
      } else if (age >= this.maxAgeMs) {
        this.refreshInBackground(now);
      }
    }
    if (keys !== undefined) {
      const found = keys.get(kid);
      if (found !== undefined) return found;
    }
    const lookup = () => this.lookup(kid);
    if (this.inflight) return this.inflight.then(lookup, lookup);
    if (this.lastAttemptAt !== undefined && now - this.lastAttemptAt < this.cooldownMs) {
      throw keys === undefined || this.lastAttemptFailed
        ? unavailable()
        : new TokenError(TokenErrorReasons.KID_UNKNOWN);
    }
    return this.refresh(now).then(lookup, lookup);
  }

  /**
   * Every key of the JWKS (tokens without kid). Synchronous when cached; a promise only on a cold start.
   * @throws TokenError JWKS_UNAVAILABLE.
   */
  getAllKeys(): readonly KeyEntry[] | Promise<readonly KeyEntry[]> {
    const now = this.now();
    if (this.keys !== undefined) {
      const age = now - this.fetchedAt;
      if (age > this.maxAgeMs + this.maxStaleMs) this.drop();
      else {
        if (age >= this.maxAgeMs) this.refreshInBackground(now);
        return this.all();
      }
    }
    const all = () => this.all();
    if (this.inflight) return this.inflight.then(all, all);
    if (this.lastAttemptAt !== undefined && now - this.lastAttemptAt < this.cooldownMs) throw unavailable();
    return this.refresh(now).then(all, all);
  }

  private all(): readonly KeyEntry[] {
    if (this.keys === undefined) throw unavailable();
    return [...this.keys.values()].flat();
  }

  /** Resolves once no fetch is in flight (tests and the bench use it to observe background refreshes). */
  async whenIdle(): Promise<void> {
    while (this.inflight) await this.inflight.catch(() => undefined);
  }

  /** Fetches now unless a fetch is already running (cold-start warm-up; never throws). */
  async prefetch(): Promise<void> {
    if (this.keys === undefined && !this.inflight) await this.refresh(this.now()).catch(() => undefined);
    await this.whenIdle();
  }

  stats(): JwksCacheStats {
    let count = 0;
    for (const entries of this.keys?.values() ?? []) count += entries.length;
    return {
      fetches: this.fetches,
      failures: this.failures,
      keys: count,
      fetchedAt: this.keys ? this.fetchedAt : undefined,
    };
  }

  private lookup(kid: string): readonly KeyEntry[] {
    if (this.keys === undefined) throw unavailable();
    const found = this.keys.get(kid);
    if (found === undefined) {
      // The CIAM may have rotated to this kid during an outage: retryable, never the token's fault.
      throw this.lastAttemptFailed ? unavailable() : new TokenError(TokenErrorReasons.KID_UNKNOWN);
    }
    return found;
  }

  private refreshInBackground(now: number): void {
    if (this.inflight) return;
    if (this.lastAttemptAt !== undefined && now - this.lastAttemptAt < this.cooldownMs) return;
    this.refresh(now).catch(() => undefined);
  }

  private drop(): void {
    for (const entries of this.keys?.values() ?? []) for (const entry of entries) entry.active = false;
    this.keys = undefined;
  }

  private refresh(now: number): Promise<void> {
    this.lastAttemptAt = now;
    this.fetches++;
    const run = this.load().then(
      (next) => {
        for (const [kid, entries] of this.keys ?? []) {
          const kept = next.get(kid);
          for (const entry of entries) if (!kept?.includes(entry)) entry.active = false;
        }
        this.keys = next;
        this.fetchedAt = this.now();
        this.lastAttemptFailed = false;
      },
      (error: unknown) => {
        this.failures++;
        this.lastAttemptFailed = true;
        this.onFetchError?.(error);
        throw unavailable(error);
      },
    );
    this.inflight = run.finally(() => {
      if (this.inflight === tracked) this.inflight = undefined;
    });
    const tracked = this.inflight;
    tracked.catch(() => undefined);
    return run;
  }

  private async load(): Promise<Map<string, KeyEntry[]>> {
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
      const previous = this.keys?.get(typeof record.kid === 'string' ? record.kid : '');
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
