// The Capillary simulator's loyalty APIs (CAPILLARY.md section 10) over HTTP: what each refuses as the reference
// does, the seeded data, codes keyed by endpoint family, the reward requestId idempotency under both readings,
// the per-customer lock (521), Neo's auth and methods, and the test controls.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';

// biome-ignore lint/suspicious/noExplicitAny: the simulator's JSON answers of many shapes, read by the assertions.
type Json = Record<string, any>;

let sim: CapillarySimulator;
let token = '';
let memberId = 0;
let otherId = 0;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${sim.baseUrl}${path}`, {
    method,
    headers: {
      'x-cap-api-oauth-token': token,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

const codeOf = (body: Json) => body.errors?.[0]?.code;

beforeAll(async () => {
  sim = await startCapillarySimulator({ clients: [{ key: 'k', secret: 's' }] });
  const answer = await fetch(`${sim.baseUrl}/v3/oauth/token/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'k', secret: 's' }),
  });
  token = ((await answer.json()) as { data: { accessToken: string } }).data.accessToken;
});
afterAll(() => sim.close());

beforeEach(() => {
  sim.reset();
  sim.loyalty.configure({ seed: 'demo', rewardRequestIdPlacement: 'top-level', rewardRequestIdRepeat: 'replay' });
  memberId = sim.seedCustomer({
    profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '919800000011' }] }],
  }).id;
  otherId = sim.seedCustomer({
    profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'other@sim.example' }] }],
  }).id;
});

describe('points and tier', () => {
  it('gives every seeded customer two programs, with totalAvailablePoints = loyaltyPoints + delayedPoints', async () => {
    const { status, body } = await api('GET', `/v2/customers/${memberId}/loyaltyDetails`);
    expect(status).toBe(200);
    expect(body.data.map((p: { programId: number }) => p.programId)).toEqual([973, 983]);
    for (const program of body.data) {
      expect(program.totalAvailablePoints).toBe(program.loyaltyPoints + program.delayedPoints);
      expect(program.lifetimePoints).toBeGreaterThan(0);
      expect(typeof program.slabExpiryDate).toBe('string');
    }
    expect(body.data[0].currentSlab).toBeTruthy();
  });

  it('answers the top tier with nextSlab "" and nextSlabSerialNumber -1', async () => {
    await api('POST', `/__sim/customers/${memberId}/loyalty`, { points: 10_000 });
    const { body } = await api('GET', `/v2/customers/${memberId}/loyaltyDetails?programId=973`);
    expect(body.data[0]).toMatchObject({ currentSlab: 'Platinum', nextSlab: '', nextSlabSerialNumber: -1 });
  });

  it('refuses a program the customer is not in (8089), a fleet group (1620), unknown (8015) and merged (8069) ids', async () => {
    expect(codeOf((await api('GET', `/v2/customers/${memberId}/loyaltyDetails?programId=1`)).body)).toBe(8089);
    expect(codeOf((await api('GET', `/v2/customers/${memberId}/loyaltyDetails?fleetGroupId=3`)).body)).toBe(1620);
    expect(codeOf((await api('GET', '/v2/customers/99999/loyaltyDetails')).body)).toBe(8015);
    sim.mergeCustomers(otherId, memberId);
    expect(codeOf((await api('GET', `/v2/customers/${memberId}/loyaltyDetails`)).body)).toBe(8069);
  });

  it('lists expiring points with expiryDate and expiryDateISO', async () => {
    const { body } = await api('GET', `/v2/customers/${memberId}/pointsExpirySchedule`);
    expect(body.expirySchedules.length).toBeGreaterThan(0);
    expect(body.expirySchedules[0]).toMatchObject({ programId: 973, expiryType: 'fixed' });
    expect(body.expirySchedules[0].expiryDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(body.expirySchedules[0].expiryDateISO.startsWith(body.expirySchedules[0].expiryDate)).toBe(true);
  });

  it.each(['reference', 'example'] as const)(
    'adds the tier gaps with embed=mlp only (%s field names)',
    async (names) => {
      sim.loyalty.configure({ mlpFieldNames: names });
      const plain = await api('GET', `/v2/customers/${memberId}?source=ALL`);
      expect(plain.body.loyaltyProgramDetails).toBeUndefined();
      const { body } = await api('GET', `/v2/customers/${memberId}?source=ALL&embed=mlp&gapToUpgrade=0`);
      const program = body.loyaltyProgramDetails.find((p: { programId: number }) => p.programId === 973);
      const strategies = program[names === 'reference' ? 'upgradeStrategies' : 'gapToUpgrade'];
      expect(strategies[0].customerUpgradeEntityValues.gapToUpgrade).toBeGreaterThan(0);
      expect(strategies[0][names === 'reference' ? 'upgrade_based_on' : 'upgradeBasedOn']).toBe('CURRENT_POINTS');
      expect((await api('GET', `/v2/customers/${memberId}?embed=mlp`)).body.errors[0].code).toBe(8016);
      expect((await api('GET', `/v2/customers/${memberId}?source=ALL&embed=mlp&gapToUpgrade=-1`)).status).toBe(400);
    },
  );
});

describe('points ledger', () => {
  const window = (days: number) => {
    const end = new Date();
    const start = new Date(end.getTime() - days * 86_400_000);
    const fmt = (d: Date) => d.toISOString().slice(0, 19);
    return `startDate=${fmt(start)}&endDate=${fmt(end)}`;
  };

  it('pages by page number with consistent totals', async () => {
    const base = `/v2/pointsLedger/getCustomerLedgerInfo?identifierName=id&identifierValue=${memberId}&source=INSTORE&${window(90)}`;
    const first = await api('GET', `${base}&limit=2&offset=0`);
    const second = await api('GET', `${base}&limit=2&offset=1`);
    expect(first.status).toBe(200);
    const { totalEntries, pageCount } = first.body.ledgerDetails;
    expect(pageCount).toBe(Math.ceil(totalEntries / 2));
    expect(first.body.ledgerEntries[0].eventLogId).not.toBe(second.body.ledgerEntries[0].eventLogId);
    expect(first.body.ledgerEntries[0].entryDetails[0].points).toMatch(/^\d+\.\d{3}$/);
  });

  it('refuses a window over 90 days, limit over 100, two store scopes and missing identifiers or source', async () => {
    const id = `identifierName=id&identifierValue=${memberId}`;
    const path = '/v2/pointsLedger/getCustomerLedgerInfo';
    expect((await api('GET', `${path}?${id}&source=INSTORE&${window(91)}`)).status).toBe(400);
    expect((await api('GET', `${path}?${id}&source=INSTORE&limit=101`)).status).toBe(400);
    expect((await api('GET', `${path}?${id}&source=INSTORE&tillId=1&storeCode=x`)).status).toBe(400);
    expect(codeOf((await api('GET', `${path}?source=INSTORE`)).body)).toBe(8013);
    expect(codeOf((await api('GET', `${path}?${id}`)).body)).toBe(8001);
  });
});

describe('transactions', () => {
  it('pages by record offset, newest first, with pagination.total and money floor-rounded to 2 decimals', async () => {
    const all = await api('GET', `/v2/customers/${memberId}/transactions`);
    expect(all.body.pagination).toMatchObject({ limit: 20, offset: 0, sortOrder: 'DESC' });
    const page = await api('GET', `/v2/customers/${memberId}/transactions?limit=3&offset=1`);
    expect(page.body.data.map((t: { id: number }) => t.id)).toEqual(
      all.body.data.slice(1, 4).map((t: { id: number }) => t.id),
    );
    for (const t of all.body.data) expect(Math.round(t.amount * 100)).toBeCloseTo(t.amount * 100, 6);
    expect((await api('GET', `/v2/customers/${memberId}/transactions?limit=1001`)).status).toBe(400);
    expect((await api('GET', `/v2/customers/${memberId}/transactions?sortBy=AMOUNT`)).status).toBe(400);
  });
});

describe('coupons (v1.1)', () => {
  it('needs an identifier, and `active` ignores redemption', async () => {
    const none = await api('GET', '/v1.1/customer/coupons?format=json');
    expect(none.body.response.status).toMatchObject({ success: 'false', code: 1015 });
    const all = await api('GET', `/v1.1/customer/coupons?id=${memberId}&format=json`);
    const coupons = all.body.response.customers.customer[0].coupons.coupon;
    expect(coupons.length).toBe(4);
    const active = (await api('GET', `/v1.1/customer/coupons?id=${memberId}&status=active`)).body.response.customers
      .customer[0].coupons.coupon;
    expect(active.some((c: { redemption_count: string }) => c.redemption_count === '1')).toBe(true);
    const unknown = await api('GET', '/v1.1/customer/coupons?id=99999');
    expect(unknown.body.response.customers.customer[0].item_status.code).toBe('1012');
  });
});

describe('rewards', () => {
  const brand = () => sim.loyalty.rewardsBrand;
  const issue = (rewardId: number, body: Record<string, unknown>, query = '?username=till1&skip_validation=true') =>
    api('POST', `/api_gateway/rewards/core/v1/user/reward/${rewardId}/issue${query}`, {
      brand: brand(),
      mobile: '919800000011',
      rewards: [{ rewardId, quantity: 1 }],
      ...body,
    });

  it("lists the member's catalog (enabled, live, within tier) and refuses another brand", async () => {
    const { body } = await api('GET', `/api_gateway/rewards/core/v1/user/reward/brand/${brand()}?userId=${memberId}`);
    const ids = body.rewardList.map((r: { id: number }) => r.id);
    expect(ids).toContain(5001);
    expect(ids).not.toContain(5006); // disabled
    expect(ids).not.toContain(5007); // ended
    const other = await api('GET', `/api_gateway/rewards/core/v1/user/reward/brand/nope?userId=${memberId}`);
    expect(other.body).toMatchObject({ success: false, code: 8005 });
  });

  it('burns the points only on success and never twice for one requestId (replay reading)', async () => {
    const before = sim.loyalty.account(memberId)?.programs[0]?.loyaltyPoints ?? 0;
    const first = await issue(5001, { requestId: 'req-1' });
    expect(first.body).toMatchObject({ success: true, pointsRedeemed: 150 });
    const again = await issue(5001, { requestId: 'req-1' });
    expect(again.body).toEqual(first.body);
    expect(sim.loyalty.account(memberId)?.programs[0]?.loyaltyPoints).toBeCloseTo(before - 150, 3);
    expect(sim.loyalty.issuesPerformed()).toBe(1);
  });

  it('answers a repeated requestId with an error in the error reading, and reads it where the switch says', async () => {
    sim.loyalty.configure({ rewardRequestIdRepeat: 'error', rewardRequestIdPlacement: 'reward-line' });
    const line = (id: string) => ({ rewards: [{ rewardId: 5001, quantity: 1, requestId: id }] });
    expect((await issue(5001, line('r'))).body.success).toBe(true);
    expect((await issue(5001, line('r'))).body).toMatchObject({ success: false, code: 8012 });
    // The top-level id is not read in this reading: a new line id issues again.
    expect((await issue(5001, { requestId: 'r', ...line('r2') })).body.success).toBe(true);
    expect(sim.loyalty.issuesPerformed()).toBe(2);
  });

  it('refuses without a till, identifier, enough points or eligibility, spending nothing', async () => {
    expect((await issue(5001, {}, '')).body.code).toBe(8003);
    expect((await issue(5001, { mobile: undefined })).body.code).toBe(8003);
    expect((await issue(5006, {})).body.code).toBe(8005);
    expect((await issue(5005, {})).body.code).toBe(8004); // Gold tier only
    await api('POST', `/__sim/customers/${memberId}/loyalty`, {
      points: -(sim.loyalty.account(memberId)?.programs[0]?.loyaltyPoints ?? 0),
    });
    expect((await issue(5001, {})).body.code).toBe(818);
    expect(sim.loyalty.issuesPerformed()).toBe(0);
  });

  it('locks the customer while a write runs: a concurrent issue gets 521', async () => {
    sim.loyalty.configure({ writeHoldMs: 50 });
    const answers = await Promise.all([issue(5001, { requestId: 'a' }), issue(5001, { requestId: 'b' })]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 521]);
  });

  it('lists issued rewards newest first, with paging and the status filter', async () => {
    await issue(5001, { requestId: 'x1' });
    await issue(5002, { requestId: 'x2' });
    const { body } = await api(
      'GET',
      `/api_gateway/rewards/core/v1/management/customer/${memberId}/issuals?page=1&size=1`,
    );
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ rewardId: 5002, intouchPoints: 300 });
    const failed = await api(
      'GET',
      `/api_gateway/rewards/core/v1/management/customer/${memberId}/issuals?status=false`,
    );
    expect(failed.body.data).toEqual([]);
    expect(
      (await api('GET', `/api_gateway/rewards/core/v1/management/customer/${memberId}/issuals?size=0&page=1`)).body
        .code,
    ).toBe(8009);
  });
});

describe('Neo dataflows', () => {
  it('runs the demo echo with the server token, answering the customer id and body', async () => {
    const { status, headers, body } = await api('POST', `/x/neo/${memberId}/echo`, { data: { hello: 'x' } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ customerId: String(memberId), body: { data: { hello: 'x' } } });
    expect(headers.get('x-cap-neo-dag-id')).toBeTruthy();
  });

  it('refuses a CIAM bearer token (401), other methods (405) and unknown dataflows (404)', async () => {
    const ciam = await fetch(`${sim.baseUrl}/x/neo/1/echo`, {
      method: 'POST',
      headers: { authorization: 'Bearer ciam' },
    });
    expect(ciam.status).toBe(401);
    expect((await api('DELETE', '/x/neo/1/echo')).status).toBe(405);
    expect((await api('POST', '/x/neo/1/other')).status).toBe(404);
  });
});

describe('test controls', () => {
  it('credits points with a ledger entry, and adds transactions and coupons', async () => {
    const before = (await api('GET', `/__sim/customers/${memberId}/loyalty`)).body;
    const after = (
      await api('POST', `/__sim/customers/${memberId}/loyalty`, {
        points: 500,
        transactions: [{ amount: 20 }],
        coupons: [{ description: 'Test' }],
      })
    ).body;
    expect(after.programs[0].loyaltyPoints).toBeCloseTo(before.programs[0].loyaltyPoints + 520, 3);
    expect(after.ledgerEntries).toBe(before.ledgerEntries + 2);
    expect([after.transactions, after.coupons]).toEqual([before.transactions + 1, before.coupons + 1]);
    expect((await api('POST', `/__sim/customers/${memberId}/loyalty`, { nope: 1 })).status).toBe(400);
    expect((await api('POST', '/__sim/customers/99999/loyalty', { points: 1 })).status).toBe(404);
  });

  it('starts accounts empty when seed is "empty"', async () => {
    sim.loyalty.configure({ seed: 'empty' });
    const { body } = await api('GET', `/v2/customers/${otherId}/loyaltyDetails`);
    expect(body.data[0]).toMatchObject({ loyaltyPoints: 0, currentSlab: 'Bronze' });
  });
});
