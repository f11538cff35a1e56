import { describe, expect, it } from 'vitest';
import { type BrandConfig, parseBrandConfig } from '../../../shared/config/brand-config.js';
import { CachedBrandDirectory } from '../../../shared/config/cached-brand-directory.js';
import { GatewayError } from '../../../shared/errors.js';

function brand(brandId: string, issuer = 'https://ciam.example.com'): BrandConfig {
  return parseBrandConfig(
    {
      brandId,
      brandName: brandId,
      orgId: 1,
      issuer,
      applicationId: 'api',
      clientId: `${brandId}-client`,
      jwksUri: `${issuer}/jwks`,
      userInfoEndpoint: `${issuer}/me`,
      fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
      capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: '/c' },
    },
    1,
  );
}

/** A brand source that counts loads and can be made to fail or to hang until released. */
function source(initial: BrandConfig[]) {
  const state = {
    brands: initial,
    loads: 0,
    fail: false,
    gate: undefined as Promise<void> | undefined,
    async load(): Promise<readonly BrandConfig[]> {
      state.loads++;
      if (state.gate) await state.gate;
      if (state.fail) throw new Error('ThrottlingException');
      return state.brands;
    },
  };
  return state;
}

function directory(src: ReturnType<typeof source>, clock: { now: number }, extra = {}) {
  return new CachedBrandDirectory({
    loadBrands: src.load,
    ttlSeconds: 60,
    staleIfErrorSeconds: 300,
    retryAfterErrorSeconds: 5,
    now: () => clock.now,
    ...extra,
  });
}

describe('CachedBrandDirectory', () => {
  it('answers id and issuer lookups from one load until the TTL expires', async () => {
    // Arrange
    const src = source([brand('a'), brand('b'), brand('c', 'https://other.example.com')]);
    const clock = { now: 1_000_000 };
    const dir = directory(src, clock);

    // Act
    const a = await dir.getBrand('a');
    const sameIssuer = await dir.findByIssuer('https://ciam.example.com');
    const unknownIssuer = await dir.findByIssuer('https://attacker.example');
    const unknownId = await dir.getBrand('nope');
    clock.now += 59_999;
    await dir.getBrand('a');

    // Assert
    expect(a?.brandId).toBe('a');
    expect(sameIssuer.map((b) => b.brandId)).toEqual(['a', 'b']);
    expect(unknownIssuer).toEqual([]);
    expect(unknownId).toBeUndefined();
    expect(src.loads).toBe(1);
  });

  it('reloads after the TTL and sees changes', async () => {
    const src = source([brand('a')]);
    const clock = { now: 0 };
    const dir = directory(src, clock);
    await dir.getBrand('a');
    src.brands = [brand('a'), brand('new')];
    clock.now += 60_000;
    expect((await dir.getBrand('new'))?.brandId).toBe('new');
    expect(src.loads).toBe(2);
  });

  it('shares one load between concurrent misses', async () => {
    // Arrange
    const src = source([brand('a')]);
    let release = () => {};
    src.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const dir = directory(src, { now: 0 });

    // Act
    const lookups = Array.from({ length: 50 }, (_, i) => (i % 2 ? dir.getBrand('a') : dir.findByIssuer('x')));
    release();
    await Promise.all(lookups);

    // Assert
    expect(src.loads).toBe(1);
  });

  it('serves the last good index while refreshes fail within the stale window', async () => {
    // Arrange
    const errors: boolean[] = [];
    const src = source([brand('a')]);
    const clock = { now: 0 };
    const dir = directory(src, clock, { onRefreshError: (_: unknown, stale: boolean) => errors.push(stale) });
    await dir.getBrand('a');
    src.fail = true;

    // Act
    clock.now = 60_000 + 299_000;
    const stale = await dir.getBrand('a');

    // Assert
    expect(stale?.brandId).toBe('a');
    expect(errors).toEqual([true]);
  });

  it('does not retry a failed refresh on every request', async () => {
    const src = source([brand('a')]);
    const clock = { now: 0 };
    const dir = directory(src, clock);
    await dir.getBrand('a');
    src.fail = true;
    clock.now = 61_000;
    for (let i = 0; i < 20; i++) await dir.getBrand('a');
    expect(src.loads).toBe(2);
    clock.now += 5_000;
    await dir.getBrand('a');
    expect(src.loads).toBe(3);
  });

  it('fails closed with 503 CONFIG_UNAVAILABLE once the stale window is over', async () => {
    // Arrange
    const src = source([brand('a')]);
    const clock = { now: 0 };
    const dir = directory(src, clock);
    await dir.getBrand('a');
    src.fail = true;

    // Act
    clock.now = 60_000 + 300_000;
    const failure = await dir.getBrand('a').catch((error: unknown) => error);

    // Assert
    expect(failure).toBeInstanceOf(GatewayError);
    expect(failure).toMatchObject({ status: 503, code: 'CONFIG_UNAVAILABLE' });
  });

  it('fails closed at once when the first load fails, and recovers when the source does', async () => {
    const src = source([brand('a')]);
    src.fail = true;
    const clock = { now: 0 };
    const dir = directory(src, clock);
    await expect(dir.findByIssuer('https://ciam.example.com')).rejects.toMatchObject({ code: 'CONFIG_UNAVAILABLE' });
    await expect(dir.getBrand('a')).rejects.toMatchObject({ status: 503 });
    src.fail = false;
    clock.now += 5_000;
    expect((await dir.getBrand('a'))?.brandId).toBe('a');
  });

  it('forgets everything on clear()', async () => {
    const src = source([brand('a')]);
    const dir = directory(src, { now: 0 });
    await dir.getBrand('a');
    dir.clear();
    await dir.getBrand('a');
    expect(src.loads).toBe(2);
    expect((await dir.listBrands()).map((b) => b.brandId)).toEqual(['a']);
  });
});

/** A per-key source: counts Query-like, GetItem-like and Scan-like loads separately. */
function keyedSource(initial: BrandConfig[]) {
  const state = {
    brands: initial,
    byIssuer: 0,
    byId: 0,
    scans: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const options = {
    loadBrands: async () => {
      state.scans++;
      return state.brands;
    },
    loadByIssuer: async (issuer: string) => {
      state.byIssuer++;
      if (state.gate) await state.gate;
      return state.brands.filter((b) => b.issuer === issuer);
    },
    loadById: async (id: string) => {
      state.byId++;
      return state.brands.find((b) => b.brandId === id);
    },
  };
  return { state, options };
}

/** A directory over per-key loaders (TTL 60 s, stale window 300 s) on a clock the test moves. */
function clockedDirectory(options: ReturnType<typeof keyedSource>['options']) {
  const clock = { now: 0 };
  const dir = new CachedBrandDirectory({ ...options, ttlSeconds: 60, staleIfErrorSeconds: 300, now: () => clock.now });
  return { dir, clock };
}

describe('CachedBrandDirectory with per-key loaders', () => {
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it('answers a cold issuer lookup with one per-issuer read (single-flight) and no full load', async () => {
    // Arrange
    const src = keyedSource([brand('a'), brand('b', 'https://other.example.com')]);
    let release = () => {};
    src.state.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const dir = new CachedBrandDirectory({ ...src.options, ttlSeconds: 60, staleIfErrorSeconds: 300, now: () => 0 });

    // Act
    const lookups = Array.from({ length: 20 }, () => dir.findByIssuer('https://ciam.example.com'));
    release();
    const results = await Promise.all(lookups);
    const byId = await dir.getBrand('a');
    await flush();

    // Assert
    expect(results.every((r) => r.length === 1 && r[0]?.brandId === 'a')).toBe(true);
    expect(byId).toBe(results[0]?.[0]);
    expect(src.state).toMatchObject({ byIssuer: 1, byId: 0, scans: 0 });
  });

  it('peeks only fresh, non-empty answers, each the one findByIssuer gives, with no read of its own', async () => {
    const issuer = 'https://ciam.example.com';
    const src = keyedSource([brand('a')]);
    const { dir, clock } = clockedDirectory(src.options);

    expect(dir.peekByIssuer(issuer)).toBeUndefined(); // cold: ask findByIssuer
    const found = await dir.findByIssuer(issuer);
    expect(dir.peekByIssuer(issuer)).toBe(found);
    expect(await dir.findByIssuer('https://unknown.example.com')).toEqual([]);
    expect(dir.peekByIssuer('https://unknown.example.com')).toBeUndefined(); // empty: findByIssuer decides
    clock.now = 60_000;
    expect(dir.peekByIssuer(issuer)).toBeUndefined(); // past the TTL: findByIssuer reloads
    // Two issuer reads and the one background index load the unknown issuer started; none by a peek.
    expect(src.state).toMatchObject({ byIssuer: 2, scans: 1 });

    // In full-index mode the fresh index answers.
    const full = new CachedBrandDirectory({
      loadBrands: src.options.loadBrands,
      ttlSeconds: 60,
      staleIfErrorSeconds: 300,
      now: () => 0,
    });
    expect(full.peekByIssuer(issuer)).toBeUndefined();
    const indexed = await full.findByIssuer(issuer);
    expect(full.peekByIssuer(issuer)).toBe(indexed);
  });

  it('keeps the answer of a read in flight across clear() out of the cleared maps', async () => {
    const src = keyedSource([brand('a')]);
    let release = () => {};
    src.state.gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { dir } = clockedDirectory(src.options);
    const pending = dir.findByIssuer('https://ciam.example.com');
    dir.clear();
    release();
    await pending; // answered version 1
    src.state.gate = undefined;
    src.state.brands = [{ ...brand('a'), version: 2 }];
    // The id lookup after clear() reads the table (version 2), not the pre-clear read's answer (version 1).
    expect((await dir.getBrand('a'))?.version).toBe(2);
  });

  it('sees a disabled or changed brand once the TTL has passed', async () => {
    const src = keyedSource([brand('a')]);
    const { dir, clock } = clockedDirectory(src.options);
    expect((await dir.findByIssuer('https://ciam.example.com'))[0]?.status).toBe('active');
    src.state.brands = [{ ...brand('a'), status: 'disabled', version: 2 }];
    clock.now = 59_999;
    expect((await dir.findByIssuer('https://ciam.example.com'))[0]?.status).toBe('active');
    expect((await dir.getBrand('a'))?.version).toBe(1);
    clock.now = 60_000;
    expect((await dir.findByIssuer('https://ciam.example.com'))[0]?.status).toBe('disabled');
    expect((await dir.getBrand('a'))?.version).toBe(2);
    expect(src.state).toMatchObject({ byIssuer: 2, scans: 0 });
  });

  it('loads the full index in the background after an unknown issuer or id, and answers from it while fresh', async () => {
    // Arrange
    const src = keyedSource([brand('a')]);
    const { dir, clock } = clockedDirectory(src.options);

    // Act
    const unknown = await dir.findByIssuer('https://attacker.example');
    const scansRightAfter = src.state.scans;
    await flush();
    for (let i = 0; i < 100; i++) await dir.findByIssuer(`https://attacker-${i}.example`);
    const known = await dir.getBrand('a');
    const unknownId = await dir.getBrand('nope');
    await flush();
    clock.now = 60_000;
    await dir.getBrand('nope');
    await flush();

    // Assert
    expect(unknown).toEqual([]);
    expect(scansRightAfter).toBe(1); // started, not awaited: the lookup answered before it finished
    expect(known?.brandId).toBe('a');
    expect(unknownId).toBeUndefined();
    // One Query for the first unknown issuer; the index answered the rest until it expired, then one GetItem
    // for the expired unknown id started the next background scan.
    expect(src.state).toMatchObject({ byIssuer: 1, byId: 1, scans: 2 });
  });

  it('keeps at most maxCachedKeys per-key answers', async () => {
    const src = keyedSource([]);
    src.options.loadBrands = async () => {
      src.state.scans++;
      throw new Error('scan throttled'); // no index: every unknown issuer stays a per-key answer
    };
    const dir = new CachedBrandDirectory({
      ...src.options,
      ttlSeconds: 60,
      staleIfErrorSeconds: 300,
      maxCachedKeys: 10,
      now: () => 0,
    });
    for (let i = 0; i < 30; i++) await dir.findByIssuer(`https://x-${i}.example`);
    await dir.findByIssuer('https://x-29.example');
    await dir.findByIssuer('https://x-0.example');
    expect(src.state.byIssuer).toBe(31); // x-29 still cached, x-0 dropped and read again
  });
});
