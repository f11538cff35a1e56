import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BrandConfigSchema, parseBrandDocument } from '../../../shared/config/brand-config.js';
import { buildBrandJsonSchema } from '../../../shared/config/brand-json-schema.js';

const read = (file: string): unknown => JSON.parse(readFileSync(new URL(`../../../${file}`, import.meta.url), 'utf8'));

type Json = Record<string, unknown>;

/** Every `properties` entry of a JSON Schema, depth first, with its dotted path. */
function walkProperties(schema: Json, prefix = ''): [string, Json][] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  return Object.entries(properties).flatMap(([name, value]) => [
    [`${prefix}${name}`, value] as [string, Json],
    ...walkProperties(value, `${prefix}${name}.`),
  ]);
}

describe('brand.schema.json', () => {
  it('equals the schema generated from the zod model (run `npm run brand -- schema` after a model change)', () => {
    expect(read('brand.schema.json')).toEqual(buildBrandJsonSchema());
  });

  it('describes every field', () => {
    const undescribed = walkProperties(buildBrandJsonSchema())
      .filter(([, schema]) => typeof schema.description !== 'string' && schema.oneOf === undefined)
      .map(([path]) => path);
    expect(undescribed).toEqual([]);
  });

  it('rejects unknown fields like the parser does', () => {
    expect(buildBrandJsonSchema().additionalProperties).toBe(false);
  });
});

describe('brand.example.json', () => {
  it('is a valid brand once the admin-only keys are removed', () => {
    const { $schema, secrets, ...document } = read('brand.example.json') as Json;
    expect($schema).toBe('./brand.schema.json');
    expect(secrets).toBeDefined();
    expect(() => parseBrandDocument(document)).not.toThrow();
  });

  it('shows every field of the model by example', () => {
    const example = read('brand.example.json') as Json;
    const modelPaths = walkProperties(z.toJSONSchema(BrandConfigSchema, { io: 'input' }) as Json).map(([p]) => p);
    const has = (path: string) =>
      path.split('.').reduce<unknown>((node, key) => (node as Json | undefined)?.[key], example) !== undefined;
    expect(modelPaths.filter((path) => !has(path))).toEqual([]);
  });
});
