// The brand schemas the OpenAPI document embeds, derived from the zod model (shared/config/brand-config.ts)
// the admin API validates with: what GET returns (every default filled, plus `version`) and what PUT takes
// (brand.schema.json: defaults optional, `credentialsParameter` defaulted, plus `$schema`, `version`, `secrets`).
import { z } from 'zod';
import { BrandConfigSchema } from '../../shared/config/brand-config.js';
import { buildBrandJsonSchema } from '../../shared/config/brand-json-schema.js';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function generated(io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(BrandConfigSchema, { io }) as Json;
  return structuredClone(schema);
}

/** A brand as `GET /v1/admin/brands/{brandId}` returns it. */
export function brandViewSchema(): Json {
  const schema = generated('output');
  const properties = schema.properties as Json;
  properties.version = { type: 'integer', minimum: 1, description: 'The stored version; send it back to update.' };
  schema.required = [...(schema.required as string[]), 'version'];
  return schema;
}

/**
 * The body of `PUT /v1/admin/brands/{brandId}` and of `.../validate`: brand.schema.json as its builder makes
 * it, without `$schema` and `$id` (inside an OpenAPI component they would change how references resolve).
 */
export function brandPutBodySchema(): Json {
  const { $schema: _dialect, $id: _id, ...schema } = buildBrandJsonSchema();
  return structuredClone(schema);
}

/** A copy without `description` texts, to compare shapes while the wording evolves. */
export function withoutDescriptions(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDescriptions);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key, item]) => !(key === 'description' && typeof item === 'string'))
      .map(([key, item]) => [key, withoutDescriptions(item)]),
  );
}
