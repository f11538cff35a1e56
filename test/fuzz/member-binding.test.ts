// Property: whatever extra query parameters, headers and body fields a member sends, every member route answers
// about the token's own member (or refuses), and no Capillary call of that request names another customer. Two
// linked members; the extras are drawn from names and values that would select the other one (ids, subs,
// identifiers) and from noise.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_API_SETTINGS, type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = {
  ada: memberAccount('Ada', 'Lovelace', '+44 7700 900601'),
  eve: memberAccount('Eve', 'Evans', '+44 7700 900602'),
};

const SETTINGS = {
  ...MEMBER_API_SETTINGS,
  writeLimit: { maxWrites: 1000, windowSeconds: 60 },
  neo: [
    { name: 'echo', method: 'POST', path: '/x/neo/{customerId}/echo', customerId: 'path' },
    { name: 'lookup', method: 'POST', path: '/x/neo/lookup', customerId: 'body:/data/customerId' },
  ],
};

const ROUTES = [
  'GET /v1/me/loyalty',
  'GET /v1/me/points/history',
  'GET /v1/me/transactions',
  'GET /v1/me/coupons',
  'GET /v1/me/rewards',
  'GET /v1/me/rewards/issued',
  'POST /v1/me/rewards/{rewardId}/issue',
  'POST /v1/me/neo/{name}',
] as const;

describe('member binding (property)', () => {
  let rig: MemberRig;
  let ada = '';
  let adaId = 0;
  let eveId = 0;

  beforeAll(async () => {
    rig = await startMemberRig({
      accounts: structuredClone(accounts),
      tablePrefix: 'member-binding',
      memberApi: SETTINGS,
    });
    ada = (await rig.login('ada')).accessToken;
    adaId = (await rig.call('session', ada)).body.customerId as number;
    const eve = (await rig.login('eve')).accessToken;
    eveId = (await rig.call('session', eve)).body.customerId as number;
    rig.sim.loyalty.credit(adaId, { points: 100_000 });
    const registered = await fetch(`${rig.sim.baseUrl}/__sim/neo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'POST', path: '/x/neo/lookup' }),
    });
    expect(registered.status).toBe(201);
  });
  afterAll(() => rig.close());

  it("answers only the token's member, whatever else the request says", async () => {
    const other = () => [String(eveId), 'eve', 'eve@example.com', '447700900602', `${eveId}`];
    const names = fc.constantFrom(
      'customerId',
      'customer_id',
      'userId',
      'id',
      'identifierName',
      'identifierValue',
      'sub',
      'cuid',
      'mobile',
      'email',
      'source',
      'programId',
      'brand',
      'x',
    );
    const values = fc.oneof(fc.constantFrom(...other(), '../../v2/customers/1', '', '0'), fc.string({ maxLength: 8 }));
    const headerNames = fc.constantFrom(
      'X-Customer-Id',
      'X-User-Id',
      'X-Cap-Api-Oauth-Token',
      'X-Forwarded-User',
      'Customer-Id',
      'X-Sub',
      'Cookie',
    );
    const extras = fc.record({
      route: fc.constantFrom(...ROUTES),
      query: fc.dictionary(names, values, { maxKeys: 4 }),
      headers: fc.dictionary(headerNames, fc.constantFrom(...other()), { maxKeys: 3 }),
      body: fc.dictionary(names, fc.oneof(values, fc.integer()), { maxKeys: 3 }),
      data: fc.option(fc.dictionary(names, fc.oneof(values, fc.integer()), { maxKeys: 2 }), { nil: undefined }),
    });
    let keys = 0;
    await fc.assert(
      fc.asyncProperty(extras, async ({ route, query, headers, body, data }) => {
        const before = rig.sim.calls.length;
        const runsBefore = rig.sim.loyalty.neoRuns().length;
        const isIssue = route.startsWith('POST /v1/me/rewards');
        const isNeo = route.startsWith('POST /v1/me/neo');
        const name = keys % 2 ? 'echo' : 'lookup';
        const answer = await rig.member(route, ada, {
          params: isIssue ? { rewardId: '5001' } : isNeo ? { name } : {},
          query,
          headers: {
            ...headers,
            ...(isIssue ? { 'Idempotency-Key': `fuzz-${keys++}` } : { 'X-Fuzz': String(keys++) }),
          },
          ...(isIssue || isNeo ? { body: isNeo ? { ...body, ...(data ? { data } : {}) } : body } : {}),
        });
        // A refusal of the request (a bad parameter or field) is fine; a success is about the token's member only.
        expect([200, 201, 400, 409]).toContain(answer.status);
        if (answer.status < 300) {
          // The Neo echo names the id it got in its path; the lookup flow got it in its body.
          const own =
            isNeo && answer.body.customerId === null ? answer.body.body?.data?.customerId : answer.body.customerId;
          expect(String(own)).toBe(String(adaId));
        }
        const sent = rig.sim.calls.slice(before).map((c) => `${c.path}${c.search}`);
        if (!isNeo) {
          // Every Capillary call of the request names the token's customer, never another one.
          expect(sent.join(' ')).not.toMatch(new RegExp(`\\b${eveId}\\b`));
        } else {
          // A Neo API gets the member where its entry says, whatever the client sent; the rest passes through
          // (the dataflow reads its member from that place only).
          for (const run of rig.sim.loyalty.neoRuns().slice(runsBefore)) {
            if (name === 'echo') expect(run.path).toBe(`/x/neo/${adaId}/echo`);
            else expect((run.body as { data?: { customerId?: unknown } }).data?.customerId).toBe(adaId);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});
