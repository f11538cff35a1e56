// The brand doctor against real peers (issue 24 item 1): the Capillary simulator in every reading it offers today
// (cuid lookup documented or permissive, known, unknown or unchecked account ids, business errors with HTTP 200 or
// 500, the org's extended fields, a member's OAUTH_EXTERNAL profile and custom fields, a merged-away customer, an
// identifier several customers hold, credentials refused, short-lived tokens) and a loopback CIAM's discovery and
// JWKS. Each probe must tell the readings apart and say what the brand should set.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimReadings, simReadingDefaults } from '../../local/capillary-sim/readings.js';
import {
  type CapillarySimulator,
  type SimOrgConfig,
  startCapillarySimulator,
} from '../../local/capillary-simulator.js';
import { CapillaryClients } from '../../shared/capillary/capillary-client.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { InMemoryLinkStore } from '../../shared/customer/link-store.js';
import { CiamClaimSource } from '../../shared/customer/claim-source.js';
import type { DoctorCheck } from '../../shared/golive/doctor-report.js';
import { type DoctorOptions, type DoctorReport, runDoctor } from '../../shared/golive/doctor.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { type FakeCiam, startFakeCiam } from '../support/brand-admin-harness.js';
import { makeBrand } from '../support/jwt.js';

const CREDENTIALS = { key: 'doc-key', secret: 'doc-secret' };
let sim: CapillarySimulator;
let ciam: FakeCiam;

beforeAll(async () => {
  sim = await startCapillarySimulator({ clients: [CREDENTIALS] });
  ciam = await startFakeCiam();
});
afterAll(async () => {
  await sim?.close();
  await ciam?.close();
});
afterEach(() => {
  sim.reset();
  sim.configure({
    ...(simReadingDefaults() as Partial<SimOrgConfig>),
    sourceAccounts: {},
    businessErrorHttp500Share: 0,
  });
});

function brandOf(overrides: Record<string, unknown> = {}, capillary: Record<string, unknown> = {}): BrandConfig {
  return makeBrand({
    brandId: 'doc',
    issuer: ciam.issuer,
    jwksUri: ciam.jwksUri,
    userInfoEndpoint: ciam.userInfoEndpoint,
    allowedAlgorithms: ['ES256'],
    capillary: {
      baseUrl: sim.baseUrl,
      sourceAccountId: 'doc-oauth',
      credentialsParameter: '/ciam-gateway/test/brands/doc/capillary',
      extendedFields: [
        { name: 'city', type: 'string' },
        { name: 'vip', type: 'boolean' },
      ],
      ...capillary,
    },
    ...overrides,
  } as never);
}

async function doctor(brand: BrandConfig, options: DoctorOptions = {}, credentials = CREDENTIALS) {
  return runDoctor(brand.brandId, options, {
    brand: async (id) => (id === brand.brandId ? brand : undefined),
    diagnosis: {
      brandDirectory: new InMemoryBrandDirectory([brand]),
      revocationChecker: NeverRevoked,
      now: Date.now,
      jwks: { fetch: (input, init) => globalThis.fetch(input, init), now: Date.now },
    },
    links: new InMemoryLinkStore(),
    claims: new CiamClaimSource(),
    capillary: new CapillaryClients({ secrets: { getSecret: async () => JSON.stringify(credentials) } }),
    remote: { fetch: (input, init) => globalThis.fetch(input, init), timeoutMs: 2_000 },
    now: Date.now,
  });
}

function probe(report: DoctorReport, id: string): DoctorCheck {
  const found = [...report.ciam, ...report.capillary].find((item) => item.id === id);
  if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report)}`);
  return found;
}

describe('the CIAM checks', () => {
  it('compares discovery with the brand, says whether back-channel logout reaches the gateway, and judges each key', async () => {
    // Arrange: a discovery document that disagrees on the JWKS and lists back-channel logout
    ciam.discovery.body = {
      issuer: ciam.issuer,
      jwks_uri: `${ciam.issuer}/other-jwks`,
      userinfo_endpoint: ciam.userInfoEndpoint,
      backchannel_logout_supported: true,
      id_token_signing_alg_values_supported: ['RS256'],
      claims_supported: ['sub', 'given_name', 'email'],
    };
    ciam.jwks.body = {
      keys: [...(ciam.jwks.body as { keys: unknown[] }).keys.slice(0, 1), { kty: 'oct', kid: 'hmac', k: 'c2VjcmV0' }],
    };

    // Act
    const report = await doctor(brandOf());

    // Assert
    expect(probe(report, 'discovery')).toMatchObject({ status: 'fail' });
    expect(probe(report, 'discovery').summary).toContain('jwksUri does not match');
    expect(probe(report, 'algorithms')).toMatchObject({ status: 'warn' });
    expect(probe(report, 'backchannel-logout')).toMatchObject({ status: 'pass' });
    expect(probe(report, 'backchannel-logout').summary).toContain('/v1/auth/backchannel-logout/doc');
    expect(probe(report, 'claims-supported').summary).toContain('family_name (lastName)');
    expect(probe(report, 'jwks')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('1 of 2 keys usable'),
    });
    expect(probe(report, 'jwks').evidence).toEqual([
      'key "key-1": usable for ES256',
      'key "hmac" has key type oct; only RSA, EC and OKP (Ed25519) verify signatures here',
    ]);
    expect(report.notRun.map((item) => item.id)).toEqual(
      expect.arrayContaining(['token', 'claims', 'first-session', 'oauth-profile', 'custom-fields']),
    );
    // A reading only an option tells is a warn with the question to ask, not a gap.
    expect(probe(report, 'merged-customer')).toMatchObject({
      status: 'warn',
      summary: 'not probed: needs --probe-merged <id>',
      action: expect.stringContaining('ask Capillary: does a get of a merged-away customer id answer error 8069'),
    });
  });

  it('warns when the CIAM does not advertise back-channel logout', async () => {
    ciam.discovery.body = { issuer: ciam.issuer, jwks_uri: ciam.jwksUri, userinfo_endpoint: ciam.userInfoEndpoint };
    const report = await doctor(brandOf());
    expect(probe(report, 'discovery').status).toBe('pass');
    expect(probe(report, 'backchannel-logout')).toMatchObject({ status: 'warn' });
    expect(probe(report, 'backchannel-logout').action).toContain('POST /v1/auth/logout');
  });
});

describe('the cuid lookup probe tells each reading of the org apart', () => {
  it.each([
    // [simulator cuidLookup, known OAUTH_EXTERNAL accounts, brand cuidLookup, status, reading]
    ['documented', undefined, 'auto', 'pass', 'cuid lookup refused (documented'],
    ['documented', undefined, 'lookup', 'fail', 'cuid lookup refused'],
    [
      'documented',
      ['doc-oauth'],
      'profiles',
      'pass',
      'the org checks account ids (a wrong one answers 8011) and knows doc-oauth',
    ],
    ['permissive', undefined, 'auto', 'warn', 'the org does not check account ids on lookups'],
    ['permissive', ['doc-oauth'], 'auto', 'pass', 'cuid lookup answered (permissive); the org checks account ids'],
    ['permissive', ['doc-oauth'], 'profiles', 'warn', 'cuid lookup answered (permissive)'],
    ['permissive', ['another-account'], 'auto', 'fail', 'account id unknown to the org'],
    ['documented', ['another-account'], 'auto', 'fail', 'account id unknown to the org'],
  ] as const)('org %s, accounts %j, brand %s: %s', async (cuidLookup, accounts, setting, status, reading) => {
    // Arrange
    sim.configure({ cuidLookup, sourceAccounts: accounts ? { OAUTH_EXTERNAL: [...accounts] } : {} });

    // Act
    const found = probe(await doctor(brandOf({}, { cuidLookup: setting })), 'cuid-lookup');

    // Assert
    expect(found.status).toBe(status);
    expect(found.reading).toContain(reading);
    expect(found.evidence).toHaveLength(3);
    if (status !== 'pass') expect(found.action?.length).toBeGreaterThan(10);
    // Read-only: three lookups, nothing written.
    expect(sim.calls.filter((call) => call.method !== 'GET' && call.path !== '/v3/oauth/token/generate')).toEqual([]);
  });
  it('reads a permissive org that says "not found" per source (8065) as answering the cuid lookup', async () => {
    sim.configure({
      cuidLookup: 'permissive',
      notFoundCodes: 'per-source',
      sourceAccounts: { OAUTH_EXTERNAL: ['doc-oauth'] },
    });
    const found = probe(await doctor(brandOf({}, { cuidLookup: 'auto' })), 'cuid-lookup');
    expect(found).toMatchObject({
      status: 'pass',
      reading: expect.stringContaining('cuid lookup answered (permissive)'),
    });
    expect(found.summary).toContain('answered (8065, not found)');
  });
});

describe('the other org probes', () => {
  it('reads the HTTP status the org pairs with 8015 (200 or 500)', async () => {
    const plain = probe(await doctor(brandOf()), 'not-found-status');
    sim.configure({ businessErrorHttp500Share: 1 });
    const with500 = probe(await doctor(brandOf()), 'not-found-status');
    expect([plain.status, plain.reading]).toEqual(['pass', expect.stringContaining('HTTP 200')]);
    expect([with500.status, with500.reading]).toEqual(['pass', expect.stringContaining('HTTP 500')]);
  });

  it('reads dual eligibility off, both mobile forms accepted on lookups, and the request id header', async () => {
    const report = await doctor(brandOf());
    expect(probe(report, 'dual-eligibility')).toMatchObject({
      status: 'pass',
      reading: expect.stringContaining('off'),
    });
    expect(probe(report, 'mobile-format')).toMatchObject({
      status: 'pass',
      reading: 'with the country code: accepted; without: accepted',
    });
    expect(probe(report, 'request-id')).toMatchObject({ status: 'pass' });
  });

  it("compares the org's extended fields with the brand's: missing, mistyped, matching", async () => {
    const matching = probe(await doctor(brandOf()), 'extended-fields');
    const missing = probe(
      await doctor(brandOf({}, { extendedFields: [{ name: 'favourite_colour', type: 'string' }] })),
      'extended-fields',
    );
    const mistyped = probe(
      await doctor(brandOf({}, { extendedFields: [{ name: 'vip', type: 'string' }] })),
      'extended-fields',
    );
    expect(matching).toMatchObject({
      status: 'pass',
      reading: expect.stringContaining('does not list gender, dob_date'),
    });
    expect(missing).toMatchObject({ status: 'fail', summary: 'the org has no extended field favourite_colour' });
    expect(mistyped).toMatchObject({ status: 'warn', summary: 'types differ: vip (string here, boolean at the org)' });
  });

  it("reads a member's OAUTH_EXTERNAL profile (none, the brand's account, another account), custom fields and primary identifier", async () => {
    // Arrange
    const instore = sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'email', value: 'ann@example.com' },
            { type: 'mobile', value: '447700900001' },
          ],
          fields: { gender: 'F', loyalty_tier_code: 'G' },
        },
      ],
    });
    const ours = sim.seedCustomer({
      profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'doc-oauth', identifiers: [{ type: 'cuid', value: 'u-1' }] }],
    });
    const theirs = sim.seedCustomer({
      profiles: [
        { source: 'OAUTH_EXTERNAL', accountId: 'intouch-account', identifiers: [{ type: 'cuid', value: 'u-2' }] },
      ],
    });
    const brand = brandOf({}, { customFields: [{ name: 'gender', type: 'string' }] });

    // Act
    const none = await doctor(brand, { probeCustomer: instore.id });
    const match = probe(await doctor(brand, { probeCustomer: ours.id }), 'oauth-profile');
    const other = probe(await doctor(brand, { probeCustomer: theirs.id }), 'oauth-profile');

    // Assert
    expect(probe(none, 'oauth-profile')).toMatchObject({
      status: 'pass',
      reading: expect.stringContaining('has not written'),
    });
    expect(match).toMatchObject({ status: 'pass', reading: "the OAUTH_EXTERNAL account is the brand's (doc-oauth)" });
    expect(other).toMatchObject({ status: 'warn', reading: expect.stringContaining('intouch-account, not the brand') });
    expect(probe(none, 'custom-fields')).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('loyalty_tier_code'),
    });
    expect(probe(none, 'primary-identifier')).toMatchObject({
      status: 'pass',
      reading: 'no primary-only lookups: each identifier finds its customer',
    });
    expect(sim.customers()).toHaveLength(3);
  });

  it('reads a merged-away customer (8069) and an identifier several customers hold (one answered)', async () => {
    // Arrange
    const survivor = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 's@x.example' }] }],
    });
    const merged = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'm@x.example' }] }],
    });
    sim.mergeCustomers(survivor.id, merged.id);
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'twin@x.example' }] }] });
    sim.seedCustomer({
      profiles: [{ source: 'FACEBOOK', accountId: 'fb', identifiers: [{ type: 'email', value: 'twin@x.example' }] }],
    });

    // Act
    const report = await doctor(brandOf(), {
      probeMerged: merged.id,
      probeIdentifier: { type: 'email', value: 'twin@x.example' },
    });

    // Assert
    expect(probe(report, 'merged-customer')).toMatchObject({
      status: 'pass',
      reading: expect.stringContaining('error 8069'),
    });
    expect(probe(report, 'several-holders')).toMatchObject({
      status: 'warn',
      reading: expect.stringContaining('which one source=ALL answers is unknown'),
      action: expect.stringContaining('ask Capillary'),
    });
    expect(probe(report, 'several-holders').evidence?.[0]).toContain('tw***@x.example');
  });

  it('fails the token probe on refused credentials and runs no other probe; warns about short-lived tokens', async () => {
    const refused = await doctor(brandOf(), {}, { key: 'doc-key', secret: 'wrong' });
    expect(probe(refused, 'token')).toMatchObject({
      status: 'fail',
      action: expect.stringContaining('secrets.capillary'),
    });
    expect(refused.capillary.map((item) => item.id)).toEqual(['token']);
    expect(refused.notRun.filter((item) => item.why.startsWith('no Capillary token')).map((item) => item.id)).toContain(
      'cuid-lookup',
    );

    const shortLived = await startCapillarySimulator({ clients: [CREDENTIALS], tokenTtlSeconds: 120 });
    try {
      const report = await doctor(brandOf({}, { baseUrl: shortLived.baseUrl }));
      expect(probe(report, 'token')).toMatchObject({ status: 'warn', reading: expect.stringContaining('120 s') });
    } finally {
      await shortLived.close();
    }
  });

  it('answers 404 BRAND_NOT_FOUND for an unknown brand', async () => {
    await expect(
      runDoctor('nope', {}, { brand: async () => undefined } as unknown as Parameters<typeof runDoctor>[2]),
    ).rejects.toMatchObject({ status: 404, code: 'BRAND_NOT_FOUND' });
  });
});

describe('the doctor tells each simulator reading apart', () => {
  type Setup = (value: string | boolean) => DoctorOptions;
  interface ReadingProbe {
    probe: string;
    /** Seeds what the probe needs and returns the doctor's options. */
    setup?: Setup;
    /** A reading no read-only probe can tell: the check is the same in every value, a warn with the question. */
    indistinguishable?: true;
  }
  const seedIdentifierHolders: Setup = () => {
    // Three holders of one e-mail: FACEBOOK (oldest), INSTORE, FACEBOOK on another account (newest).
    const email = { type: 'email', value: 'shared@x.example' };
    sim.seedCustomer({ profiles: [{ source: 'FACEBOOK', accountId: 'fb-1', identifiers: [email] }] });
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [email] }] });
    sim.seedCustomer({ profiles: [{ source: 'FACEBOOK', accountId: 'fb-2', identifiers: [email] }] });
    return { probeIdentifier: { type: 'email', value: email.value } };
  };
  const seedMember: Setup = () => {
    const member = sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'mobile', value: '447700900123' },
            { type: 'email', value: 'member@x.example' },
            { type: 'externalId', value: 'ext-123' },
          ],
        },
      ],
    });
    return { probeCustomer: member.id };
  };
  // Every switch of the simulator (local/capillary-sim/readings.ts) and the probe that answers it.
  const probes: Record<(typeof SimReadings)[number]['key'], ReadingProbe> = {
    cuidLookup: { probe: 'cuid-lookup' },
    mergedCustomer: {
      probe: 'merged-customer',
      setup: () => {
        const survivor = sim.seedCustomer({
          profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 's@x.example' }] }],
        });
        const merged = sim.seedCustomer({
          profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'm@x.example' }] }],
        });
        sim.mergeCustomers(survivor.id, merged.id);
        return { probeMerged: merged.id };
      },
    },
    dualEligibility: { probe: 'dual-eligibility' },
    primaryIdentifier: {
      probe: 'primary-identifier',
      // The primary identifier changes lookups with dual eligibility only.
      setup: (value) => {
        sim.configure({ dualEligibility: true, primaryIdentifier: value as SimOrgConfig['primaryIdentifier'] });
        return seedMember(value);
      },
    },
    allSourceMatch: { probe: 'several-holders', setup: seedIdentifierHolders },
    notFoundCodes: { probe: 'not-found-codes' },
    unknownAccountWrites: { probe: 'unknown-account-writes', indistinguishable: true },
    expiredTokenAnswer: { probe: 'expired-token' },
    throttleAnswer: { probe: 'throttle-answer', indistinguishable: true },
    mobileMatch: {
      probe: 'mobile-match',
      setup: (value) => {
        sim.configure({ baseCountry: 'GB', nationalMobileLength: 10 });
        return seedMember(value);
      },
    },
    piiDeletedAnswer: { probe: 'pii-deleted', indistinguishable: true },
  };

  it.each(SimReadings.map((reading) => [reading.key, reading.values] as const))('%s: %j', async (key, values) => {
    const { probe: id, setup, indistinguishable } = probes[key];
    const seen: DoctorCheck[] = [];
    for (const value of values) {
      // Arrange: the simulator in this reading (every other one at its default)
      sim.reset();
      sim.configure({ ...(simReadingDefaults() as Partial<SimOrgConfig>), [key]: value });
      const options = setup?.(value) ?? {};

      // Act
      const report = await doctor(brandOf(), options);

      // Assert: read-only, and the probe names a reading
      expect(sim.calls.filter((call) => call.method !== 'GET' && call.path !== '/v3/oauth/token/generate')).toEqual([]);
      const found = probe(report, id);
      expect(found.reading, `${key}=${value}`).toBeTruthy();
      seen.push(found);
    }
    if (indistinguishable) {
      // The same check in every reading: a warn that names the question to ask Capillary.
      expect(new Set(seen.map((found) => JSON.stringify({ ...found, evidence: undefined }))).size).toBe(1);
      expect(seen[0]).toMatchObject({ status: 'warn', action: expect.stringContaining('ask Capillary') });
    } else {
      // A different reading in every value of the switch.
      const readings = seen.map((found) => found.reading);
      expect(new Set(readings).size, JSON.stringify(readings)).toBe(values.length);
    }
  });

  it('names the readings it tells: merged, primary identifier, several holders, not-found codes, expired tokens, mobiles', async () => {
    const readingOf = async (config: Partial<SimOrgConfig>, id: string, setup?: () => DoctorOptions) => {
      sim.reset();
      sim.configure({ ...(simReadingDefaults() as Partial<SimOrgConfig>), ...config });
      return probe(await doctor(brandOf(), setup?.() ?? {}), id).reading;
    };
    const merged = probes.mergedCustomer.setup as () => DoctorOptions;
    expect(await readingOf({ mergedCustomer: 'warning' }, 'merged-customer', merged)).toContain('with warning 8069');
    expect(await readingOf({ mergedCustomer: 'silent' }, 'merged-customer', merged)).toContain('silently');
    expect(await readingOf({ allSourceMatch: 'first' }, 'several-holders', () => seedIdentifierHolders(''))).toBe(
      'several holders: source=ALL answers the oldest',
    );
    expect(await readingOf({ allSourceMatch: 'last' }, 'several-holders', () => seedIdentifierHolders(''))).toBe(
      'several holders: source=ALL answers the newest',
    );
    expect(await readingOf({ notFoundCodes: 'per-source' }, 'not-found-codes')).toContain(
      'per-source: 8065 for a one-source lookup, 816 for an unknown id',
    );
    expect(await readingOf({ expiredTokenAnswer: 'envelope401' }, 'expired-token')).toContain(
      'code 401 inside HTTP 500',
    );
    expect(
      await readingOf({ dualEligibility: true, primaryIdentifier: 'email' }, 'primary-identifier', () =>
        seedMember(''),
      ),
    ).toBe('primary identifier: email; a lookup by mobile, externalId alone answers 8015');
    sim.configure({ baseCountry: 'GB', nationalMobileLength: 10 });
    expect(
      await readingOf(
        { mobileMatch: 'base-country', baseCountry: 'GB', nationalMobileLength: 10 },
        'mobile-match',
        () => seedMember(''),
      ),
    ).toContain('completed with the org');
  });

  it('compares dual eligibility and the primary identifier with the brand settings', async () => {
    sim.configure({ dualEligibility: true, primaryIdentifier: 'email' });
    const options = seedMember('');
    const unset = await doctor(brandOf(), options);
    const set = await doctor(brandOf({}, { dualEligibility: true, primaryIdentifier: 'email' }), options);
    expect(probe(unset, 'dual-eligibility')).toMatchObject({
      status: 'fail',
      action: expect.stringContaining('dualEligibility to true'),
    });
    expect(probe(unset, 'primary-identifier')).toMatchObject({
      status: 'fail',
      action: 'set capillary.primaryIdentifier to email (it is mobile)',
    });
    expect(probe(set, 'dual-eligibility').status).toBe('pass');
    expect(probe(set, 'primary-identifier').status).toBe('pass');
    // Without a known customer, a dual-eligibility org's primary identifier is a question for Capillary.
    expect(probe(await doctor(brandOf({}, { dualEligibility: true })), 'primary-identifier')).toMatchObject({
      status: 'warn',
      action: expect.stringContaining('ask Capillary'),
    });
  });
});
