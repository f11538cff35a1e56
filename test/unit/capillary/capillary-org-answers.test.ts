// The client against what a real org answers beyond the happy path (issue 22): merged customers in every form,
// every not-found code, the PII-deleted answer, throttling with Retry-After, the token refused in the body,
// lost answers of a changeIdentifier, the brand's own rate limit, and codes read per endpoint family.
import { describe, expect, it } from 'vitest';
import { CapillaryClients } from '../../../shared/capillary/capillary-client.js';
import { defineCodeFamily } from '../../../shared/capillary/capillary-codes.js';
import {
  CapillaryDeletedError,
  CapillaryIdentifierChangeError,
  CapillaryLookupRefusedError,
  CapillaryMergedError,
  CapillaryNotFoundError,
  CapillaryRateLimitedError,
  CapillaryRejectedError,
  CapillaryUnavailableError,
} from '../../../shared/capillary/capillary-errors.js';
import { InMemoryRateWindowStore, WindowRateLimiter } from '../../../shared/capillary/capillary-rate-limit.js';
import { InMemorySecretSource } from '../../../shared/config/secret-source.js';
import { ErrorCodes } from '../../../shared/errors.js';
import { makeBrand } from '../../support/jwt.js';
import { client, scriptedFetch, TOKEN } from '../../support/scripted-capillary.js';

const customer = (id: number, identifiers: { type: string; value: string }[] = []) => ({
  id,
  profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'acc', identifiers }],
  warnings: [],
});
const error = (code: number, message = 'no') => ({ warnings: [], errors: [{ status: false, code, message }] });
const lookup = { source: 'INSTORE', identifierName: 'email', identifierValue: 'a@b.co' } as const;

describe('merged customers (item 1)', () => {
  it('reports a get answered with another customer as merged, carrying the survivor, whatever the warnings', async () => {
    const c = client([TOKEN, { status: 200, body: customer(2002) }]);
    const merged = await c.api.getCustomer(1001).catch((e: unknown) => e);
    expect(merged).toBeInstanceOf(CapillaryMergedError);
    expect(merged).toMatchObject({ mergedId: 1001, survivor: { id: 2002 } });
  });

  it('reports the 8069 warning beside the data as merged, and 8069 as an error without a survivor', async () => {
    const warned = client([
      TOKEN,
      {
        status: 200,
        body: { ...customer(1001), warnings: [{ status: false, code: 8069, message: 'Merged customer found' }] },
      },
    ]);
    expect(await warned.api.getCustomer(1001).catch((e: unknown) => e)).toBeInstanceOf(CapillaryMergedError);
    const refused = client([TOKEN, { status: 400, body: error(8069) }]);
    const thrown = await refused.api.getCustomer(1001).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(CapillaryMergedError);
    expect((thrown as CapillaryMergedError).survivor).toBeUndefined();
  });
});

describe('every not-found answer is a not-found (item 7)', () => {
  it.each([8015, 8065, 816])('reads %i as not found: undefined from a lookup, not found from a get', async (code) => {
    const c = client([TOKEN, { status: 200, body: error(code) }, { status: 400, body: error(code) }]);
    expect(await c.api.lookupCustomerId(lookup)).toBeUndefined();
    const got = await c.api.getCustomer(7).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(CapillaryNotFoundError);
    expect(got).not.toBeInstanceOf(CapillaryMergedError);
  });

  it.each([
    ['a bare message', 200, { message: 'Customer is deleted after PII delete request' }],
    ['an errors[] item', 400, error(8015, 'Customer is deleted after PII delete request')],
    ['8026 on add', 400, error(8026, 'Same customer was deleted for PII feature, could not add')],
  ])('reads the PII-deleted answer as %s as 410 CUSTOMER_DELETED', async (_form, status, body) => {
    const c = client([TOKEN, { status, body }]);
    const got = await c.api.getCustomer(7).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(CapillaryDeletedError);
    expect(got).toMatchObject({ status: 410, code: ErrorCodes.CUSTOMER_DELETED });
  });
});

describe('throttling and tokens (item 5)', () => {
  it('waits what Retry-After says (plus jitter) before the next attempt', async () => {
    const c = client([
      TOKEN,
      { status: 429, body: error(429), headers: { 'retry-after': '2' } },
      { status: 200, body: { entity: 5, warnings: [] } },
    ]);
    expect(await c.api.lookupCustomerId(lookup)).toBe(5);
    // 2 s from Capillary, plus a jittered share (random 0.5) of the exponential step.
    expect(c.sleeps).toEqual([2_000 + 100]);
  });

  it('reads Retry-After given as an HTTP date', async () => {
    const c = client([
      TOKEN,
      { status: 429, body: error(429), headers: { 'retry-after': new Date(1_003_000).toUTCString() } },
      { status: 200, body: { entity: 5, warnings: [] } },
    ]);
    expect(await c.api.lookupCustomerId(lookup)).toBe(5);
    expect(c.sleeps[0]).toBeGreaterThanOrEqual(2_000);
  });

  it('answers 503 with Capillary Retry-After at once when the wait does not fit the time left: no calls back to back', async () => {
    const c = client([TOKEN, { status: 429, body: error(429), headers: { 'retry-after': '30' } }]);
    const budget = c.api.within({ remainingMs: () => 5_000 });
    const got = await budget.lookupCustomerId(lookup).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(CapillaryUnavailableError);
    expect(got).toMatchObject({ status: 503, retryAfterSeconds: 30 });
    expect(c.requests.filter((r) => r.url.pathname === '/v2/customers/lookup')).toHaveLength(1);
    expect(c.sleeps).toEqual([]);
  });

  it('waits on a 521 ("processing another request for the same customer") as on a 429', async () => {
    const c = client([
      TOKEN,
      { status: 200, body: error(521), headers: { 'retry-after': '1' } },
      { status: 200, body: { createdId: 5, warnings: [] } },
    ]);
    await c.api.updateCustomer(5, 'OAUTH_EXTERNAL', 'acc', { profiles: [{ source: 'OAUTH_EXTERNAL' }] });
    expect(c.sleeps[0]).toBeGreaterThanOrEqual(1_000);
  });

  it('renews the token when Capillary refuses it in the body (code 401 in an HTTP 500), not only on HTTP 401', async () => {
    const c = client([
      TOKEN,
      { status: 500, body: error(401, 'Authentication failed') },
      { status: 200, body: { data: { accessToken: 'tok-2', ttlSeconds: 300 }, errors: null } },
      { status: 200, body: { entity: 5, warnings: [] } },
    ]);
    expect(await c.api.lookupCustomerId(lookup)).toBe(5);
    expect(c.requests.map((r) => r.url.pathname)).toEqual([
      '/v3/oauth/token/generate',
      '/v2/customers/lookup',
      '/v3/oauth/token/generate',
      '/v2/customers/lookup',
    ]);
    expect(c.requests[3]?.headers['X-CAP-API-OAUTH-TOKEN']).toBe('tok-2');
  });

  it('keeps one token per brand connection in the container across re-saves of the brand', async () => {
    const scripted = scriptedFetch([
      TOKEN,
      { status: 200, body: { entity: 1, warnings: [] } },
      { status: 200, body: { entity: 1, warnings: [] } },
    ]);
    const clients = new CapillaryClients({
      fetch: scripted.fetch,
      secrets: new InMemorySecretSource({ '/cap/demo': JSON.stringify({ key: 'k', secret: 's' }) }),
    });
    const brand = makeBrand({
      capillary: {
        baseUrl: 'https://eu.api.capillarytech.test',
        sourceAccountId: 'acc',
        credentialsParameter: '/cap/demo',
      },
    });
    await clients.forBrand({ ...brand, revision: 'r1' }).lookupCustomerId(lookup);
    await clients.forBrand({ ...brand, revision: 'r2', brandName: 'Renamed' }).lookupCustomerId(lookup);
    expect(scripted.requests.filter((r) => r.url.pathname === '/v3/oauth/token/generate')).toHaveLength(1);
  });

  it('renews once when a wave of concurrent calls is refused together', async () => {
    const c = client([
      TOKEN,
      { status: 200, body: { entity: 1, warnings: [] } },
      { status: 401, body: error(401) },
      { status: 401, body: error(401) },
      { status: 200, body: { data: { accessToken: 'tok-2', ttlSeconds: 300 }, errors: null } },
      { status: 200, body: { entity: 1, warnings: [] } },
      { status: 200, body: { entity: 1, warnings: [] } },
    ]);
    await c.api.lookupCustomerId(lookup);
    // The token is cached now; two calls refused with it at once renew it once.
    const before = c.requests.length;
    expect(await Promise.all([c.api.lookupCustomerId(lookup), c.api.lookupCustomerId(lookup)])).toEqual([1, 1]);
    const renewals = c.requests.slice(before).filter((r) => r.url.pathname === '/v3/oauth/token/generate');
    expect(renewals).toHaveLength(1);
    expect(c.remaining()).toBe(0);
  });

  it("answers its own 429 with Retry-After, without calling Capillary, once the brand's rate limit is spent", async () => {
    let now = 1_000_000 * 60;
    const limiter = new WindowRateLimiter({
      limits: { 'POST /v2/customers': 1 },
      scope: 'demo',
      store: new InMemoryRateWindowStore(() => now),
      now: () => now,
    });
    const c = client([TOKEN, { status: 200, body: { createdId: 9, warnings: [] } }], { rateLimiter: limiter });
    await c.api.addCustomer({ profiles: [{ source: 'INSTORE' }] });
    now += 15_000;
    const refused = await c.api.addCustomer({ profiles: [{ source: 'INSTORE' }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CapillaryRateLimitedError);
    expect(refused).toMatchObject({ status: 429, code: ErrorCodes.CAPILLARY_RATE_LIMITED, retryAfterSeconds: 45 });
    expect(c.requests.filter((r) => r.method === 'POST' && r.url.pathname === '/v2/customers')).toHaveLength(1);
  });
});

describe('a lost answer is not a refusal (item 2)', () => {
  const change = { add: [{ type: 'email', value: 'new@b.co' }], remove: [{ type: 'email', value: 'old@b.co' }] };

  it('reads the customer after a retried changeIdentifier is refused (8070) and reports the change it finds made', async () => {
    const c = client([
      TOKEN,
      'timeout',
      { status: 200, body: { createdId: 5, warnings: [{ status: false, code: 8070, message: 'nothing' }] } },
      { status: 200, body: customer(5, [{ type: 'email', value: 'new@b.co' }]) },
    ]);
    const result = await c.api.changeIdentifier(5, 'OAUTH_EXTERNAL', 'acc', change);
    expect(result).toMatchObject({ customerId: 5 });
    expect(c.requests.at(-1)?.url.pathname).toBe('/v2/customers/5');
  });

  it('still refuses when the read shows the change was not made', async () => {
    const c = client([
      TOKEN,
      'timeout',
      { status: 200, body: { createdId: 5, warnings: [{ status: false, code: 8070, message: 'nothing' }] } },
      { status: 200, body: customer(5, [{ type: 'email', value: 'old@b.co' }]) },
    ]);
    const got = await c.api.changeIdentifier(5, 'OAUTH_EXTERNAL', 'acc', change).catch((e: unknown) => e);
    expect(got).toBeInstanceOf(CapillaryIdentifierChangeError);
  });

  it('believes a refusal that follows no lost answer without reading again', async () => {
    const c = client([
      TOKEN,
      { status: 200, body: { createdId: 5, warnings: [{ status: false, code: 8070, message: 'nothing' }] } },
    ]);
    const got = await c.api.changeIdentifier(5, 'OAUTH_EXTERNAL', 'acc', change).catch((e: unknown) => e);
    expect(got).toMatchObject({ code: ErrorCodes.IDENTIFIER_CHANGE_REFUSED });
    expect(c.remaining()).toBe(0);
  });
});

describe('codes belong to an endpoint family (item 8)', () => {
  it('reads 8003 as a refused lookup on the customer APIs but as a plain refusal in a family that gives it another meaning', async () => {
    const marvel = defineCodeFamily('mobile-marvel', {});
    const c = client([TOKEN, { status: 400, body: error(8003) }, { status: 400, body: error(8003) }]);
    expect(await c.api.lookupCustomerId(lookup).catch((e: unknown) => e)).toBeInstanceOf(CapillaryLookupRefusedError);
    const issued = await c.api
      .request({ operation: 'issue reward', method: 'POST', path: '/x/rewards/issue', expect: 'id', family: marvel })
      .catch((e: unknown) => e);
    expect(issued).toBeInstanceOf(CapillaryRejectedError);
    expect(issued).not.toBeInstanceOf(CapillaryLookupRefusedError);
    expect(issued).toMatchObject({ code: ErrorCodes.UPSTREAM_ERROR });
  });

  it("lets a family name its own codes' meanings (a loyalty family's not-found)", async () => {
    const points = defineCodeFamily('points', { errors: { 'not-found': [1234] } });
    const c = client([TOKEN, { status: 400, body: error(1234) }]);
    const got = await c.api
      .request({
        operation: 'points',
        method: 'GET',
        path: '/v2/customers/5/loyaltyDetails',
        expect: 'resource',
        family: points,
      })
      .catch((e: unknown) => e);
    expect(got).toBeInstanceOf(CapillaryNotFoundError);
  });
});
