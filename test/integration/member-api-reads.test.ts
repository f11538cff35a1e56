// The member API's reads through the real handlers against the Capillary simulator, dynalite and a real CIAM:
// every route answers the token's own member in the gateway's shape (never Capillary's envelopes), pages behind
// opaque cursors, follows a merged customer to its survivor (repairing the link), refuses an unlinked member, and
// counts every request by route, outcome and brand. Both readings of the cuid lookup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CuidLookupModes } from '../support/post-auth-harness.js';
import { type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = {
  ada: memberAccount('Ada', 'Lovelace', '+44 7700 900101'),
  bob: memberAccount('Bob', 'Byte', '+44 7700 900102'),
  nolink: memberAccount('No', 'Link'),
  gone: memberAccount('Gone', 'Away'),
};

describe.each(CuidLookupModes)('member API reads (cuid lookup %s)', (cuidLookup) => {
  let rig: MemberRig;
  let ada = '';
  let bob = '';
  let adaId = 0;
  let bobId = 0;

  beforeAll(async () => {
    rig = await startMemberRig({
      accounts: structuredClone(accounts),
      tablePrefix: `member-reads-${cuidLookup}`,
      cuidLookup,
    });
    ada = (await rig.login('ada')).accessToken;
    bob = (await rig.login('bob')).accessToken;
    adaId = (await rig.call('session', ada)).body.customerId as number;
    bobId = (await rig.call('session', bob)).body.customerId as number;
  });
  afterAll(() => rig.close());

  it('GET /v1/me/loyalty: points per program, expiring points, tier and the next tier, in one round trip', async () => {
    const before = rig.capillaryCalls.length;
    const { status, body } = await rig.member('GET /v1/me/loyalty', ada);
    expect(status).toBe(200);
    expect(body.customerId).toBe(adaId);
    const account = rig.sim.loyalty.account(adaId);
    const main = body.programs.find((p: { programId: number }) => p.programId === 973);
    expect(main.points.current).toBe(account?.programs[0]?.loyaltyPoints);
    expect(main.points.lifetime).toBe(account?.programs[0]?.lifetimePoints);
    expect(main.tier).toMatchObject({ name: account?.programs[0]?.tier });
    expect(main.expiringPoints.length).toBeGreaterThan(0);
    expect(main.nextTier.pointsNeeded).toBeGreaterThan(0);
    const partner = body.programs.find((p: { programId: number }) => p.programId === 983);
    // The partner program's tiers follow purchases: no points figure, the criterion says why.
    expect(partner.nextTier.pointsNeeded).toBeNull();
    expect(partner.nextTier.criteria[0].basedOn).toBe('CUMULATIVE_PURCHASES');
    const calls = rig.capillaryCalls.slice(before);
    expect(calls).toHaveLength(3);
    // All three concurrently: each started before any was answered.
    expect(Math.max(...calls.map((c) => c.startSeq))).toBeLessThan(Math.min(...calls.map((c) => c.endSeq)));
  });

  it('reads the tier gap under both published field names', async () => {
    for (const names of ['reference', 'example'] as const) {
      rig.sim.loyalty.configure({ mlpFieldNames: names });
      const { body } = await rig.member('GET /v1/me/loyalty', ada);
      expect(body.programs[0].nextTier.pointsNeeded, names).toBeGreaterThan(0);
    }
  });

  it('GET /v1/me/points/history: newest first, paged behind a cursor across 90-day windows', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { status, body } = await rig.member('GET /v1/me/points/history', ada, {
        query: { limit: '7', ...(cursor ? { cursor } : {}) },
      });
      expect(status).toBe(200);
      expect(body.entries.length).toBeLessThanOrEqual(7);
      for (const entry of body.entries) seen.push(entry.at);
      cursor = body.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 40);
    // The seeded year of activity, all of it, each entry once, newest first across windows.
    const account = rig.sim.loyalty.account(adaId);
    expect(seen.length).toBe(account?.ledgerEntries);
    expect([...seen].sort().reverse()).toEqual(seen);
    // Every ledger call stayed within Capillary's rules (90 days, 100 a page).
    const ledgerCalls = rig.sim.calls.filter((c) => c.path === '/v2/pointsLedger/getCustomerLedgerInfo');
    expect(ledgerCalls.every((c) => c.status === 200)).toBe(true);
  });

  it('refuses a bad range, limit or cursor with 400 naming the parameter', async () => {
    const bad = async (query: Record<string, string>) =>
      (await rig.member('GET /v1/me/points/history', ada, { query })).body;
    expect((await bad({ limit: '0' })).error.details[0].field).toBe('query.limit');
    expect((await bad({ from: '2020-01-01', to: '2026-01-01' })).error.details[0].field).toBe('query.from');
    expect((await bad({ from: 'yesterday' })).error.details[0].field).toBe('query.from');
    expect((await bad({ cursor: 'garbage' })).error.details[0].field).toBe('query.cursor');
    // A cursor of another route is not one of this route.
    const other = (await rig.member('GET /v1/me/transactions', ada, { query: { limit: '1' } })).body.nextCursor;
    expect((await bad({ cursor: other })).error.details[0].field).toBe('query.cursor');
  });

  it('GET /v1/me/transactions: newest first, record offsets behind the cursor, amounts as Capillary gives them', async () => {
    const first = await rig.member('GET /v1/me/transactions', ada, { query: { limit: '5' } });
    const second = await rig.member('GET /v1/me/transactions', ada, { query: { cursor: first.body.nextCursor } });
    expect(first.status).toBe(200);
    expect(first.body.total).toBe(rig.sim.loyalty.account(adaId)?.transactions);
    const ids = [...first.body.transactions, ...second.body.transactions].map((t: { id: number }) => t.id);
    expect(new Set(ids).size).toBe(10);
    expect(first.body.transactions[0].billedAt >= first.body.transactions[4].billedAt).toBe(true);
    expect(rig.sim.calls.at(-1)?.query).toMatchObject({ offset: '5', limit: '5', sortBy: 'BILLING_TIME' });
  });

  it('GET /v1/me/coupons: active, redeemed and expired, with the status filter', async () => {
    const all = await rig.member('GET /v1/me/coupons', ada);
    const statuses = all.body.coupons.map((c: { status: string }) => c.status).sort();
    expect(statuses).toEqual(['active', 'expired', 'redeemed', 'redeemed']);
    for (const status of ['active', 'redeemed', 'expired']) {
      const filtered = await rig.member('GET /v1/me/coupons', ada, { query: { status } });
      expect(filtered.body.coupons.every((c: { status: string }) => c.status === status)).toBe(true);
      expect(filtered.body.coupons.length).toBe(statuses.filter((s: string) => s === status).length);
    }
    expect((await rig.member('GET /v1/me/coupons', ada, { query: { status: 'used' } })).status).toBe(400);
  });

  it('GET /v1/me/rewards: the catalog this member may get, with points prices, paged', async () => {
    const { status, body } = await rig.member('GET /v1/me/rewards', ada, { query: { limit: '2' } });
    expect(status).toBe(200);
    expect(body.rewards).toHaveLength(2);
    expect(body.rewards[0]).toMatchObject({ rewardId: 5001, name: 'Free espresso', pointsPrice: 150 });
    const next = await rig.member('GET /v1/me/rewards', ada, { query: { cursor: body.nextCursor } });
    expect(next.body.rewards[0].rewardId).toBe(5003);
    expect(next.body.rewards.map((r: { pointsPrice: number }) => r.pointsPrice)).toContain(220.5);
  });

  it('GET /v1/me/rewards/issued: what the member got', async () => {
    rig.sim.loyalty.credit(adaId, { points: 1000 });
    const issue = await rig.member('POST /v1/me/rewards/{rewardId}/issue', ada, {
      params: { rewardId: '5002' },
      headers: { 'Idempotency-Key': `issued-${cuidLookup}` },
      body: {},
    });
    expect(issue.status).toBe(201);
    const { body } = await rig.member('GET /v1/me/rewards/issued', ada);
    expect(body.rewards[0]).toMatchObject({ rewardId: 5002, pointsSpent: 300, couponCode: issue.body.couponCode });
    expect(Date.parse(body.rewards[0].issuedAt)).not.toBeNaN();
  });

  it("never answers another member's data: each token reads its own customer", async () => {
    for (const [token, id] of [
      [ada, adaId],
      [bob, bobId],
    ] as const) {
      for (const route of [
        'GET /v1/me/loyalty',
        'GET /v1/me/points/history',
        'GET /v1/me/transactions',
        'GET /v1/me/coupons',
      ]) {
        const before = rig.sim.calls.length;
        const { status, body } = await rig.member(route, token, {
          query: { customerId: String(id === adaId ? bobId : adaId) },
        });
        expect(status).toBe(200);
        expect(body.customerId).toBe(id);
        const sent = rig.sim.calls
          .slice(before)
          .map((c) => `${c.path}?${c.search}`)
          .join(' ');
        expect(sent).toContain(String(id));
        expect(sent).not.toContain(String(id === adaId ? bobId : adaId));
      }
    }
  });

  it('answers 404 CUSTOMER_NOT_LINKED before the first session, on every route', async () => {
    const token = (await rig.login('nolink')).accessToken;
    for (const route of [
      'GET /v1/me/loyalty',
      'GET /v1/me/points/history',
      'GET /v1/me/transactions',
      'GET /v1/me/coupons',
      'GET /v1/me/rewards',
      'GET /v1/me/rewards/issued',
    ]) {
      const { status, body } = await rig.member(route, token);
      expect([route, status, body.error.code]).toEqual([route, 404, 'CUSTOMER_NOT_LINKED']);
    }
  });

  it('follows a merged customer to its survivor and repairs the link', async () => {
    const token = (await rig.login('bob')).accessToken;
    const survivor = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'externalId', value: `survivor-${cuidLookup}` }] }],
    }).id;
    rig.sim.mergeCustomers(survivor, bobId);
    const { status, body } = await rig.member('GET /v1/me/loyalty', token);
    expect(status).toBe(200);
    expect(body.customerId).toBe(survivor);
    expect((await rig.links.get('demo', 'bob'))?.customerId).toBe(survivor);
    expect(rig.audit.events.some((e) => e.type === 'session.link' && e.reason === 'MERGE_FOLLOWED')).toBe(true);
    // The next read goes straight to the survivor.
    const before = rig.sim.calls.length;
    expect((await rig.member('GET /v1/me/coupons', token)).body.customerId).toBe(survivor);
    expect(rig.sim.calls.slice(before).map((c) => c.path)).toEqual(['/v1.1/customer/coupons']);
    bobId = survivor;
  });

  it('answers 404 CUSTOMER_NOT_LINKED when the linked customer is gone and nobody carries the cuid', async () => {
    const token = (await rig.login('gone')).accessToken;
    await rig.links.putIfAbsent({ brandId: 'demo', sub: 'gone', customerId: 987654, linkedAt: Date.now() });
    const { status, body } = await rig.member('GET /v1/me/loyalty', token);
    expect(status).toBe(404);
    expect(body.error.code).toBe('CUSTOMER_NOT_LINKED');
    expect(body.error.message).toMatch(/no longer exists/);
    // A read never creates a customer nor rewrites the link: the next session does.
    expect((await rig.links.get('demo', 'gone'))?.customerId).toBe(987654);
    expect(rig.sim.customers().some((c) => c.profiles.some((p) => p.identifiers.some((i) => i.value === 'gone')))).toBe(
      false,
    );
  });

  it('maps outages to 503 with Retry-After and garbage to 502, never leaking Capillary envelopes', async () => {
    rig.sim.injectFault({ kind: 'status', status: 503, count: 3, match: 'GET /v2/customers' });
    const outage = await rig.member('GET /v1/me/transactions', ada);
    expect([outage.status, outage.body.error.code, outage.headers['retry-after']]).toEqual([
      503,
      'UPSTREAM_UNAVAILABLE',
      '2',
    ]);
    rig.sim.injectFault({
      kind: 'answer',
      status: 200,
      body: { unexpected: true },
      count: 1,
      match: 'GET /v1.1/customer/coupons',
    });
    const garbage = await rig.member('GET /v1/me/coupons', ada);
    expect([garbage.status, garbage.body.error.code]).toEqual([502, 'UPSTREAM_ERROR']);
    rig.sim.clearFaults();
    const ok = await rig.member('GET /v1/me/transactions', ada);
    expect(JSON.stringify(ok.body)).not.toMatch(/"(warnings|errors|pagination|rewardList|item_status)"/);
  });

  it('counts and times every request by route, outcome and brand', () => {
    const points = rig.metrics.points.filter((p) => p.name === 'MemberApiRequest');
    const routes = new Set(points.map((p) => p.dimensions.Route));
    expect(routes).toEqual(
      new Set(['loyalty', 'pointsHistory', 'transactions', 'coupons', 'rewards', 'rewardsIssued', 'rewardIssue']),
    );
    expect(points.every((p) => p.dimensions.Brand === 'demo')).toBe(true);
    expect(new Set(points.map((p) => p.dimensions.Outcome))).toEqual(
      new Set(['success', 'client_error', 'server_error']),
    );
    expect(rig.metrics.points.filter((p) => p.name === 'MemberApiLatency')).toHaveLength(points.length);
  });
});
