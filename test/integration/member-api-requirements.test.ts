// Per-route requirements from the brand's `memberApi`, checked in the handlers with real tokens of a real CIAM:
// a route switched off is 404 ROUTE_DISABLED; a missing scope is 403 INSUFFICIENT_SCOPE with RFC 6750's
// challenge; a weak or old sign-in is 401 STEP_UP_REQUIRED with RFC 9470's challenge, and the step-up sign-in
// (acr_values, max_age) gets through. Refusals are audited; client-credentials tokens are not members.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDEEM_SCOPE } from '../../local/dev-ciam.js';
import { MEMBER_API_SETTINGS, type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = { ada: memberAccount('Ada', 'Lovelace', '+44 7700 900301') };

const ISSUE = 'POST /v1/me/rewards/{rewardId}/issue';

describe('member route requirements', () => {
  let rig: MemberRig;
  let plain = '';
  let keys = 0;
  const issue = (token: string) =>
    rig.member(ISSUE, token, {
      params: { rewardId: '5001' },
      headers: { 'Idempotency-Key': `req-${keys++}` },
      body: {},
    });

  beforeAll(async () => {
    rig = await startMemberRig({ accounts: structuredClone(accounts), tablePrefix: 'member-requirements' });
    plain = (await rig.login('ada')).accessToken;
    expect((await rig.call('session', plain)).status).toBe(201);
  });
  afterAll(() => rig.close());

  it('answers 404 ROUTE_DISABLED for a route the brand switched off, and nothing else changes', async () => {
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { coupons: { enabled: false } } });
    const before = rig.sim.calls.length;
    const off = await rig.member('GET /v1/me/coupons', plain);
    expect([off.status, off.body.error.code]).toEqual([404, 'ROUTE_DISABLED']);
    expect(rig.sim.calls.length).toBe(before);
    expect((await rig.member('GET /v1/me/transactions', plain)).status).toBe(200);
  });

  it('answers 403 INSUFFICIENT_SCOPE with the RFC 6750 challenge, and lets a token with the scope through', async () => {
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { rewardIssue: { requiredScopes: [REDEEM_SCOPE] } } });
    const refused = await issue(plain);
    expect([refused.status, refused.body.error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(refused.headers['www-authenticate']).toBe(
      `Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="${REDEEM_SCOPE}"`,
    );
    const scoped = (await rig.loginWith('ada', { scope: `openid email phone profile loyalty:read ${REDEEM_SCOPE}` }))
      .accessToken;
    expect((await issue(scoped)).status).toBe(201);
    expect(rig.audit.events.some((e) => e.type === 'member.refusal' && e.reason === 'INSUFFICIENT_SCOPE')).toBe(true);
  });

  it('answers 401 STEP_UP_REQUIRED with the RFC 9470 challenge, and the step-up sign-in gets through', async () => {
    rig.setMemberApi({
      ...MEMBER_API_SETTINGS,
      routes: { rewardIssue: { stepUp: { acrValues: ['mfa'], maxAgeSeconds: 300 } } },
    });
    const login = await rig.loginWith('ada');
    const refused = await issue(login.accessToken);
    expect([refused.status, refused.body.error.code]).toEqual([401, 'STEP_UP_REQUIRED']);
    expect(refused.headers['www-authenticate']).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa", max_age=300',
    );
    // What an app does with the challenge: sign in again, in the same CIAM session, with its acr_values and max_age.
    const stepped = await rig.loginWith('ada', { stepUp: { acrValues: 'mfa', maxAge: 300, cookies: login.cookies } });
    expect((await issue(stepped.accessToken)).status).toBe(201);
    expect(rig.audit.events.some((e) => e.type === 'member.refusal' && e.reason === 'STEP_UP_REQUIRED')).toBe(true);
  });

  it('refuses a sign-in older than maxAgeSeconds, even at the right acr', async () => {
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, routes: { loyalty: { stepUp: { maxAgeSeconds: 60 } } } });
    const token = (await rig.loginWith('ada', { stepUp: { acrValues: 'mfa' } })).accessToken;
    expect((await rig.member('GET /v1/me/loyalty', token)).status).toBe(200);
    const realNow = rig.memberServices.now;
    rig.memberServices.now = () => Date.now() + 120_000;
    try {
      const old = await rig.member('GET /v1/me/loyalty', token);
      expect([old.status, old.body.error.code]).toEqual([401, 'STEP_UP_REQUIRED']);
      expect(old.headers['www-authenticate']).toBe(
        'Bearer error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age=60',
      );
    } finally {
      if (realNow) rig.memberServices.now = realNow;
      else delete rig.memberServices.now;
    }
  });

  it('refuses client-credentials tokens: routes for members need a member', async () => {
    rig.setMemberApi(MEMBER_API_SETTINGS);
    const client = await rig.clientToken();
    const { status, body } = await rig.member('GET /v1/me/loyalty', client);
    expect([status, body.error.code]).toEqual([403, 'USER_TOKEN_REQUIRED']);
  });

  it('refuses a bearer other than the one the authorizer verified', async () => {
    const other = (await rig.loginWith('ada')).accessToken;
    const context = await rig.contextFor(plain);
    const { authorizedEvent, lambdaContext } = await import('../support/events.js');
    const { createHandler } = await import('../../functions/member/handler.js');
    const handler = createHandler({
      logger: (await import('../../shared/observability/logger.js')).createLogger('t', 'SILENT'),
      brands: rig.brands,
      services: rig.memberServices,
    });
    const event = authorizedEvent(context, {
      resource: '/v1/me/loyalty',
      headers: { Authorization: `Bearer ${other}` },
    });
    expect((await handler(event, lambdaContext)).statusCode).toBe(401);
  });
});
