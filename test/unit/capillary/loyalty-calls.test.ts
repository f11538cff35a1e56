// The member API's Capillary calls with a scripted fetch: the request each makes, how each endpoint family's
// answers are judged (v2 errors[], v1.1 status and item_status, Rewards success/code, Neo passed through), the
// token renewed once on 401, retries on 5xx/429/521, and parsing that never trusts a shape.
import { describe, expect, it } from 'vitest';
import { CapillaryClient } from '../../../shared/capillary/capillary-client.js';
import {
  CapillaryMergedError,
  CapillaryNotFoundError,
  CapillaryRejectedError,
  CapillaryUnavailableError,
} from '../../../shared/capillary/capillary-errors.js';
import { LoyaltyCalls } from '../../../shared/capillary/loyalty-calls.js';
import {
  CapillaryDuplicateRequestError,
  CapillaryMemberRefusal,
  isDuplicateRequest,
  toLoyaltyError,
} from '../../../shared/capillary/loyalty-errors.js';
import { InMemorySecretSource } from '../../../shared/config/secret-source.js';

type Scripted = { status: number; body?: unknown; text?: string };

function setup(script: Scripted[]) {
  const requests: { url: URL; method: string; headers: Record<string, string>; body: unknown }[] = [];
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    requests.push({
      url: new URL(input),
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = script.shift();
    if (!next) throw new Error(`unexpected request ${input}`);
    const text = next.text ?? (next.body === undefined ? '' : JSON.stringify(next.body));
    return new Response(next.status === 204 ? null : text, { status: next.status });
  };
  const client = new CapillaryClient({
    baseUrl: 'https://eu.api.capillarytech.test',
    authMode: 'oauth',
    credentialsParameter: '/cap',
    secrets: new InMemorySecretSource({ '/cap': JSON.stringify({ key: 'k', secret: 's' }) }),
    timeoutMs: 1000,
    fetch,
    sleep: async () => undefined,
    random: () => 0.5,
  });
  return { calls: new LoyaltyCalls(client), requests };
}

const TOKEN: Scripted = { status: 200, body: { data: { accessToken: 'tok', ttlSeconds: 300 } } };
const v2Error = (status: number, code: number) => ({
  status,
  body: { warnings: [], errors: [{ code, message: 'x' }] },
});

describe('v2 family (loyalty details, expiry, tier gaps, ledger, transactions)', () => {
  it('asks loyaltyDetails with the server token and parses numbers sent as numbers or strings', async () => {
    const { calls, requests } = setup([
      TOKEN,
      { status: 200, body: { data: [{ programId: 973, loyaltyPoints: '5.632820109E9', lifetimePoints: 8500.0 }] } },
    ]);
    const [program] = await calls.loyaltyDetails(42);
    expect(program).toMatchObject({ programId: 973, loyaltyPoints: 5_632_820_109, lifetimePoints: 8500, redeemed: 0 });
    expect(requests[1]?.url.pathname).toBe('/v2/customers/42/loyaltyDetails');
    expect(requests[1]?.headers['X-CAP-API-OAUTH-TOKEN']).toBe('tok');
  });

  it('maps 8015 to not found and 8069 to merged, whatever the HTTP status', async () => {
    await expect(setup([TOKEN, v2Error(200, 8015)]).calls.loyaltyDetails(1)).rejects.toBeInstanceOf(
      CapillaryNotFoundError,
    );
    await expect(setup([TOKEN, v2Error(500, 8069)]).calls.expirySchedule(1)).rejects.toBeInstanceOf(
      CapillaryMergedError,
    );
    await expect(setup([TOKEN, v2Error(400, 8089)]).calls.loyaltyDetails(1)).rejects.toBeInstanceOf(
      CapillaryRejectedError,
    );
  });

  it('renews the token once on 401, retries a 5xx without a business code, and refuses a shape it does not know', async () => {
    const renewed = setup([TOKEN, { status: 401 }, TOKEN, { status: 503 }, { status: 200, body: { data: [] } }]);
    expect(await renewed.calls.loyaltyDetails(1)).toEqual([]);
    expect(renewed.requests.filter((r) => r.url.pathname === '/v3/oauth/token/generate')).toHaveLength(2);
    await expect(setup([TOKEN, { status: 200, body: { data: 'no' } }]).calls.loyaltyDetails(1)).rejects.toBeInstanceOf(
      CapillaryRejectedError,
    );
    await expect(
      setup([TOKEN, { status: 503 }, { status: 503 }, { status: 503 }]).calls.loyaltyDetails(1),
    ).rejects.toBeInstanceOf(CapillaryUnavailableError);
    await expect(setup([TOKEN, { status: 404, text: 'nope' }]).calls.loyaltyDetails(1)).rejects.toBeInstanceOf(
      CapillaryRejectedError,
    );
  });

  it('finds tier gaps wherever they sit, under either field name, and asks for embed=mlp', async () => {
    const { calls, requests } = setup([
      TOKEN,
      {
        status: 200,
        body: {
          id: 1,
          loyaltyInfo: {
            deep: [
              {
                programId: 1,
                upgradeStrategies: [
                  {
                    upgrade_based_on: 'CURRENT_POINTS',
                    upgradeThreshold: 100,
                    customerUpgradeEntityValues: { currentValue: 40, gapToUpgrade: 60 },
                  },
                ],
              },
              { programId: 2, gapToUpgrade: [{ upgradeBasedOn: 'CUMULATIVE_PURCHASES' }] },
            ],
          },
        },
      },
    ]);
    expect(await calls.tierGaps(1)).toEqual([
      { programId: 1, criteria: [{ basedOn: 'CURRENT_POINTS', threshold: 100, current: 40, gap: 60 }] },
      { programId: 2, criteria: [{ basedOn: 'CUMULATIVE_PURCHASES', threshold: null, current: null, gap: null }] },
    ]);
    expect(Object.fromEntries(requests[1]?.url.searchParams ?? [])).toEqual({
      source: 'ALL',
      embed: 'mlp',
      gapToUpgrade: '0',
    });
  });

  it('asks the ledger for one window by page number, newest first, and reads its entries', async () => {
    const { calls, requests } = setup([
      TOKEN,
      {
        status: 200,
        body: {
          ledgerDetails: { pageNumber: 1, pageSize: 2, totalEntries: 3 },
          ledgerEntries: [
            {
              eventLogId: 9,
              eventName: 'PointsRedemption',
              ledgerCreatedDate: '2026-01-01 10:00:00',
              entryDetails: [{ ledgerEntryType: 'DEBIT', points: '10.500', programId: 1 }],
            },
          ],
        },
      },
    ]);
    const page = await calls.ledger(7, {
      startMs: Date.UTC(2026, 0, 1),
      endMs: Date.UTC(2026, 2, 31, 23, 59, 59),
      page: 1,
      limit: 2,
    });
    expect(page.entries[0]).toEqual({
      id: '9',
      event: 'PointsRedemption',
      at: '2026-01-01 10:00:00',
      points: [{ programId: 1, programName: null, type: 'DEBIT', points: 10.5 }],
      netPoints: -10.5,
      transactionNumber: null,
    });
    expect(Object.fromEntries(requests[1]?.url.searchParams ?? [])).toMatchObject({
      identifierName: 'id',
      identifierValue: '7',
      startDate: '2026-01-01T00:00:00',
      endDate: '2026-03-31T23:59:59',
      offset: '1',
      limit: '2',
      order: 'DESC',
    });
  });
});

describe('v1.1 family (coupons)', () => {
  const envelope = (
    success: string,
    code: number,
    item?: { success: string; code: string },
    coupons: unknown[] = [],
  ) => ({
    response: {
      status: { success, code, message: 'm' },
      customers: { customer: item ? [{ coupons: { coupon: coupons }, item_status: item }] : [] },
    },
  });

  it('reads the customer coupons with string booleans', async () => {
    const { calls, requests } = setup([
      TOKEN,
      {
        status: 200,
        body: envelope('true', 200, { success: 'true', code: '1000' }, [{ id: '1', code: 'C', discount_value: '10' }]),
      },
    ]);
    expect(await calls.coupons(5, 'redeemed')).toMatchObject([{ id: 1, code: 'C', discount_value: 10 }]);
    expect(requests[1]?.url.search).toBe('?id=5&format=json&status=redeemed');
  });

  it('maps a customer not found (1012) to not found, a server failure to a retry, a shape it does not know to 502', async () => {
    await expect(
      setup([TOKEN, { status: 200, body: envelope('false', 500, { success: 'false', code: '1012' }) }]).calls.coupons(
        5,
      ),
    ).rejects.toBeInstanceOf(CapillaryNotFoundError);
    const retried = setup([
      TOKEN,
      { status: 502, body: envelope('false', 500) },
      { status: 200, body: envelope('true', 200, { success: 'true', code: '1000' }) },
    ]);
    expect(await retried.calls.coupons(5)).toEqual([]);
    await expect(setup([TOKEN, { status: 200, body: { response: 'x' } }]).calls.coupons(5)).rejects.toBeInstanceOf(
      CapillaryRejectedError,
    );
    await expect(
      setup([TOKEN, { status: 400, body: envelope('false', 400, { success: 'false', code: '1015' }) }]).calls.coupons(
        5,
      ),
    ).rejects.toBeInstanceOf(CapillaryRejectedError);
  });

  it('retries the coupon codes Capillary calls transient (786-799, "try again later"), then answers unavailable', async () => {
    const transientOnce = setup([
      TOKEN,
      { status: 200, body: envelope('false', 500, { success: 'false', code: '790' }) },
      { status: 200, body: envelope('true', 200, { success: 'true', code: '1000' }) },
    ]);
    expect(await transientOnce.calls.coupons(5)).toEqual([]);
    const always = setup([
      TOKEN,
      ...Array.from({ length: 5 }, () => ({
        status: 200,
        body: envelope('false', 500, { success: 'false', code: '799' }),
      })),
    ]);
    await expect(always.calls.coupons(5)).rejects.toBeInstanceOf(CapillaryUnavailableError);
  });
});

describe('Rewards family (catalog, issue, issuals)', () => {
  const member = { type: 'mobile' as const, value: '447700900000' };
  const input = { rewardId: 5, brand: 'b', till: 't', member, requestId: 'rid', programId: 973 };

  it('sends the requestId at the top level and on the reward line, with the till and the identifier', async () => {
    const { calls, requests } = setup([
      TOKEN,
      { status: 200, body: { success: true, pointsRedeemed: '150.5', couponCode: 'X', transactionId: 9 } },
    ]);
    expect(await calls.issueReward(input)).toMatchObject({
      pointsRedeemed: 150.5,
      couponCode: 'X',
      transactionId: '9',
    });
    expect(requests[1]?.url.pathname).toBe('/api_gateway/rewards/core/v1/user/reward/5/issue');
    expect(requests[1]?.url.search).toBe('?username=t&skip_validation=true');
    expect(requests[1]?.body).toEqual({
      mobile: '447700900000',
      brand: 'b',
      transactionNumber: 'rid',
      requestId: 'rid',
      programId: 973,
      rewards: [{ rewardId: 5, quantity: 1, requestId: 'rid' }],
    });
  });

  it('maps refusals per family: points codes to INSUFFICIENT_POINTS, 800x to REWARD_NOT_AVAILABLE, duplicates apart', async () => {
    const refusal = async (body: unknown) =>
      setup([TOKEN, { status: 400, body }])
        .calls.issueReward(input)
        .catch((e: unknown) => e);
    expect(await refusal({ success: false, code: 818, message: 'x' })).toMatchObject({ code: 'INSUFFICIENT_POINTS' });
    expect(await refusal({ success: false, code: '8004', message: 'x' })).toMatchObject({
      code: 'REWARD_NOT_AVAILABLE',
    });
    expect(await refusal({ success: false, code: 8012, message: 'x' })).toBeInstanceOf(CapillaryDuplicateRequestError);
    expect(await refusal({ success: false, code: 9999, message: 'Reward already issued for request' })).toBeInstanceOf(
      CapillaryDuplicateRequestError,
    );
    expect(await refusal({ success: false, code: 8015, message: 'x' })).toBeInstanceOf(CapillaryNotFoundError);
    expect(await refusal({ success: false, code: 9999, message: 'x' })).toBeInstanceOf(CapillaryRejectedError);
  });

  it('retries 521 (another request for the same customer) and 5xx, and reads issuals under status.success', async () => {
    const { calls } = setup([
      TOKEN,
      { status: 521, body: { success: false, code: 521 } },
      { status: 200, body: { success: true, pointsRedeemed: 1 } },
    ]);
    expect((await calls.issueReward(input)).pointsRedeemed).toBe(1);
    const issuals = setup([
      TOKEN,
      { status: 200, body: { status: { success: true }, data: [{ rewardTransactionId: 1, rewardId: 2 }] } },
    ]);
    expect(await issuals.calls.issuals(3, { page: 1, size: 10 })).toEqual([{ rewardTransactionId: 1, rewardId: 2 }]);
    const catalog = setup([
      TOKEN,
      { status: 200, body: { success: true, rewardList: [{ id: 1, name: 'A', intouchPoints: 5 }] } },
    ]);
    expect(await catalog.calls.rewardsForUser('My Brand', 3, { page: 1, size: 10 })).toMatchObject([{ id: 1 }]);
  });
});

describe('Neo', () => {
  it('passes the dataflow status and JSON through, with the dag scope header', async () => {
    const { calls, requests } = setup([TOKEN, { status: 422, body: { error: 'bad' } }]);
    expect(
      await calls.neo({ method: 'POST', path: '/x/neo/1/echo', params: { a: ['1', '2'] }, body: { x: 1 } }),
    ).toEqual({
      status: 422,
      body: { error: 'bad' },
    });
    expect(requests[1]?.headers['x-cap-neo-dag-scope']).toBe('org');
    expect(requests[1]?.url.search).toBe('?a=1&a=2');
  });

  it('refuses a non-JSON answer and the gateway credentials being refused (502), retries an outage', async () => {
    await expect(
      setup([TOKEN, { status: 200, text: '<html>' }]).calls.neo({ method: 'GET', path: '/x/neo/a', params: {} }),
    ).rejects.toBeInstanceOf(CapillaryRejectedError);
    await expect(
      setup([TOKEN, { status: 403 }]).calls.neo({ method: 'GET', path: '/x/neo/a', params: {} }),
    ).rejects.toBeInstanceOf(CapillaryRejectedError);
    const retried = setup([TOKEN, { status: 429 }, { status: 204 }]);
    expect(await retried.calls.neo({ method: 'PUT', path: '/x/neo/a', params: {} })).toEqual({
      status: 204,
      body: null,
    });
  });
});

describe('loyalty error mapping', () => {
  it('keeps families apart: 8003 is a refusal for Rewards, a plain failure for v2', () => {
    const info = { codes: [8003], httpStatus: 400, requestId: undefined };
    expect(toLoyaltyError('rewards', 'op', info)).toBeInstanceOf(CapillaryMemberRefusal);
    expect(toLoyaltyError('v2', 'op', info)).not.toBeInstanceOf(CapillaryMemberRefusal);
    expect(toLoyaltyError('v2', 'op', { codes: [], httpStatus: 401, requestId: undefined }).message).toMatch(
      /credentials/,
    );
    expect(isDuplicateRequest(undefined, 'Duplicate request id')).toBe(true);
    expect(isDuplicateRequest(8004, 'Unable to issue')).toBe(false);
  });
});
