// The brand's `memberApi` setting: what it accepts and refuses (both parsers alike: the admin path's zod schema and
// the functions' zod/mini read path), and the requirements a route gets from it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBrandDocument } from '../../../shared/config/brand-config.js';
import { parseBrandItemDocument } from '../../../shared/config/brand-item-parser.js';
import { MemberRouteNames, routeRequirements } from '../../../shared/config/member-api-rules.js';
import { ValidationError } from '../../../shared/errors.js';

const base = {
  brandId: 'demo-brand',
  brandName: 'Demo',
  orgId: 100,
  issuer: 'https://ciam.example.com',
  applicationId: 'https://api.example.com',
  clientId: 'client-1',
  jwksUri: 'https://ciam.example.com/jwks',
  fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
  capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: '/c/demo' },
};

function outcome(parse: (input: unknown) => unknown, input: unknown) {
  try {
    return { ok: true as const, value: parse(input) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return {
      ok: false as const,
      fields: (error.details ?? []).map((issue) => `${issue.field}: ${issue.message}`).sort(),
    };
  }
}

const withMemberApi = (memberApi: unknown) => ({ ...base, memberApi });

/** Both parsers on one brand; returns the refused field paths (none when accepted). */
function refusedFields(memberApi: unknown): string[] {
  const full = outcome(parseBrandDocument, withMemberApi(memberApi));
  const mini = outcome(parseBrandItemDocument, withMemberApi(memberApi));
  expect(mini).toEqual(full);
  return full.ok ? [] : full.fields.map((field) => field.split(':')[0] ?? '');
}

const issueExample = {
  routes: {
    rewardIssue: { requiredScopes: ['rewards:redeem'], stepUp: { acrValues: ['mfa'], maxAgeSeconds: 300 } },
    coupons: { enabled: false },
  },
  neo: [{ name: 'tier-upgrade', method: 'POST', path: '/x/neo/{customerId}/tierUpgrade', customerId: 'path' }],
};

describe('memberApi brand setting', () => {
  it("accepts the issue's example as given", () => {
    expect(refusedFields(issueExample)).toEqual([]);
    expect(parseBrandDocument(withMemberApi(issueExample)).memberApi).toEqual(issueExample);
  });

  it('is optional: a brand without it is valid and has every route on, no scope, no step-up', () => {
    const brand = parseBrandDocument(base);
    expect(brand.memberApi).toBeUndefined();
    for (const route of MemberRouteNames) {
      expect(routeRequirements(brand.memberApi, route)).toEqual({
        enabled: true,
        requiredScopes: [],
        stepUp: undefined,
      });
    }
  });

  it('resolves the requirements of each route from the brand', () => {
    const { memberApi } = parseBrandDocument(withMemberApi(issueExample));
    expect(routeRequirements(memberApi, 'rewardIssue')).toEqual({
      enabled: true,
      requiredScopes: ['rewards:redeem'],
      stepUp: { acrValues: ['mfa'], maxAgeSeconds: 300 },
    });
    expect(routeRequirements(memberApi, 'coupons').enabled).toBe(false);
    expect(routeRequirements(memberApi, 'loyalty')).toEqual({ enabled: true, requiredScopes: [], stepUp: undefined });
  });

  it.each([
    [{ routes: { nope: {} } }, 'memberApi.routes.nope'],
    [{ routes: { loyalty: { stepUp: {} } } }, 'memberApi.routes.loyalty.stepUp'],
    [{ routes: { loyalty: { requiredScopes: ['a b'] } } }, 'memberApi.routes.loyalty.requiredScopes.0'],
    [{ routes: { loyalty: { stepUp: { acrValues: ['mfa"'] } } } }, 'memberApi.routes.loyalty.stepUp.acrValues.0'],
    [{ routes: { loyalty: { stepUp: { maxAgeSeconds: -1 } } } }, 'memberApi.routes.loyalty.stepUp.maxAgeSeconds'],
    [
      { neo: [{ name: 'Echo', method: 'POST', path: '/x/neo/{customerId}/e', customerId: 'path' }] },
      'memberApi.neo.0.name',
    ],
    [
      { neo: [{ name: 'e', method: 'DELETE', path: '/x/neo/{customerId}/e', customerId: 'path' }] },
      'memberApi.neo.0.method',
    ],
    [
      { neo: [{ name: 'e', method: 'POST', path: '/v2/customers/{customerId}', customerId: 'path' }] },
      'memberApi.neo.0.path',
    ],
    [
      { neo: [{ name: 'e', method: 'POST', path: '/x/neo/../v2/customers', customerId: 'query:id' }] },
      'memberApi.neo.0.path',
    ],
    [{ neo: [{ name: 'e', method: 'POST', path: '/x/neo/e?x=1', customerId: 'query:id' }] }, 'memberApi.neo.0.path'],
    [{ neo: [{ name: 'e', method: 'POST', path: '/x/neo/e', customerId: 'path' }] }, 'memberApi.neo.0.path'],
    [
      { neo: [{ name: 'e', method: 'POST', path: '/x/neo/{customerId}/{customerId}', customerId: 'path' }] },
      'memberApi.neo.0.path',
    ],
    [
      { neo: [{ name: 'e', method: 'POST', path: '/x/neo/{customerId}/e', customerId: 'query:id' }] },
      'memberApi.neo.0.path',
    ],
    [{ neo: [{ name: 'e', method: 'GET', path: '/x/neo/e', customerId: 'body:/id' }] }, 'memberApi.neo.0.customerId'],
    [{ neo: [{ name: 'e', method: 'POST', path: '/x/neo/e', customerId: 'header:x' }] }, 'memberApi.neo.0.customerId'],
    [{ neo: [{ name: 'e', method: 'POST', path: '/x/neo/e', customerId: 'body:' }] }, 'memberApi.neo.0.customerId'],
    [
      {
        neo: [
          { name: 'e', method: 'POST', path: '/x/neo/a', customerId: 'body:/id' },
          { name: 'e', method: 'PUT', path: '/x/neo/b', customerId: 'body:/id' },
        ],
      },
      'memberApi.neo.1.name',
    ],
    [{ rewards: { brand: 'b' } }, 'memberApi.rewards.till'],
    [{ writeLimit: { maxWrites: 0, windowSeconds: 60 } }, 'memberApi.writeLimit.maxWrites'],
    [{ extra: true }, 'memberApi.extra'],
  ])('refuses %j, naming %s', (memberApi, field) => {
    expect(refusedFields(memberApi)).toContain(field);
  });

  it('agrees between the two parsers on generated settings', () => {
    const scope = fc.constantFrom('rewards:redeem', 'openid', 'a b', '', 'x"y');
    const route = fc.record(
      {
        enabled: fc.boolean(),
        requiredScopes: fc.array(scope, { maxLength: 3 }),
        stepUp: fc.record(
          {
            acrValues: fc.array(fc.constantFrom('mfa', 'pwd', '', 'a b'), { maxLength: 2 }),
            maxAgeSeconds: fc.integer({ min: -5, max: 90_000 }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    const neo = fc.record({
      name: fc.constantFrom('echo', 'tier-upgrade', 'Bad', 'echo'),
      method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH'),
      path: fc.constantFrom('/x/neo/{customerId}/echo', '/x/neo/echo', '/x/other', '/x/neo/a/{customerId}'),
      customerId: fc.constantFrom('path', 'query:customerId', 'body:/data/customerId', 'body:/a~1b', 'cookie:x'),
    });
    const memberApi = fc.record(
      {
        routes: fc.dictionary(fc.constantFrom(...MemberRouteNames, 'other'), route, { maxKeys: 3 }),
        neo: fc.array(neo, { maxLength: 3 }),
        rewards: fc.record(
          { brand: fc.string({ maxLength: 3 }), till: fc.string({ maxLength: 3 }) },
          { requiredKeys: [] },
        ),
        writeLimit: fc.record({
          maxWrites: fc.integer({ min: -1, max: 2000 }),
          windowSeconds: fc.integer({ min: 0, max: 4000 }),
        }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(memberApi, (value) => {
        refusedFields(value);
      }),
      { numRuns: 600 },
    );
  });
});
