// The member API's pure rules: the token claims the requirements read (scope or scp, string or list), the RFC 6750
// and RFC 9470 challenges, opaque cursors bound to their route, JSON pointers of Neo body places, coupon states,
// the identifier a reward is issued by, and the Capillary requestId derived from a member's key.
import { describe, expect, it } from 'vitest';
import type { CapillaryCustomer } from '../../../shared/capillary/capillary-types.js';
import { couponStatus } from '../../../shared/member/member-activity.js';
import { decodeCursor, encodeCursor, parseQuery } from '../../../shared/member/member-query.js';
import { pointerTokens, withBodyValue } from '../../../shared/member/neo-call.js';
import { capillaryRequestId, rewardMemberOf } from '../../../shared/member/reward-issue.js';
import {
  checkRouteRequirements,
  RouteRequirementError,
  tokenClaimsOf,
} from '../../../shared/member/route-requirements.js';
import { PointsHistoryQuerySchema } from '../../../shared/member/points-history.js';
import { ValidationError } from '../../../shared/errors.js';
import { z } from 'zod';

const claims = (extra: Record<string, unknown> = {}) => tokenClaimsOf({ scope: 'openid loyalty:read', ...extra });

function refusal(run: () => void): RouteRequirementError {
  try {
    run();
  } catch (error) {
    if (error instanceof RouteRequirementError) return error;
    throw error;
  }
  throw new Error('no refusal');
}

describe('token claims', () => {
  it('reads scopes from scope and scp (a string or a list), and ignores what is not a string', () => {
    expect([...tokenClaimsOf({ scope: 'a  b', scp: ['c', 1, ''] }).scopes].sort()).toEqual(['a', 'b', 'c']);
    expect([...tokenClaimsOf({ scp: 'x y' }).scopes]).toEqual(['x', 'y']);
    expect(tokenClaimsOf({ acr: 5, amr: 'pwd', auth_time: '1' })).toEqual({
      scopes: new Set(),
      acr: undefined,
      amr: [],
      authTime: undefined,
    });
  });
});

describe('route requirements', () => {
  const brand = (routes: unknown) => ({ memberApi: { routes } }) as never;
  const now = 1_800_000_000;

  it('passes a route with no settings, and refuses one switched off with 404 ROUTE_DISABLED', () => {
    expect(() => checkRouteRequirements({ memberApi: undefined }, 'loyalty', claims(), now)).not.toThrow();
    const off = refusal(() => checkRouteRequirements(brand({ loyalty: { enabled: false } }), 'loyalty', claims(), now));
    expect([off.refusal, off.answer.status, off.answer.code]).toEqual(['ROUTE_DISABLED', 404, 'ROUTE_DISABLED']);
  });

  it('asks for every required scope in the challenge (RFC 6750 §3)', () => {
    const settings = brand({ rewardIssue: { requiredScopes: ['loyalty:read', 'rewards:redeem'] } });
    const missing = refusal(() => checkRouteRequirements(settings, 'rewardIssue', claims(), now));
    expect(missing.answer.status).toBe(403);
    expect(missing.answer.wwwAuthenticate).toBe(
      'Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope="loyalty:read rewards:redeem"',
    );
    expect(() =>
      checkRouteRequirements(settings, 'rewardIssue', claims({ scp: ['rewards:redeem'] }), now),
    ).not.toThrow();
  });

  it('asks for the acr values and max_age of the route (RFC 9470 §3), accepting a fresh enough strong sign-in', () => {
    const settings = brand({ rewardIssue: { stepUp: { acrValues: ['mfa', 'hwk'], maxAgeSeconds: 300 } } });
    const weak = refusal(() =>
      checkRouteRequirements(settings, 'rewardIssue', claims({ acr: 'pwd', auth_time: now }), now),
    );
    expect(weak.answer.status).toBe(401);
    expect(weak.answer.wwwAuthenticate).toBe(
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="mfa hwk", max_age=300',
    );
    const noTime = refusal(() => checkRouteRequirements(settings, 'rewardIssue', claims({ acr: 'mfa' }), now));
    expect(noTime.answer.message).toMatch(/too old/);
    expect(() =>
      checkRouteRequirements(settings, 'rewardIssue', claims({ acr: 'hwk', auth_time: now - 300 }), now),
    ).not.toThrow();
    expect(() =>
      checkRouteRequirements(settings, 'rewardIssue', claims({ acr: 'mfa', auth_time: now - 301 }), now),
    ).toThrow(RouteRequirementError);
  });
});

describe('cursors and query parameters', () => {
  it('round-trips a cursor of its route and refuses another route or a forgery', () => {
    const schema = z.object({ page: z.number() });
    expect(decodeCursor('a', encodeCursor('a', { page: 2 }), schema)).toMatchObject({ page: 2 });
    expect(() => decodeCursor('b', encodeCursor('a', { page: 2 }), schema)).toThrow(ValidationError);
    expect(() => decodeCursor('a', encodeCursor('a', { page: 'x' }), schema)).toThrow(ValidationError);
    expect(() => decodeCursor('a', '%%%', schema)).toThrow(ValidationError);
  });

  it('reads dates or date-times, ignores unknown parameters and names a bad one', () => {
    const parsed = parseQuery(PointsHistoryQuerySchema, { from: '2026-01-31', to: '2026-02-01T10:00:00Z', other: 'x' });
    expect(parsed).toEqual({ from: Date.UTC(2026, 0, 31), to: Date.UTC(2026, 1, 1, 10), limit: 20 });
    expect(() => parseQuery(PointsHistoryQuerySchema, { from: '2026-02-30' })).toThrow(/invalid/);
    expect(() => parseQuery(PointsHistoryQuerySchema, { limit: '101' })).toThrow(ValidationError);
  });
});

describe('Neo body places', () => {
  it('reads RFC 6901 tokens and sets the value, creating objects on the way', () => {
    expect(pointerTokens('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(withBodyValue({ data: { x: 1 } }, '/data/customerId', 7)).toEqual({ data: { x: 1, customerId: 7 } });
    expect(withBodyValue({}, '/a/b', 7)).toEqual({ a: { b: 7 } });
  });

  it('refuses a value the client set, or a path through something that is not an object', () => {
    expect(() => withBodyValue({ id: null }, '/id', 7)).toThrow(ValidationError);
    expect(() => withBodyValue({ a: [1] }, '/a/b', 7)).toThrow(ValidationError);
    expect(() => withBodyValue({ a: 'x' }, '/a/b', 7)).toThrow(ValidationError);
  });
});

describe('coupons and rewards', () => {
  const now = Date.UTC(2026, 5, 1);
  it('gives each coupon one state: redeemed first, then expired by valid_till, else active', () => {
    expect(couponStatus({ id: 1, code: 'a', redemption_count: 1, valid_till: '2026-01-01 00:00:00' }, now)).toBe(
      'redeemed',
    );
    expect(couponStatus({ id: 1, code: 'a', redeemed_on: '2026-01-01 00:00:00' }, now)).toBe('redeemed');
    expect(couponStatus({ id: 1, code: 'a', valid_till: '2026-05-31 23:59:59' }, now)).toBe('expired');
    expect(couponStatus({ id: 1, code: 'a', valid_till: '2026-06-02T00:00:00+05:30' }, now)).toBe('active');
    expect(couponStatus({ id: 1, code: 'a', valid_till: 'unknown' }, now)).toBe('active');
  });

  it('issues by mobile, else e-mail, else external id, INSTORE profile first', () => {
    const customer = (profiles: { source: string; identifiers: { type: string; value: string }[] }[]) =>
      ({ id: 1, profiles }) as CapillaryCustomer;
    expect(
      rewardMemberOf(
        customer([
          {
            source: 'OAUTH_EXTERNAL',
            identifiers: [
              { type: 'cuid', value: 'u' },
              { type: 'mobile', value: '1' },
            ],
          },
          { source: 'INSTORE', identifiers: [{ type: 'mobile', value: '2' }] },
        ]),
      ),
    ).toEqual({ type: 'mobile', value: '2' });
    expect(rewardMemberOf(customer([{ source: 'X', identifiers: [{ type: 'externalId', value: 'e' }] }]))).toEqual({
      type: 'externalId',
      value: 'e',
    });
    expect(rewardMemberOf(customer([{ source: 'X', identifiers: [{ type: 'cuid', value: 'u' }] }]))).toBeUndefined();
  });

  it("derives Capillary's requestId from brand, member and key: stable, and never shared", () => {
    const id = capillaryRequestId('demo', 'alice', 'k1');
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(capillaryRequestId('demo', 'alice', 'k1')).toBe(id);
    expect(
      new Set([
        id,
        capillaryRequestId('demo', 'bob', 'k1'),
        capillaryRequestId('other', 'alice', 'k1'),
        capillaryRequestId('demo', 'alice', 'k2'),
      ]).size,
    ).toBe(4);
  });
});
