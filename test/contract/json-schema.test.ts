// The contract test is only as good as its validator: each keyword must reject what it should.
import { describe, expect, it } from 'vitest';
import { validate } from './json-schema.js';

const defs: Record<string, unknown> = {
  '#/defs/Code': { type: 'string', enum: ['A', 'B'] },
  '#/defs/Item': {
    type: 'object',
    required: ['code'],
    additionalProperties: false,
    properties: { code: { $ref: '#/defs/Code' } },
  },
};
const resolve = (ref: string) => {
  if (!(ref in defs)) throw new Error(`unresolved ${ref}`);
  return defs[ref];
};
const check = (schema: unknown, value: unknown) =>
  validate(schema, value, resolve).map((issue) => `${issue.path} ${issue.message}`);

describe('validate (JSON Schema subset)', () => {
  it('accepts a value that satisfies every keyword', () => {
    const schema = {
      type: 'object',
      required: ['items', 'count'],
      properties: {
        items: { type: 'array', minItems: 1, uniqueItems: true, items: { $ref: '#/defs/Item' } },
        count: { type: 'integer', minimum: 1, exclusiveMaximum: 10 },
        note: { type: ['string', 'null'], maxLength: 5, pattern: '^[a-z]*$' },
      },
    };
    expect(check(schema, { items: [{ code: 'A' }, { code: 'B' }], count: 2, note: null })).toEqual([]);
  });

  it('rejects a wrong type, naming the path', () => {
    expect(check({ type: 'object', properties: { n: { type: 'integer' } } }, { n: 1.5 })).toEqual([
      '$.n expected integer, got number',
    ]);
  });

  it('rejects a missing required property and an unknown one', () => {
    expect(check({ $ref: '#/defs/Item' }, { other: 1 })).toEqual([
      '$ missing required "code"',
      '$.other no value is allowed here',
    ]);
  });

  it('rejects a value outside an enum reached through $ref', () => {
    expect(check({ $ref: '#/defs/Item' }, { code: 'C' })).toEqual(['$.code must be one of ["A","B"]']);
  });

  it('rejects strings that break length or pattern rules, counting code points', () => {
    expect(check({ type: 'string', maxLength: 2 }, '😀😀')).toEqual([]);
    expect(check({ type: 'string', minLength: 3, pattern: '^\\d+$' }, 'ab')).toEqual([
      '$ shorter than 3',
      '$ does not match ^\\d+$',
    ]);
  });

  it('rejects numbers beyond their limits', () => {
    expect(check({ type: 'number', exclusiveMinimum: 0, maximum: 5 }, 0)).toEqual(['$ exclusiveMinimum 0 not met']);
    expect(check({ type: 'number', exclusiveMinimum: 0, maximum: 5 }, 6)).toEqual(['$ maximum 5 not met']);
  });

  it('rejects arrays with too many or repeated items', () => {
    expect(check({ type: 'array', maxItems: 1, uniqueItems: true }, [1, 1])).toEqual([
      '$ more than 1 items',
      '$ items are not unique',
    ]);
  });

  it('checks property names, property counts and additional property schemas of maps', () => {
    const schema = {
      type: 'object',
      maxProperties: 1,
      propertyNames: { pattern: '^[a-z]+$' },
      additionalProperties: { type: 'string' },
    };
    expect(check(schema, { ok: 'x' })).toEqual([]);
    expect(check(schema, { Bad: 1, ok: 'x' })).toEqual([
      '$ more than 1 properties',
      '$.Bad (name) does not match ^[a-z]+$',
      '$.Bad expected string, got number',
    ]);
  });

  it('needs exactly one oneOf branch and at least one anyOf branch', () => {
    expect(check({ oneOf: [{ type: 'number' }, { type: 'integer' }] }, 1)).toEqual([
      '$ matches 2 of oneOf (exactly 1 needed)',
    ]);
    expect(check({ anyOf: [{ type: 'string' }, { type: 'boolean' }] }, 1)).toEqual(['$ matches none of anyOf']);
  });

  it('compares const values deeply', () => {
    expect(check({ const: { a: [1] } }, { a: [1] })).toEqual([]);
    expect(check({ const: { a: [1] } }, { a: [2] })).toEqual(['$ must be {"a":[1]}']);
  });

  it('throws on a keyword it does not implement instead of ignoring it', () => {
    expect(() => check({ type: 'string', contentEncoding: 'base64' }, 'x')).toThrow(
      'unsupported schema keyword "contentEncoding"',
    );
  });
});
