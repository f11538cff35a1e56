// The simulator's readings of what Capillary's reference leaves open (local/capillary-sim/readings.ts), each
// switch over plain HTTP: what a merged id, a secondary identifier, several holders, an unknown account, an
// expired token, throttling, a national mobile and an erased customer answer in every reading.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CapillarySimulator,
  type SimOrgConfig,
  simReadingDefaults,
  startCapillarySimulator,
} from '../../local/capillary-simulator.js';
import { simulatorToken } from '../support/simulator-http.js';

let sim: CapillarySimulator;
let token = '';
const initial: Partial<SimOrgConfig> = {
  ...simReadingDefaults(),
  rateLimits: {},
  baseCountry: 'IN',
  sourceAccounts: { OAUTH_EXTERNAL: ['acc'] },
};

async function call(method: string, path: string, body?: unknown, auth = token) {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: { 'X-CAP-API-OAUTH-TOKEN': auth, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const codes = (body: Record<string, unknown>) =>
  [...((body.errors as { code: number }[]) ?? []), ...((body.warnings as { code: number }[]) ?? [])].map((i) => i.code);

const lookup = (source: string, name: string, value: string, account = '') =>
  call(
    'GET',
    `/v2/customers/lookup?source=${source}${account ? `&accountId=${account}` : ''}&identifierName=${name}&identifierValue=${encodeURIComponent(value)}`,
  );

beforeAll(async () => {
  sim = await startCapillarySimulator({ clients: [{ key: 'k', secret: 's' }] });
  token = await simulatorToken(sim, 'k', 's');
});
beforeEach(() => {
  sim.reset();
  sim.configure(initial);
});
afterAll(() => sim.close());

describe('mergedCustomer (reference/status-codes-customer: 8069 error on the older page, warning on the current)', () => {
  it.each([
    ['error', 400, [8069], undefined],
    ['warning', 200, [8069], 'survivor'],
    ['silent', 200, [], 'survivor'],
  ] as const)('%s: a get of the merged id answers %i', async (reading, status, expected, data) => {
    sim.configure({ mergedCustomer: reading });
    const survivor = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '919800000001' }] }],
    });
    const merged = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'm@x.co' }] }],
    });
    sim.mergeCustomers(survivor.id, merged.id);
    const got = await call('GET', `/v2/customers/${merged.id}?source=ALL`);
    expect(got.status).toBe(status);
    expect(codes(got.body)).toEqual(expected);
    if (data) expect(got.body.id).toBe(survivor.id);
    // A write to the merged id lands on the survivor in the readings that answer with it.
    const put = await call('PUT', `/v2/customers/${merged.id}?source=INSTORE`, { profiles: [{ firstName: 'Sur' }] });
    expect(put.body.createdId ?? null).toBe(data ? survivor.id : null);
  });
});

describe('dualEligibility and primaryIdentifier (reference/get-customer-details, docs/setup_customer)', () => {
  it('answers 8015 to a lookup by a secondary identifier alone, and looks comma-separated pairs up by the primary', async () => {
    sim.configure({ dualEligibility: true, primaryIdentifier: 'mobile' });
    const member = sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'mobile', value: '919800000001' },
            { type: 'email', value: 'shared@x.co' },
          ],
        },
      ],
    });
    expect(codes((await lookup('ALL', 'email', 'shared@x.co')).body)).toEqual([8015]);
    expect((await lookup('ALL', 'mobile', '919800000001')).body.entity).toBe(member.id);
    expect((await lookup('ALL', 'email,mobile', 'shared@x.co,919800000001')).body.entity).toBe(member.id);
    // Customers may share a secondary identifier: a second one registers without merging or 8006.
    const other = await call('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'shared@x.co' }] }],
    });
    expect(other.body.createdId).not.toBe(member.id);
    sim.configure({ dualEligibility: false });
    expect(codes((await lookup('ALL', 'email,mobile', 'a@x.co,919800000001')).body)).toEqual([8013]);
  });
});

describe('allSourceMatch (several holders: which one source=ALL answers is undocumented)', () => {
  it.each([
    ['first', 0],
    ['last', 1],
  ] as const)('%s', async (reading, index) => {
    sim.configure({ allSourceMatch: reading });
    const holders = [
      sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'both@x.co' }] }] }),
      sim.seedCustomer({
        profiles: [
          { source: 'OAUTH_EXTERNAL', accountId: 'acc', identifiers: [{ type: 'email', value: 'both@x.co' }] },
        ],
      }),
    ];
    expect((await lookup('ALL', 'email', 'both@x.co')).body.entity).toBe(holders[index]?.id);
    expect((await lookup('INSTORE', 'email', 'both@x.co')).body.entity).toBe(holders[0]?.id);
  });
});

describe('notFoundCodes (8015; or 8065 for one source and 816 for an unknown id)', () => {
  it.each([
    ['uniform', [8015], [8015]],
    ['per-source', [8065], [816]],
  ] as const)('%s', async (reading, sourceCodes, idCodes) => {
    sim.configure({ notFoundCodes: reading });
    expect(codes((await lookup('INSTORE', 'email', 'nobody@x.co')).body)).toEqual(sourceCodes);
    expect(codes((await lookup('ALL', 'email', 'nobody@x.co')).body)).toEqual([8015]);
    expect(codes((await call('GET', '/v2/customers/999999?source=ALL')).body)).toEqual(idCodes);
  });
});

describe('unknownAccountWrites (8011 on lookups; 8127 or accepted on writes)', () => {
  it.each([
    ['refused', [8127]],
    ['accepted', [8107]],
  ] as const)('%s', async (reading, addCodes) => {
    sim.configure({ unknownAccountWrites: reading });
    expect(codes((await lookup('OAUTH_EXTERNAL', 'mobile', '919800000001', 'nope')).body)).toEqual([8011]);
    expect(codes((await lookup('OAUTH_EXTERNAL', 'mobile', '919800000001', 'acc')).body)).toEqual([8015]);
    const added = await call('POST', '/v2/customers', {
      profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'nope', identifiers: [{ type: 'cuid', value: 'u-1' }] }],
    });
    expect(codes(added.body)).toEqual(addCodes);
  });
});

describe('expiredTokenAnswer (reference/oauth; v2 status table "401 Authentication failed")', () => {
  it.each([
    ['http401', 401],
    ['envelope401', 500],
  ] as const)('%s: an expired token answers HTTP %i with code 401', async (reading, status) => {
    sim.configure({ expiredTokenAnswer: reading });
    const got = await call('GET', '/v2/customers/1?source=ALL', undefined, 'expired-token');
    expect(got.status).toBe(status);
    expect(codes(got.body)).toEqual([401]);
  });
});

describe('throttleAnswer (reference/rate-limits: per API and API key, the answer undocumented)', () => {
  it.each([
    ['retry-after', true],
    ['bare', false],
  ] as const)('%s', async (reading, hasHeader) => {
    sim.configure({ throttleAnswer: reading, rateLimits: { 'GET /v2/customers/lookup': 2 } });
    expect((await lookup('ALL', 'email', 'a@x.co')).status).toBe(200);
    expect((await lookup('ALL', 'email', 'a@x.co')).status).toBe(200);
    const throttled = await lookup('ALL', 'email', 'a@x.co');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.has('retry-after')).toBe(hasHeader);
    if (hasHeader) expect(Number(throttled.headers.get('retry-after'))).toBeGreaterThan(0);
    // Other APIs have their own limit.
    expect((await call('GET', '/v2/customers/1?source=ALL')).status).not.toBe(429);
  });
});

describe('mobileMatch (reference/v2-add-customer: digits with the country code; base country rules)', () => {
  it.each([
    ['as-sent', false],
    ['base-country', true],
  ] as const)('%s', async (reading, same) => {
    sim.configure({ mobileMatch: reading, baseCountry: 'IN' });
    const member = await call('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '919800000077' }] }],
    });
    const national = await lookup('ALL', 'mobile', '9800000077');
    expect(national.body.entity === member.body.createdId).toBe(same);
  });
});

describe('piiDeletedAnswer (reference/get-customer-details-v2, add-a-pii-deletion-request)', () => {
  it.each([
    ['message', 200, []],
    ['error', 400, [8015]],
  ] as const)('%s', async (reading, status, expected) => {
    sim.configure({ piiDeletedAnswer: reading });
    const added = await call('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'gone@x.co' }] }],
    });
    sim.deleteCustomerPii(Number(added.body.createdId));
    const got = await call('GET', `/v2/customers/${added.body.createdId}?source=ALL`);
    expect(got.status).toBe(status);
    expect(codes(got.body)).toEqual(expected);
    expect(JSON.stringify(got.body)).toContain('Customer is deleted after PII delete request');
    const again = await call('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'gone@x.co' }] }],
    });
    expect(codes(again.body)).toEqual([8026]);
  });
});
