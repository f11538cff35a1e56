// The member handlers start the link read before their guards (the revocation check) and run it beside them, so
// the link costs no DynamoDB round trip of its own in sequence. The read is only ever used after every guard passed
// and for the token's own brand and sub: a guard's refusal answers as before and nothing reaches Capillary.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AuthorizerContext } from '../../shared/auth/authorizer-context.js';
import { ErrorCodes, UnauthorizedError } from '../../shared/errors.js';
import { memberLink, prefetchLink } from '../../shared/member/member-customer.js';
import { type MemberRig, memberAccount, startMemberRig } from '../support/member-harness.js';

const accounts = { ada: memberAccount('Ada', 'Lovelace'), bob: memberAccount('Bob', 'Byte') };

describe('member handlers: the link read runs beside the guards', () => {
  let rig: MemberRig;
  let ada = '';
  let adaId = 0;
  let guard: (auth: AuthorizerContext) => Promise<void> = async () => undefined;

  beforeAll(async () => {
    rig = await startMemberRig({
      accounts: structuredClone(accounts),
      tablePrefix: 'member-prefetch',
      guards: [(auth) => guard(auth)],
    });
    ada = (await rig.login('ada')).accessToken;
    adaId = (await rig.call('session', ada)).body.customerId as number;
  });
  afterAll(() => rig.close());

  it('starts the link read before a slow guard finishes, and reads the link once', async () => {
    const events: string[] = [];
    guard = async () => {
      events.push('guard started');
      await new Promise((resolve) => setTimeout(resolve, 30));
      events.push('guard done');
    };
    const original = rig.services.links.get.bind(rig.services.links);
    const spy = vi.spyOn(rig.services.links, 'get').mockImplementation((brandId, sub) => {
      events.push('link read');
      return original(brandId, sub);
    });
    try {
      const answer = await rig.member('GET /v1/me/loyalty', ada);
      expect(answer.status).toBe(200);
      expect(answer.body.customerId).toBe(adaId);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(events).toEqual(['link read', 'guard started', 'guard done']);
    } finally {
      spy.mockRestore();
      guard = async () => undefined;
    }
  });

  it("answers a guard's refusal as before: nothing reaches Capillary, on every member function", async () => {
    guard = async () => {
      throw new UnauthorizedError(ErrorCodes.TOKEN_REVOKED, 'Token has been revoked');
    };
    try {
      const before = rig.sim.calls.length;
      for (const route of ['GET /v1/me/loyalty', 'POST /v1/me/rewards/{rewardId}/issue', 'POST /v1/me/neo/{name}']) {
        const answer = await rig.member(route, ada, {
          params: { rewardId: '5001', name: 'echo' },
          headers: { 'Idempotency-Key': 'k-revoked' },
          body: {},
        });
        expect(answer.status, route).toBe(401);
        expect(answer.body.error.code, route).toBe('TOKEN_REVOKED');
      }
      expect(rig.sim.calls.length).toBe(before);
    } finally {
      guard = async () => undefined;
    }
  });

  it('uses an early read only for the same brand and sub, else reads again; a failed early read fails when used', async () => {
    const caller = { brand: { brandId: rig.brand.brandId }, auth: { sub: 'ada' } } as Parameters<typeof memberLink>[1];
    const other = prefetchLink(rig.services, rig.brand.brandId, 'bob');
    expect((await memberLink(rig.services, { ...caller, linkRead: other })).customerId).toBe(adaId);
    const failing = {
      brandId: rig.brand.brandId,
      sub: 'ada',
      read: Promise.reject(new Error('DynamoDB down')),
    };
    failing.read.catch(() => undefined);
    await expect(memberLink(rig.services, { ...caller, linkRead: failing })).rejects.toThrow('DynamoDB down');
    await expect(
      memberLink(rig.services, { ...caller, auth: { sub: 'nobody' } } as Parameters<typeof memberLink>[1]),
    ).rejects.toMatchObject({ code: 'CUSTOMER_NOT_LINKED' });
  });
});
