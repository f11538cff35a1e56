// The brand's Neo APIs through the real handler against the simulator's dataflows: only listed names route, with
// their method; the member's customer id goes in the path, a query parameter or a body field (and the client may
// not send it); bodies are size-limited JSON; the answer is the dataflow's status and body without Capillary's
// headers; the call is server to server; writes count against the per-member limit and are audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_API_SETTINGS, type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = { ada: memberAccount('Ada', 'Lovelace', '+44 7700 900401') };

const NEO = {
  ...MEMBER_API_SETTINGS,
  neo: [
    { name: 'echo', method: 'POST', path: '/x/neo/{customerId}/echo', customerId: 'path' },
    { name: 'tier-upgrade', method: 'PUT', path: '/x/neo/tierUpgrade', customerId: 'body:/data/customerId' },
    { name: 'offers', method: 'GET', path: '/x/neo/offers', customerId: 'query:customerId' },
    { name: 'missing', method: 'POST', path: '/x/neo/not/deployed', customerId: 'body:/id' },
  ],
};

describe('Neo APIs by allow-list', () => {
  let rig: MemberRig;
  let ada = '';
  let adaId = 0;

  beforeAll(async () => {
    rig = await startMemberRig({ accounts: structuredClone(accounts), tablePrefix: 'member-neo', memberApi: NEO });
    ada = (await rig.login('ada')).accessToken;
    adaId = (await rig.call('session', ada)).body.customerId as number;
    for (const flow of [
      { method: 'PUT', path: '/x/neo/tierUpgrade' },
      { method: 'GET', path: '/x/neo/offers' },
    ]) {
      const registered = await fetch(`${rig.sim.baseUrl}/__sim/neo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(flow),
      });
      expect(registered.status).toBe(201);
    }
  });
  afterAll(() => rig.close());

  const neo = (
    method: 'GET' | 'POST' | 'PUT',
    name: string,
    call: { body?: unknown; query?: Record<string, string> } = {},
  ) => rig.member(`${method} /v1/me/neo/{name}`, ada, { params: { name }, ...call });

  it("puts the member's customer id in the path, passes the body, answers the dataflow without Capillary's headers", async () => {
    const { status, body, headers } = await neo('POST', 'echo', { body: { data: { message: 'hello' } } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ customerId: String(adaId), body: { data: { message: 'hello' } } });
    expect(Object.keys(headers).filter((name) => name.toLowerCase().startsWith('x-cap'))).toEqual([]);
    const run = rig.sim.loyalty.neoRuns().at(-1);
    expect(run?.path).toBe(`/x/neo/${adaId}/echo`);
    // Server to server: Capillary's token and the dag scope, never the member's CIAM token.
    expect(run?.headers['x-cap-api-oauth-token']).toBeTruthy();
    expect(run?.headers['x-cap-neo-dag-scope']).toBe('org');
    expect(JSON.stringify(run)).not.toContain(ada);
  });

  it('sets a body field and a query parameter from the link, and refuses them from the client', async () => {
    const put = await neo('PUT', 'tier-upgrade', { body: { data: { tier: 'Gold' } } });
    expect(put.status).toBe(200);
    expect(put.body.body).toEqual({ data: { tier: 'Gold', customerId: adaId } });
    const get = await neo('GET', 'offers', { query: { channel: 'app' } });
    expect(get.body.query).toEqual({ channel: 'app', customerId: String(adaId) });
    const forgedBody = await neo('PUT', 'tier-upgrade', { body: { data: { customerId: 1 } } });
    expect([forgedBody.status, forgedBody.body.error.details[0].field]).toEqual([400, 'body/data/customerId']);
    const forgedQuery = await neo('GET', 'offers', { query: { customerId: '1' } });
    expect([forgedQuery.status, forgedQuery.body.error.details[0].field]).toEqual([400, 'query.customerId']);
    const notAnObject = await neo('PUT', 'tier-upgrade', { body: { data: 'x' } });
    expect(notAnObject.status).toBe(400);
  });

  it('routes only listed names, with their method; a GET takes no body', async () => {
    expect((await neo('POST', 'tierUpgrade')).body.error.code).toBe('NEO_API_NOT_FOUND');
    const wrong = await neo('GET', 'echo');
    expect([wrong.status, wrong.body.error.code]).toEqual([405, 'METHOD_NOT_ALLOWED']);
    expect((await neo('GET', 'offers', { body: { a: 1 } })).status).toBe(400);
  });

  it('passes the dataflow status through (404 of an undeployed flow) and refuses bodies over 16 KB', async () => {
    expect((await neo('POST', 'missing', { body: {} })).status).toBe(404);
    const big = await neo('POST', 'echo', { body: { data: 'x'.repeat(20_000) } });
    expect([big.status, big.body.error.code]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it('counts writes against the member limit and audits them', async () => {
    rig.setMemberApi({ ...NEO, writeLimit: { maxWrites: 1, windowSeconds: 3600 } });
    expect((await neo('POST', 'echo', { body: {} })).status).toBe(200);
    const limited = await neo('POST', 'echo', { body: {} });
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    // Reads are not writes.
    expect((await neo('GET', 'offers')).status).toBe(200);
    expect(rig.audit.events.some((e) => e.type === 'member.write' && e.reason === 'NEO_CALLED')).toBe(true);
    rig.setMemberApi(NEO);
  });

  it('answers a Capillary outage with 503 and Retry-After, and its refusal of our credentials with 502', async () => {
    rig.setMemberApi({ ...NEO, writeLimit: { maxWrites: 1000, windowSeconds: 60 } });
    rig.sim.injectFault({ kind: 'status', status: 503, count: 3, match: '/x/neo/' });
    const outage = await neo('GET', 'offers');
    expect([outage.status, outage.body.error.code]).toEqual([503, 'UPSTREAM_UNAVAILABLE']);
    rig.sim.injectFault({ kind: 'answer', status: 403, body: { message: 'forbidden' }, count: 1, match: '/x/neo/' });
    const refused = await neo('GET', 'offers');
    expect([refused.status, refused.body.error.code]).toEqual([502, 'UPSTREAM_ERROR']);
    rig.sim.clearFaults();
  });
});
