// The OpenAPI document against the member handlers: every answer of a journey through the member API and its
// refusals (real CIAM logins, the Capillary simulator, dynalite) has a documented status and a body that validates
// against the documented schema, in the gateway's shape (never Capillary's envelopes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDEEM_SCOPE } from '../../local/dev-ciam.js';
import {
  MEMBER_API_SETTINGS,
  type MemberAnswer,
  type MemberCall,
  type MemberRig,
  memberAccount,
  startMemberRig,
} from '../support/member-harness.js';
import { checkLiveResponse, loadOpenApi } from './openapi-document.js';

const doc = loadOpenApi();
const accounts = {
  ada: memberAccount('Ada', 'Lovelace', '+44 7700 900501'),
  nolink: { given_name: 'No', family_name: 'Link' },
};

describe('the documented responses of the member API', () => {
  let rig: MemberRig;
  let ada = '';
  const seen = new Set<string>();

  async function call(route: string, token: string, request: MemberCall = {}): Promise<MemberAnswer> {
    const answer = await rig.member(route, token, request);
    const [method = '', template = ''] = route.split(' ');
    const concrete = template.replace(/\{(\w+)\}/g, (_all, name: string) => request.params?.[name] ?? 'x');
    seen.add(`${method} ${template} ${answer.status}`);
    expect(checkLiveResponse(doc, method, concrete, answer.status, answer.body), JSON.stringify(answer.body)).toEqual(
      [],
    );
    return answer;
  }

  beforeAll(async () => {
    rig = await startMemberRig({ accounts: structuredClone(accounts), tablePrefix: 'member-contract' });
    ada = (await rig.login('ada')).accessToken;
    await rig.call('session', ada);
  });
  afterAll(() => rig.close());

  it('documents every read, with its refusals', async () => {
    for (const route of [
      'GET /v1/me/loyalty',
      'GET /v1/me/transactions',
      'GET /v1/me/coupons',
      'GET /v1/me/rewards',
      'GET /v1/me/rewards/issued',
    ]) {
      expect((await call(route, ada)).status).toBe(200);
    }
    let cursor: string | undefined;
    do {
      const page = await call('GET /v1/me/points/history', ada, {
        query: { limit: '50', ...(cursor ? { cursor } : {}) },
      });
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect((await call('GET /v1/me/points/history', ada, { query: { limit: 'x' } })).status).toBe(400);
    expect((await call('GET /v1/me/coupons', ada, { query: { status: 'x' } })).status).toBe(400);
    const nolink = (await rig.login('nolink')).accessToken;
    expect((await call('GET /v1/me/loyalty', nolink)).status).toBe(404);
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { transactions: { enabled: false } } });
    expect((await call('GET /v1/me/transactions', ada)).status).toBe(404);
    rig.sim.injectFault({ kind: 'status', status: 503, count: 3, match: '/loyaltyDetails' });
    expect((await call('GET /v1/me/loyalty', ada)).status).toBe(503);
    rig.sim.injectFault({ kind: 'answer', status: 200, body: { nope: true }, count: 1, match: '/transactions' });
    rig.setMemberApi(MEMBER_API_SETTINGS);
    expect((await call('GET /v1/me/transactions', ada)).status).toBe(502);
    expect((await call('GET /v1/me/loyalty', await rig.clientToken())).status).toBe(403);
  });

  it('documents the reward exchange and each of its refusals', async () => {
    const issue = (key: string | undefined, rewardId = '5001', token = ada, body: unknown = {}) =>
      call('POST /v1/me/rewards/{rewardId}/issue', token, {
        params: { rewardId },
        headers: key ? { 'Idempotency-Key': key } : {},
        body,
      });
    expect((await issue('c-1')).status).toBe(201);
    expect((await issue('c-1')).status).toBe(201);
    expect((await issue('c-1', '5002')).status).toBe(422);
    expect((await issue(undefined)).status).toBe(400);
    expect((await issue('c-2', '5001', ada, { extra: 1 })).status).toBe(400);
    expect((await issue('c-3', '5006')).status).toBe(409);
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { rewardIssue: { requiredScopes: [REDEEM_SCOPE] } } });
    expect((await issue('c-4')).status).toBe(403);
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { rewardIssue: { stepUp: { acrValues: ['mfa'] } } } });
    expect((await issue('c-5')).status).toBe(401);
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, writeLimit: { maxWrites: 1, windowSeconds: 3600 } });
    await issue('c-6');
    expect((await issue('c-7')).status).toBe(429);
    rig.setMemberApi({ neo: MEMBER_API_SETTINGS.neo });
    expect((await issue('c-8')).status).toBe(404);
    rig.setMemberApi(MEMBER_API_SETTINGS);
  });

  it('documents the Neo routes, the gateway refusals and the passed-through answers', async () => {
    const neo = (method: string, name: string, request: MemberCall = {}) =>
      call(`${method} /v1/me/neo/{name}`, ada, { params: { name }, ...request });
    expect((await neo('POST', 'echo', { body: { data: { a: 1 } } })).status).toBe(200);
    expect((await neo('GET', 'echo')).status).toBe(405);
    expect((await neo('PUT', 'nope', { body: {} })).status).toBe(404);
    rig.setMemberApi({
      ...MEMBER_API_SETTINGS,
      neo: [{ name: 'offers', method: 'GET', path: '/x/neo/offers', customerId: 'query:customerId' }],
    });
    expect((await neo('GET', 'offers', { query: { customerId: '1' } })).status).toBe(400);
    // Not deployed in the simulator: the dataflow's own 404 passes through.
    expect((await neo('GET', 'offers')).status).toBe(404);
    rig.setMemberApi(MEMBER_API_SETTINGS);
  });

  it('saw every status the document promises for the member routes it exercised', () => {
    expect([...seen].sort()).toEqual(
      expect.arrayContaining([
        'GET /v1/me/loyalty 200',
        'GET /v1/me/loyalty 404',
        'GET /v1/me/loyalty 503',
        'POST /v1/me/rewards/{rewardId}/issue 201',
        'POST /v1/me/rewards/{rewardId}/issue 401',
        'POST /v1/me/rewards/{rewardId}/issue 403',
        'POST /v1/me/rewards/{rewardId}/issue 409',
        'POST /v1/me/rewards/{rewardId}/issue 422',
        'POST /v1/me/rewards/{rewardId}/issue 429',
        'GET /v1/me/neo/{name} 405',
      ]),
    );
  });
});
