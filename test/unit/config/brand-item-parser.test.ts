import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseBrandConfig, parseBrandDocument } from '../../../shared/config/brand-config.js';
import { parseBrandItemDocument, parseStoredBrandConfig } from '../../../shared/config/brand-item-parser.js';
import { ValidationError } from '../../../shared/errors.js';

const base = {
  brandId: 'demo-brand',
  brandName: 'Demo',
  orgId: 100,
  issuer: 'https://ciam.example.com',
  applicationId: 'https://api.example.com',
  clientId: 'client-1',
  jwksUri: 'https://ciam.example.com/jwks',
  userInfoEndpoint: 'https://ciam.example.com/me',
  fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
  capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 's', credentialsParameter: '/c/demo' },
};

/** Values near every rule's edges: lengths, patterns, URL schemes, integer ranges, enums, wrong types. */
const edgeStrings = [
  '',
  ' ',
  '  Demo  ',
  'a'.repeat(63),
  'a'.repeat(64),
  'a'.repeat(100),
  'a'.repeat(101),
  'a'.repeat(256),
  'a'.repeat(257),
  'Demo',
  '-demo',
  'demo-1',
  'given_name',
  'address.phone',
  'address..phone',
  'a b',
  '/c/demo',
  'c/demo',
  `/${'a'.repeat(1001)}`,
  'https://ciam.example.com',
  'http://ciam.example.com',
  'http://127.0.0.1:8080/x',
  'http://localhost/x',
  'http://[::1]:3000/',
  'https://user:pw@ciam.example.com',
  'https://:pw@ciam.example.com',
  'ftp://ciam.example.com',
  'not a url',
  `https://ciam.example.com/${'p'.repeat(2030)}`,
  `https://ciam.example.com/${'p'.repeat(2020)}`,
  'RS256',
  'ES256',
  'HS256',
  'none',
  'active',
  'disabled',
  'oauth',
  'basic',
  'aud',
  'client_id',
  'IN',
  'in',
  'GBR',
  'mobile',
  'email',
  'externalId',
];
const edgeNumbers = [0, 1, -1, 59, 60, 99, 100, 300, 301, 5000, 30_000, 30_001, 604_800, 604_801, 1.5, 2 ** 53, -0];
const scalar = fc.oneof(
  fc.constantFrom(...edgeStrings),
  fc.constantFrom(...edgeNumbers),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 2, arbitrary: fc.array(scalar, { maxLength: 22 }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom('RS256', 'ES256', 'PS512', 'ES512'), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'firstName', 'baseUrl'), scalar) },
);

type Mutation = { path: 'top' | 'fieldMappings' | 'capillary'; key: string; op: 'set' | 'delete'; value: unknown };
const keys = {
  top: [
    ...Object.keys(base),
    'allowedAlgorithms',
    'acceptedAudiences',
    'audienceClaim',
    'acceptIdTokens',
    'requireAccessTokenTyp',
    'allowTokensWithoutKid',
    'clockSkewSeconds',
    'maxTokenLifetimeSeconds',
    'status',
    'phoneDefaultCountry',
    'extra',
  ],
  fieldMappings: [...Object.keys(base.fieldMappings), 'emailVerified', 'mobileVerified', 'extra'],
  capillary: [
    ...Object.keys(base.capillary),
    'authMode',
    'timeoutMs',
    'rateLimits',
    'primaryIdentifier',
    'dualEligibility',
    'extra',
  ],
};
const mutation: fc.Arbitrary<Mutation> = fc
  .constantFrom('top' as const, 'fieldMappings' as const, 'capillary' as const)
  .chain((path) =>
    fc.record({
      path: fc.constant(path),
      key: fc.constantFrom(...keys[path]),
      op: fc.constantFrom('set' as const, 'set' as const, 'delete' as const),
      value,
    }),
  );

function apply(mutations: Mutation[]): Record<string, unknown> {
  const item: Record<string, unknown> = structuredClone(base);
  for (const m of mutations) {
    const target = m.path === 'top' ? item : (item[m.path] as Record<string, unknown> | undefined | null);
    if (!target || typeof target !== 'object' || Array.isArray(target)) continue;
    if (m.op === 'delete') delete target[m.key];
    else target[m.key] = m.value;
  }
  return item;
}

function outcome(parse: (input: unknown) => unknown, input: unknown) {
  try {
    return { ok: true as const, value: parse(input) };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { ok: false as const, fields: (error.details ?? []).map((issue) => issue.field).sort() };
  }
}

describe('the zod/mini brand item parser', () => {
  it('accepts the same items as the full brand schema and produces the same document', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 4 }), (mutations) => {
        const item = apply(mutations);
        expect(outcome(parseBrandItemDocument, item)).toEqual(outcome(parseBrandDocument, item));
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the full schema on every field set to every edge value, or left out', () => {
    const edges: unknown[] = [
      ...edgeStrings,
      ...edgeNumbers,
      true,
      null,
      [],
      ['RS256'],
      ['HS256'],
      ['a', 'b'],
      {},
      { '*': 100 },
      { 'POST /v2/customers': 0 },
      { 'GET /v2/customers/{id}': 1.5 },
      { 'post /v2/customers': 10 },
      Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`GET /v2/x${i}`, 1])),
    ];
    let cases = 0;
    for (const path of ['top', 'fieldMappings', 'capillary'] as const) {
      for (const key of keys[path]) {
        const variants: Mutation[] = [
          { path, key, op: 'delete', value: undefined },
          ...edges.map((value) => ({ path, key, op: 'set' as const, value })),
        ];
        for (const m of variants) {
          const item = apply([m]);
          expect(outcome(parseBrandItemDocument, item), `${path}.${key} = ${JSON.stringify(m.value)}`).toEqual(
            outcome(parseBrandDocument, item),
          );
          cases += 1;
        }
      }
    }
    expect(cases).toBeGreaterThan(1500);
  });

  it('rejects what is not an object like the full schema does', () => {
    for (const input of [null, undefined, 'x', 1, [], [base]]) {
      expect(outcome(parseBrandItemDocument, input)).toEqual(outcome(parseBrandDocument, input));
    }
  });

  it('turns a stored item into the same BrandConfig as the admin path, audience default included', () => {
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 2 }), fc.integer({ min: 1, max: 1000 }), (mutations, version) => {
        const document = apply(mutations);
        const item = { ...document, version, updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'admin', revision: 'rev-1' };
        const mini = outcome(() => parseStoredBrandConfig(item), item);
        const full = outcome((input) => ({ ...parseBrandConfig(input, version), revision: 'rev-1' }), document);
        expect(mini).toEqual(full);
      }),
      { numRuns: 500 },
    );
  });

  it('rejects stored items whose version metadata is missing or invalid', () => {
    for (const meta of [{}, { version: 0, updatedAt: 'x' }, { version: 1.5, updatedAt: 'x' }, { version: 1 }]) {
      expect(() => parseStoredBrandConfig({ ...base, ...meta })).toThrow();
    }
    expect(parseStoredBrandConfig({ ...base, version: 3, updatedAt: 'x' }).version).toBe(3);
  });

  it('keys a brand by the revision written with the item, or by version + save time for older items', () => {
    expect(parseStoredBrandConfig({ ...base, version: 1, updatedAt: 'x', revision: 'r-9' }).revision).toBe('r-9');
    const legacy = parseStoredBrandConfig({ ...base, version: 1, updatedAt: '2026-01-01T00:00:00Z' }).revision;
    const recreated = parseStoredBrandConfig({ ...base, version: 1, updatedAt: '2026-02-01T00:00:00Z' }).revision;
    expect(legacy).not.toBe(recreated);
  });
});
