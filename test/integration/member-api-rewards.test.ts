// The reward exchange through the real handler against the Capillary simulator and dynalite: Idempotency-Key
// required, a replay answers the first answer, another request with the key is 422, an in-flight one 409, twenty
// parallel requests spend once, a lost answer never spends twice (under every reading of Capillary's requestId),
// Capillary's refusals map to stable codes, the per-member write limit answers 429 before Capillary, and each
// outcome is audited. Two sequential Capillary round trips.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { capillaryRequestId } from '../../shared/member/reward-issue.js';
import { sequentialRoundTrips } from '../../local/capillary-simulator.js';
import { MEMBER_API_SETTINGS, type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = {
  ada: memberAccount('Ada', 'Lovelace', '+44 7700 900201'),
  // No verified identifier: a customer with only the cuid, whom Capillary cannot issue a reward to.
  cuidonly: { given_name: 'Cu', family_name: 'Id', email: 'cuid@example.com', email_verified: false },
};

const ISSUE = 'POST /v1/me/rewards/{rewardId}/issue';

describe('reward exchange', () => {
  let rig: MemberRig;
  let ada = '';
  let adaId = 0;
  let keys = 0;
  const key = () => `key-${Date.now()}-${keys++}`;
  const points = () => rig.sim.loyalty.account(adaId)?.programs[0]?.loyaltyPoints ?? Number.NaN;
  const issue = (
    rewardId: string,
    idempotencyKey: string | undefined,
    extra: { body?: unknown; token?: string } = {},
  ) =>
    rig.member(ISSUE, extra.token ?? ada, {
      params: { rewardId },
      headers: idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey },
      body: extra.body ?? {},
    });

  beforeAll(async () => {
    rig = await startMemberRig({ accounts: structuredClone(accounts), tablePrefix: 'member-rewards' });
    ada = (await rig.login('ada')).accessToken;
    adaId = (await rig.call('session', ada)).body.customerId as number;
  });
  afterAll(() => rig.close());
  beforeEach(() => {
    rig.sim.clearFaults();
    // Enough points for every exchange of a test, whatever the one before left.
    if (adaId) rig.sim.loyalty.credit(adaId, { points: 3000 - points() });
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, writeLimit: { maxWrites: 1000, windowSeconds: 60 } });
    rig.sim.loyalty.configure({
      rewardRequestIdPlacement: 'top-level',
      rewardRequestIdRepeat: 'replay',
      writeHoldMs: 5,
    });
  });

  it('issues the reward: the reward, the points spent, the new balance; two sequential round trips', async () => {
    const before = points();
    const calls = rig.capillaryCalls.length;
    const simCalls = rig.sim.calls.length;
    const { status, body, headers } = await issue('5001', key());
    expect(status).toBe(201);
    expect(body).toMatchObject({
      customerId: adaId,
      rewardId: 5001,
      name: 'Free espresso',
      status: 'issued',
      pointsSpent: 150,
    });
    expect(body.balance).toEqual({ programId: 973, points: Math.round((before - 150) * 1000) / 1000 });
    expect(body.balance.points).toBe(points());
    expect(body.couponCode).toMatch(/^RW5001/);
    expect(headers['idempotent-replayed']).toBeUndefined();
    // Counted on the client's side (the simulator answers each call at once, so its own order says nothing).
    expect(sequentialRoundTrips(rig.capillaryCalls.slice(calls))).toBe(2);
    expect(rig.sim.calls.length - simCalls).toBe(4);
    expect(rig.capillaryCalls.slice(calls).map((c) => `${c.method} ${c.url.pathname}`)).toContain(
      'POST /api_gateway/rewards/core/v1/user/reward/5001/issue',
    );
  });

  it('requires an Idempotency-Key (400) that is a visible ASCII value', async () => {
    const missing = await issue('5001', undefined);
    expect([missing.status, missing.body.error.code]).toEqual([400, 'IDEMPOTENCY_KEY_REQUIRED']);
    const bad = await issue('5001', 'with space');
    expect([bad.status, bad.body.error.details[0].field]).toEqual([400, 'header.Idempotency-Key']);
    const field = await issue('5001', key(), { body: { customerId: 1 } });
    expect([field.status, field.body.error.details[0].field]).toEqual([400, 'customerId']);
  });

  it('replays the first answer for the same key and request, and spends once', async () => {
    const idempotencyKey = key();
    const first = await issue('5001', idempotencyKey);
    const spent = points();
    const again = await issue('5001', idempotencyKey);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(points()).toBe(spent);
  });

  it('refuses the key for another request (422) and answers 409 while the first is in flight', async () => {
    const idempotencyKey = key();
    expect((await issue('5001', idempotencyKey)).status).toBe(201);
    const reused = await issue('5002', idempotencyKey);
    expect([reused.status, reused.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    rig.sim.injectFault({ kind: 'latency', ms: 400, count: 1, match: '/issue' });
    const slow = key();
    const [a, b] = await Promise.all([
      issue('5001', slow),
      new Promise((resolve) => setTimeout(resolve, 150)).then(() => issue('5001', slow)),
    ]);
    expect(a.status).toBe(201);
    expect([b.status, b.body.error.code]).toEqual([409, 'IDEMPOTENCY_IN_PROGRESS']);
    expect(Number(b.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('spends once for twenty parallel requests with one key', async () => {
    const before = points();
    const issuedBefore = rig.sim.loyalty.issuesPerformed();
    const idempotencyKey = key();
    const answers = await Promise.all(Array.from({ length: 20 }, () => issue('5001', idempotencyKey)));
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(statuses.filter((s) => s === 201).length).toBeGreaterThanOrEqual(1);
    expect(answers.filter((a) => a.status === 201 && !a.headers['idempotent-replayed'])).toHaveLength(1);
    expect(rig.sim.loyalty.issuesPerformed() - issuedBefore).toBe(1);
    expect(points()).toBeCloseTo(before - 150, 3);
    // Once the first finished, a retry gets its answer.
    const after = await issue('5001', idempotencyKey);
    expect(after.body).toEqual(answers.find((a) => a.status === 201)?.body);
  });

  describe.each([
    ['top-level', 'replay'],
    ['top-level', 'error'],
    ['reward-line', 'replay'],
    ['reward-line', 'error'],
  ] as const)('a lost answer (requestId %s, repeat answers %s)', (placement, repeat) => {
    it('never spends twice: Capillary issued, answered 500, the retry with the same requestId does not issue again', async () => {
      rig.sim.loyalty.configure({ rewardRequestIdPlacement: placement, rewardRequestIdRepeat: repeat });
      const before = points();
      const issuedBefore = rig.sim.loyalty.issuesPerformed();
      rig.sim.injectFault({ kind: 'fail-after-write', count: 1, match: '/issue' });
      const { status, body } = await issue('5001', key());
      expect(status).toBe(201);
      expect(rig.sim.loyalty.issuesPerformed() - issuedBefore).toBe(1);
      expect(points()).toBeCloseTo(before - 150, 3);
      expect(body.balance.points).toBeCloseTo(points(), 3);
    });

    it('a retry that takes over a dead attempt neither spends again nor is refused for the points it spent', async () => {
      rig.sim.loyalty.configure({ rewardRequestIdPlacement: placement, rewardRequestIdRepeat: repeat });
      const idempotencyKey = key();
      // A first invocation claimed the key, had Capillary issue the reward with its requestId, then died.
      await rig.state.claimIdempotency(
        { brandId: 'demo', sub: 'ada', key: idempotencyKey },
        await fingerprintOf('5005'),
        'dead',
        Date.now() - 60_000,
        1,
        3600,
      );
      rig.sim.loyalty.credit(adaId, { points: 5000 }); // Gold and enough for the lounge pass
      const requestId = capillaryRequestId('demo', 'ada', idempotencyKey);
      const direct = await fetch(`${rig.sim.baseUrl}/api_gateway/rewards/core/v1/user/reward/5005/issue?username=t`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-cap-api-oauth-token': await simToken() },
        body: JSON.stringify({
          brand: 'demo_marvel',
          email: 'ada@example.com',
          requestId,
          rewards: [{ rewardId: 5005, requestId }],
        }),
      });
      expect(((await direct.json()) as { success: boolean }).success).toBe(true);
      // Leave too few points for a second lounge pass: a fresh pre-check would refuse it.
      rig.sim.loyalty.credit(adaId, { points: -(points() - 100) });
      const issuedBefore = rig.sim.loyalty.issuesPerformed();
      const { status, body } = await issue('5005', idempotencyKey);
      expect([status, body.status]).toEqual([201, 'issued']);
      expect(rig.sim.loyalty.issuesPerformed()).toBe(issuedBefore);
      expect(body.balance.points).toBeCloseTo(100, 3);
    });
  });

  it('refuses what the member cannot get: not in their catalog, not enough points, no identifier (409, replayed)', async () => {
    const notTheirs = await issue('5006', key());
    expect([notTheirs.status, notTheirs.body.error.code]).toEqual([409, 'REWARD_NOT_AVAILABLE']);
    rig.sim.loyalty.credit(adaId, { points: -(points() - 10) });
    const poorKey = key();
    const poor = await issue('5001', poorKey);
    expect([poor.status, poor.body.error.code]).toEqual([409, 'INSUFFICIENT_POINTS']);
    expect((await issue('5001', poorKey)).body).toEqual(poor.body);
    rig.sim.loyalty.credit(adaId, { points: 1000 });
    const cuidonly = (await rig.login('cuidonly')).accessToken;
    expect((await rig.call('session', cuidonly)).status).toBe(201);
    const none = await issue('5001', key(), { token: cuidonly });
    expect([none.status, none.body.error.code]).toEqual([409, 'MEMBER_IDENTIFIER_REQUIRED']);
  });

  it("maps Capillary's own refusals by family: 818 and 8005 to stable 409s, an outage to 503 with Retry-After", async () => {
    const answer = (code: number) =>
      ({
        kind: 'answer',
        status: 400,
        count: 1,
        match: '/issue',
        body: { success: false, code, message: 'x' },
      }) as const;
    rig.sim.injectFault(answer(818));
    expect((await issue('5001', key())).body.error.code).toBe('INSUFFICIENT_POINTS');
    rig.sim.injectFault(answer(8005));
    expect((await issue('5001', key())).body.error.code).toBe('REWARD_NOT_AVAILABLE');
    rig.sim.injectFault({ kind: 'status', status: 503, count: 3, match: '/issue' });
    const outageKey = key();
    const outage = await issue('5001', outageKey);
    expect([outage.status, outage.body.error.code, outage.headers['retry-after']]).toEqual([
      503,
      'UPSTREAM_UNAVAILABLE',
      '2',
    ]);
    // An outage is no final answer: the same key goes through once Capillary is back.
    expect((await issue('5001', outageKey)).status).toBe(201);
  });

  it('retries 521 (another request for the same customer), answers 503 when it persists, and spends once per 201', async () => {
    rig.sim.loyalty.configure({ writeHoldMs: 80 });
    const before = points();
    const seen = rig.sim.calls.length;
    const answers = await Promise.all([issue('5001', key()), issue('5001', key()), issue('5001', key())]);
    const issued = answers.filter((a) => a.status === 201).length;
    expect(issued).toBeGreaterThanOrEqual(1);
    for (const answer of answers.filter((a) => a.status !== 201)) {
      expect([answer.status, answer.body.error.code, answer.headers['retry-after']]).toEqual([
        503,
        'UPSTREAM_UNAVAILABLE',
        '2',
      ]);
    }
    expect(points()).toBeCloseTo(before - 150 * issued, 3);
    expect(rig.sim.calls.slice(seen).some((c) => c.status === 521)).toBe(true);
  });

  it('limits writes per member: 429 RATE_LIMITED with Retry-After, before Capillary is called, audited', async () => {
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, writeLimit: { maxWrites: 2, windowSeconds: 3600 } });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await issue('5001', key()));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 429]);
    const limited = answers[2];
    expect(limited?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    const before = rig.sim.calls.length;
    const refusedKey = key();
    expect((await issue('5001', refusedKey)).status).toBe(429);
    expect(rig.sim.calls.length).toBe(before);
    expect(rig.audit.events.some((e) => e.type === 'member.refusal' && e.reason === 'RATE_LIMITED')).toBe(true);
    // A refused key was never used: once the limit allows, it goes through.
    rig.setMemberApi({ ...MEMBER_API_SETTINGS, writeLimit: { maxWrites: 1000, windowSeconds: 60 } });
    expect((await issue('5001', refusedKey)).status).toBe(201);
  });

  it('audits every write (issued, replayed, failed) without personal data', () => {
    const writes = rig.audit.events.filter((e) => e.type === 'member.write');
    const reasons = new Set(writes.map((e) => e.reason));
    for (const reason of [
      'REWARD_ISSUED',
      'REPLAYED',
      'REWARD_NOT_AVAILABLE',
      'INSUFFICIENT_POINTS',
      'MEMBER_IDENTIFIER_REQUIRED',
      'UPSTREAM_UNAVAILABLE',
    ]) {
      expect(reasons, reason).toContain(reason);
    }
    expect(writes.some((e) => e.reason === 'REWARD_ISSUED' && e.details?.rewardId === 5001)).toBe(true);
    expect(JSON.stringify(writes)).not.toMatch(/ada@example\.com|447700900201/);
  });
  async function simToken(): Promise<string> {
    const answer = await fetch(`${rig.sim.baseUrl}/v3/oauth/token/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'cap-key', secret: 'cap-secret' }),
    });
    return ((await answer.json()) as { data: { accessToken: string } }).data.accessToken;
  }
});

/** The fingerprint the handler claims a key with for `rewardId` (reward-issue.ts). */
async function fingerprintOf(rewardId: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash('sha256')
    .update(JSON.stringify({ route: 'rewardIssue', rewardId: Number(rewardId) }))
    .digest('hex');
}
