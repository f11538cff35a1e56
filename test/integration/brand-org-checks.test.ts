// The save-time org checks of a brand (issue 22 item 4), warnings only: whether the Capillary org knows the
// brand's OAUTH_EXTERNAL account, asked with the brand's own credentials against the simulator configured with
// the org's Channel Configurations, and whether national mobile numbers can be read (phoneDefaultCountry).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import { checkSourceAccount } from '../../shared/config/brand-capillary-check.js';
import { parseBrandDocument } from '../../shared/config/brand-config.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';
import { type BrandAdminRig, brandBody, SSM_PREFIX, startBrandAdminRig } from '../support/brand-admin-harness.js';
import { createCapillaryCredentialCheck } from '../../shared/capillary/capillary-credentials.js';

let rig: BrandAdminRig;
let sim: CapillarySimulator;
let admin: BrandAdmin;
let n = 0;

beforeAll(async () => {
  rig = await startBrandAdminRig();
  sim = await startCapillarySimulator({
    clients: [{ key: 'cap-key', secret: 'cap-secret' }],
    sourceAccounts: { OAUTH_EXTERNAL: ['brand-account'] },
  });
  admin = new BrandAdmin({
    store: rig.store,
    links: rig.links,
    secretWriter: { putSecret: async () => undefined, deleteSecret: async () => undefined },
    secretReader: rig.secrets,
    audit: new InMemoryAuditLog(),
    ssmPrefix: SSM_PREFIX,
    httpTimeoutMs: 2_000,
    allowLoopbackUrls: true,
    orgChecks: true,
    capillaryCredentials: createCapillaryCredentialCheck({
      fetch: (input, init) => globalThis.fetch(input, init),
      timeoutMs: 2_000,
    }),
  });
});
afterAll(async () => {
  await sim.close();
  await rig.close();
});

function body(sourceAccountId: string, extra: Record<string, unknown> = {}) {
  const brandId = `org-check-${++n}`;
  return brandBody(rig.ciam, brandId, {
    capillary: { baseUrl: sim.baseUrl, sourceAccountId },
    secrets: { capillary: { key: 'cap-key', secret: 'cap-secret' } },
    phoneDefaultCountry: 'IN',
    ...extra,
  });
}

describe('the save-time org checks', () => {
  it('warn when the org does not know the OAUTH_EXTERNAL account, and say nothing when it does', async () => {
    const unknown = body('typo-account');
    const known = body('brand-account');
    const refused = await admin.validate(String(unknown.brandId), unknown);
    expect(refused.warnings).toEqual([
      expect.stringMatching(/"typo-account" is not an OAUTH_EXTERNAL account of the org/),
    ]);
    expect((await admin.validate(String(known.brandId), known)).warnings).toEqual([]);
    // Read-only: the probe only looked up.
    expect(sim.calls.every((call) => call.method === 'GET' || call.path.startsWith('/v3/'))).toBe(true);
  });

  it('say when the answers cannot tell (an org that checks no account), rather than guess', async () => {
    sim.configure({ sourceAccounts: {} });
    try {
      const any = body('whatever');
      expect((await admin.validate(String(any.brandId), any)).warnings).toEqual([
        expect.stringMatching(/could not be checked: the org accepts any OAUTH_EXTERNAL account id/),
      ]);
    } finally {
      sim.configure({ sourceAccounts: { OAUTH_EXTERNAL: ['brand-account'] } });
    }
  });

  it('warn when phoneDefaultCountry is not set, and refuse a country whose numbers cannot be read', async () => {
    const { phoneDefaultCountry: _country, ...without } = body('brand-account');
    expect((await admin.validate(String(without.brandId), without)).warnings).toEqual([
      expect.stringMatching(/phoneDefaultCountry is not set/),
    ]);
    const bad = body('brand-account', { phoneDefaultCountry: 'ZZ' });
    await expect(admin.validate(String(bad.brandId), bad)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'phoneDefaultCountry' }],
    });
  });

  it('never send the credentials to a cluster host that resolves to an internal address', async () => {
    const fetched: string[] = [];
    const { secrets: _secrets, ...fields } = body('brand-account');
    const document = parseBrandDocument({
      ...fields,
      capillary: {
        baseUrl: 'https://capillary.internal.test',
        sourceAccountId: 'brand-account',
        credentialsParameter: '/c/demo',
      },
    });
    const warnings = await checkSourceAccount(document, {
      fetch: async (url) => {
        fetched.push(String(url));
        throw new Error('no network');
      },
      secrets: new InMemorySecretSource({ '/c/demo': JSON.stringify({ key: 'cap-key', secret: 'cap-secret' }) }),
      timeoutMs: 1_000,
      resolveHost: async () => ['10.0.0.5'],
    });
    expect(fetched).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/not checked: capillary.internal.test does not resolve to a public/),
    ]);
  });
});
