// Saving cannot make a broken brand (issue 24 item 3): what `brand init` left as a placeholder is refused naming
// each field, and every validate and put obtains a Capillary token with the brand's credentials (those sent, else
// the stored ones) from a real peer, the Capillary simulator, inside and outside the local stack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { SsmSecretWriter } from '../../shared/adapters/ssm-secret-source.js';
import { createCapillaryCredentialCheck } from '../../shared/capillary/capillary-credentials.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import { findPlaceholders } from '../../shared/config/brand-placeholders.js';
import { GatewayError } from '../../shared/errors.js';
import { initBrand } from '../../tools/brand-init.js';
import { type BrandAdminRig, brandBody, SSM_PREFIX, startBrandAdminRig } from '../support/brand-admin-harness.js';

let rig: BrandAdminRig;
let sim: CapillarySimulator;
let admin: BrandAdmin;
const CREDENTIALS = { key: 'org-key', secret: 'org-secret' };

const realCheck = () =>
  createCapillaryCredentialCheck({ fetch: (input, init) => globalThis.fetch(input, init), timeoutMs: 2_000 });

beforeAll(async () => {
  rig = await startBrandAdminRig();
  sim = await startCapillarySimulator({ clients: [CREDENTIALS], tills: [{ tillId: 'till-1', password: 'pw' }] });
  admin = new BrandAdmin({
    store: rig.store,
    links: rig.links,
    secretWriter: new SsmSecretWriter({ ssm: rig.ssmClient }),
    secretReader: rig.secrets,
    capillaryCredentials: realCheck(),
    audit: rig.audit,
    ssmPrefix: SSM_PREFIX,
    httpTimeoutMs: 2_000,
    allowLoopbackUrls: true,
  });
});
afterAll(async () => {
  await sim?.close();
  await rig?.close();
});

/** A brand of the rig's fake CIAM wired to the simulator. */
function simBrand(id: string, overrides: Record<string, unknown> = {}) {
  return brandBody(rig.ciam, id, {
    capillary: { baseUrl: sim.baseUrl, sourceAccountId: 'src-1' },
    secrets: { capillary: { ...CREDENTIALS } },
    ...overrides,
  });
}

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string; fields: string[] }> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const refused = error as GatewayError;
  return { status: refused.status, code: refused.code, fields: (refused.details ?? []).map((d) => d.field) };
}

describe('placeholders of brand init', () => {
  it('finds every placeholder with its dotted path, in nested objects and lists', () => {
    expect(
      findPlaceholders({
        clientId: 'REPLACE_WITH_CIAM_CLIENT_ID',
        list: ['ok', 'x REPLACE_WITH_THING'],
        secrets: { capillary: { key: 'REPLACE_WITH_CAPILLARY_KEY' } },
        orgId: 7,
      }).map((issue) => [issue.field, issue.message]),
    ).toEqual([
      ['clientId', 'still holds the placeholder REPLACE_WITH_CIAM_CLIENT_ID that brand init wrote: put the real value'],
      ['list[1]', 'still holds the placeholder REPLACE_WITH_THING that brand init wrote: put the real value'],
      [
        'secrets.capillary.key',
        'still holds the placeholder REPLACE_WITH_CAPILLARY_KEY that brand init wrote: put the real value',
      ],
    ]);
  });

  it('a file fresh from brand init is refused by validate and put, each placeholder field named, nothing saved', async () => {
    // Arrange: init against a discovery document of a public issuer (nothing else given)
    const issuer = 'https://login.brand.example';
    const { brand } = await initBrand(
      { issuer, brandId: 'fresh' },
      async () => Response.json({ issuer, jwks_uri: `${issuer}/jwks` }),
      async () => ['93.184.215.14'],
    );
    const before = await rig.snapshot();

    // Act
    const validate = await refusal(admin.validate('fresh', brand));
    const put = await refusal(admin.put('fresh', brand, 'tester'));
    const offline = await refusal(Promise.resolve().then(() => admin.validateOffline('fresh', brand)));

    // Assert
    for (const result of [validate, put, offline]) {
      expect(result).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
      expect(result.fields).toEqual([
        'orgId',
        'applicationId',
        'clientId',
        'capillary.sourceAccountId',
        'secrets.capillary.key',
        'secrets.capillary.secret',
      ]);
    }
    expect(await rig.snapshot()).toEqual(before);
  });
});

describe('the Capillary token at save', () => {
  it('accepts the credentials Capillary issues a token for, and warns about short-lived tokens', async () => {
    // Act
    const result = await admin.put('cap-ok', simBrand('cap-ok'), 'tester');

    // Assert: a token was issued for the brand's own key
    expect(result.created).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(sim.tokensIssued()).toBeGreaterThan(0);
    const shortLived = await startCapillarySimulator({ clients: [CREDENTIALS], tokenTtlSeconds: 120 });
    try {
      const brand = simBrand('cap-short', { capillary: { baseUrl: shortLived.baseUrl, sourceAccountId: 's' } });
      expect((await admin.validate('cap-short', brand)).warnings).toEqual([
        'Capillary tokens of these credentials live 120 s: ask Capillary for a longer token expiry',
      ]);
    } finally {
      await shortLived.close();
    }
  });

  it('refuses a wrong key or secret at validate and put, naming secrets.capillary, and saves nothing', async () => {
    // Arrange
    const wrong = simBrand('cap-bad', { secrets: { capillary: { key: 'org-key', secret: 'not-it' } } });
    const before = await rig.snapshot();

    // Act
    const validate = await refusal(admin.validate('cap-bad', wrong));
    const put = await refusal(admin.put('cap-bad', wrong, 'tester'));

    // Assert
    for (const result of [validate, put]) {
      expect(result).toEqual({ status: 422, code: 'BRAND_VALIDATION_FAILED', fields: ['secrets.capillary'] });
    }
    expect(await rig.snapshot()).toEqual(before);
  });

  it('checks the stored credentials when a PUT brings none', async () => {
    // Arrange: saved with good credentials, then the org rotates them (the simulator no longer takes them)
    await admin.put('cap-rot', simBrand('cap-rot'), 'tester');
    const { version: _v, ...stored } = await admin.get('cap-rot');
    sim.revokeTokens();
    const rotated = await startCapillarySimulator({ clients: [{ key: 'org-key', secret: 'rotated' }] });

    try {
      // Act: an update without secrets, pointing at an org that no longer accepts them
      const update = { ...stored, version: 1, capillary: { ...stored.capillary, baseUrl: rotated.baseUrl } };
      const result = await refusal(admin.put('cap-rot', update, 'tester'));

      // Assert
      expect(result).toMatchObject({ status: 422, code: 'BRAND_VALIDATION_FAILED' });
      expect(result.fields).toEqual(['secrets.capillary (stored in capillary.credentialsParameter)']);
    } finally {
      await rotated.close();
    }
  });

  it('names capillary.baseUrl when nothing answers there, and basic-auth tills are checked with one lookup', async () => {
    // Act
    const down = await refusal(
      admin.validate(
        'cap-down',
        simBrand('cap-down', { capillary: { baseUrl: 'http://127.0.0.1:1', sourceAccountId: 's' } }),
      ),
    );
    const tillBrand = (password: string) =>
      simBrand('cap-till', {
        capillary: { baseUrl: sim.baseUrl, sourceAccountId: 's', authMode: 'basic' },
        secrets: { capillary: { tillId: 'till-1', password } },
      });
    const badTill = await refusal(admin.validate('cap-till', tillBrand('wrong')));
    const goodTill = await admin.validate('cap-till', tillBrand('pw'));

    // Assert
    expect(down).toEqual({ status: 422, code: 'BRAND_VALIDATION_FAILED', fields: ['capillary.baseUrl'] });
    expect(badTill).toEqual({ status: 422, code: 'BRAND_VALIDATION_FAILED', fields: ['secrets.capillary'] });
    expect(goodTill.valid).toBe(true);
    expect(sim.calls.some((call) => call.path === '/v2/customers/lookup' && call.status === 401)).toBe(true);
  });

  it('outside the local stack: the Capillary host is resolved first, then the token is obtained over https', async () => {
    // Arrange: public names resolved to public addresses; https fetches reach the loopback peers
    const peers: Record<string, string> = { 'ciam.public.test': rig.ciam.issuer, 'capillary.public.test': sim.baseUrl };
    const fetch = (input: string, init?: RequestInit) => {
      const url = new URL(input);
      const peer = peers[url.hostname];
      return globalThis.fetch(peer ? `${peer}${url.pathname}${url.search}` : input, init);
    };
    const strict = (addresses: Record<string, string[]>) =>
      new BrandAdmin({
        store: rig.store,
        secretWriter: { putSecret: async () => undefined, deleteSecret: async () => undefined },
        capillaryCredentials: createCapillaryCredentialCheck({ fetch, timeoutMs: 2_000 }),
        audit: rig.audit,
        ssmPrefix: SSM_PREFIX,
        allowLoopbackUrls: false,
        resolveHost: async (host) => addresses[host] ?? [],
        fetch,
      });
    const publicBrand = (secret: string) =>
      brandBody(rig.ciam, 'cap-aws', {
        issuer: 'https://ciam.public.test',
        jwksUri: 'https://ciam.public.test/jwks',
        userInfoEndpoint: 'https://ciam.public.test/me',
        capillary: { baseUrl: 'https://capillary.public.test', sourceAccountId: 's' },
        secrets: { capillary: { key: 'org-key', secret } },
      });
    rig.ciam.discovery.body = {
      issuer: 'https://ciam.public.test',
      jwks_uri: 'https://ciam.public.test/jwks',
      userinfo_endpoint: 'https://ciam.public.test/me',
    };
    // Global unicast addresses (TEST-NET ranges such as 203.0.113.0/24 are reserved, so refused).
    const publicAddresses = { 'ciam.public.test': ['93.184.215.14'], 'capillary.public.test': ['151.101.65.1'] };

    // Act
    const good = await strict(publicAddresses).validate('cap-aws', publicBrand('org-secret'));
    const wrong = await refusal(strict(publicAddresses).validate('cap-aws', publicBrand('nope')));
    const internal = await refusal(
      strict({ ...publicAddresses, 'capillary.public.test': ['10.0.0.8'] }).validate(
        'cap-aws',
        publicBrand('org-secret'),
      ),
    );

    // Assert
    expect(good.valid).toBe(true);
    expect(wrong).toEqual({ status: 422, code: 'BRAND_VALIDATION_FAILED', fields: ['secrets.capillary'] });
    expect(internal).toEqual({ status: 422, code: 'BRAND_VALIDATION_FAILED', fields: ['capillary.baseUrl'] });
  });
});
