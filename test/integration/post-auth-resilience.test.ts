import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type PostAuthRig, startPostAuthRig, CuidLookupModes } from '../support/post-auth-harness.js';

function user(n: number) {
  return {
    given_name: `User${n}`,
    family_name: 'Test',
    email: `user${n}@example.com`,
    email_verified: true,
    phone_number: `+4477009${String(n).padStart(5, '0')}`,
    phone_number_verified: true,
  };
}

const accounts = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`u${i}`, user(i)]));

function customersWithCuid(rig: PostAuthRig, sub: string) {
  return rig.sim
    .customers()
    .filter((c) => c.profiles.some((p) => p.identifiers.some((i) => i.type === 'cuid' && i.value === sub)));
}

describe.each(CuidLookupModes)('post-auth under concurrency and Capillary faults (cuid lookup %s)', (cuidLookup) => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    // Injected hangs end as timeouts the moment the simulator parks the call; healthy calls keep the rig's
    // ordinary timeout (a short one made them race it: a 503 among the 10 concurrent sessions under load).
    rig = await startPostAuthRig({
      accounts,
      tablePrefix: `resilience-${cuidLookup}`,
      cuidLookup,
      hangsTimeOutAtOnce: true,
      // Concurrency and faults, not time, are under test: a frozen session clock keeps the lease-bound Capillary
      // deadline (5 s) from running out on a busy machine ("lookup kept failing (deadline)" among the sessions).
      now: () => 1_767_225_600_000,
    });
  });
  afterEach(() => rig.sim.clearFaults());
  afterAll(() => rig.close());

  it('creates exactly one customer for 10 simultaneous first sessions', async () => {
    const { accessToken } = await rig.login('u0');
    // Slow Capillary down so the sessions really overlap.
    rig.sim.injectFault({ kind: 'latency', ms: 20, rate: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => rig.call('session', accessToken)));
    const refused = answers.filter((a) => a.status >= 300).map((a) => a.body);
    expect(answers.map((a) => a.status).sort(), JSON.stringify(refused)).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 200, 201,
    ]);
    const ids = new Set(answers.map((a) => a.body.customerId));
    expect(ids.size).toBe(1);
    expect(answers.filter((a) => a.body.status === 'created')).toHaveLength(1);
    expect(customersWithCuid(rig, 'u0')).toHaveLength(1);
    expect(rig.sim.callCount('POST /v2/customers')).toBe(1);
  });

  it('retries 5xx answers and succeeds', async () => {
    const { accessToken } = await rig.login('u1');
    rig.sim.injectFault({ kind: 'status', status: 500, count: 2, match: 'POST /v2/customers' });
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(
      rig.sim.calls
        .filter((c) => c.method === 'POST' && c.path === '/v2/customers')
        .map((c) => c.status)
        .slice(-3),
    ).toEqual([500, 500, 200]);
    expect(customersWithCuid(rig, 'u1')).toHaveLength(1);
  });

  it('retries Capillary code 521 (concurrent actions) and timeouts', async () => {
    const { accessToken } = await rig.login('u2');
    rig.sim.injectFault({ kind: 'concurrent', count: 1, match: 'GET /v2/customers/lookup' });
    rig.sim.injectFault({ kind: 'hang', count: 1, match: 'POST /v2/customers' });
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(rig.sim.calls.some((c) => c.status === 521)).toBe(true);
    expect(customersWithCuid(rig, 'u2')).toHaveLength(1);
  });

  it('answers 503 with Retry-After when retries run out, leaves nothing behind, and a retry completes', async () => {
    const { accessToken } = await rig.login('u3');
    rig.sim.injectFault({ kind: 'status', status: 503, count: 3, match: 'POST /v2/customers' });
    const failed = await rig.call('session', accessToken);
    expect(failed).toMatchObject({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect(failed.headers['retry-after']).toBe('2');
    expect(customersWithCuid(rig, 'u3')).toHaveLength(0);
    expect(await rig.links.get('demo', 'u3')).toBeUndefined();

    const retried = await rig.call('session', accessToken);
    expect(retried).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(customersWithCuid(rig, 'u3')).toHaveLength(1);
  });

  it('answers 502 when 500s persist, and 503 when the calls keep timing out', async () => {
    const { accessToken } = await rig.login('u4');
    // Every lookup fails (the session's lookups run concurrently, so a count would spread over them).
    rig.sim.injectFault({ kind: 'status', status: 500, rate: 1, match: 'GET /v2/customers/lookup' });
    const bad = await rig.call('session', accessToken);
    expect(bad).toMatchObject({ status: 502, body: { error: { code: 'UPSTREAM_ERROR' } } });
    rig.sim.clearFaults();
    rig.sim.injectFault({ kind: 'hang', rate: 1, match: 'GET /v2/customers/lookup' });
    const slow = await rig.call('session', accessToken);
    expect(slow).toMatchObject({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect(customersWithCuid(rig, 'u4')).toHaveLength(0);
  });

  it('finds the customer Capillary created before a failed answer, so a retry links it without a duplicate', async () => {
    const { accessToken } = await rig.login('u5');
    // Capillary creates the customer and then answers 500, three times in a row: the first create
    // succeeded, the retries hit the duplicate check, and the gateway answers with an error.
    rig.sim.injectFault({ kind: 'fail-after-write', count: 3, match: 'POST /v2/customers' });
    const failed = await rig.call('session', accessToken);
    expect(failed.status).toBeGreaterThanOrEqual(502);
    expect(customersWithCuid(rig, 'u5')).toHaveLength(1);
    expect(await rig.links.get('demo', 'u5')).toBeUndefined();

    const retried = await rig.call('session', accessToken);
    expect(retried).toMatchObject({ status: 200, body: { status: 'linked' } });
    expect(customersWithCuid(rig, 'u5')).toHaveLength(1);
    expect(await rig.links.get('demo', 'u5')).toMatchObject({ customerId: customersWithCuid(rig, 'u5')[0]?.id });
  });

  it('completes in one call when only the first create answer is lost', async () => {
    const { accessToken } = await rig.login('u6');
    rig.sim.injectFault({ kind: 'fail-after-write', count: 1, match: 'POST /v2/customers' });
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(customersWithCuid(rig, 'u6')).toHaveLength(1);
  });

  it('gets a new OAuth token when Capillary stops accepting the cached one', async () => {
    const { accessToken } = await rig.login('u7');
    await rig.call('session', accessToken);
    const issued = rig.sim.tokensIssued();
    rig.sim.revokeTokens();
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 200, body: { status: 'linked' } });
    expect(rig.sim.tokensIssued()).toBe(issued + 1);
  });

  it('answers 503 CIAM_UNAVAILABLE when userinfo cannot be read', async () => {
    const { accessToken } = await rig.login('u8');
    await rig.ciam.close();
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'CIAM_UNAVAILABLE' } } });
    expect(customersWithCuid(rig, 'u8')).toHaveLength(0);
  });
});
