// A small JSON Schema (2020-12) validator for the subset the OpenAPI document uses. Any keyword outside
// that subset throws, so the contract test can never pass because a keyword was silently ignored.

export interface SchemaIssue {
  path: string;
  message: string;
}

export type RefResolver = (ref: string) => unknown;

/** Keywords that only annotate (no effect on validity). */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'default',
  'examples',
  'format',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$comment',
]);
/** Keywords this validator checks. */
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'oneOf',
  'anyOf',
  'allOf',
]);

type Schema = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    default:
      throw new Error(`unsupported type "${type}"`);
  }
}

/** Deep equality of JSON values (for enum, const and uniqueItems). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]))
    );
  }
  return false;
}

function asSchema(value: unknown, path: string): Schema | boolean {
  if (typeof value === 'boolean' || isObject(value)) return value;
  throw new Error(`${path}: a schema must be an object or a boolean`);
}

function num(schema: Schema, key: string): number | undefined {
  const value = schema[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw new Error(`${key} must be a number`);
  return value;
}

/** Validates `value` against `schema`; returns every issue found (empty when valid). */
export function validate(schemaInput: unknown, value: unknown, resolve: RefResolver, path = '$'): SchemaIssue[] {
  const schema = asSchema(schemaInput, path);
  if (schema === true) return [];
  if (schema === false) return [{ path, message: 'no value is allowed here' }];
  for (const key of Object.keys(schema)) {
    if (!ANNOTATIONS.has(key) && !ASSERTIONS.has(key))
      throw new Error(`unsupported schema keyword "${key}" at ${path}`);
  }
  const issues: SchemaIssue[] = [];
  const fail = (message: string, at = path) => issues.push({ path: at, message });

  if (typeof schema.$ref === 'string') issues.push(...validate(resolve(schema.$ref), value, resolve, path));

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => typeMatches(String(type), value))) {
      fail(
        `expected ${types.join(' or ')}, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`,
      );
      return issues;
    }
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((option) => jsonEqual(option, value))) {
    fail(`must be one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && !jsonEqual(schema.const, value)) fail(`must be ${JSON.stringify(schema.const)}`);

  if (typeof value === 'string') {
    const length = [...value].length;
    const min = num(schema, 'minLength');
    const max = num(schema, 'maxLength');
    if (min !== undefined && length < min) fail(`shorter than ${min}`);
    if (max !== undefined && length > max) fail(`longer than ${max}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
      fail(`does not match ${schema.pattern}`);
    }
  }
  if (typeof value === 'number') {
    const checks: [string, (limit: number) => boolean][] = [
      ['minimum', (limit) => value >= limit],
      ['maximum', (limit) => value <= limit],
      ['exclusiveMinimum', (limit) => value > limit],
      ['exclusiveMaximum', (limit) => value < limit],
    ];
    for (const [key, ok] of checks) {
      const limit = num(schema, key);
      if (limit !== undefined && !ok(limit)) fail(`${key} ${limit} not met`);
    }
  }
  if (Array.isArray(value)) {
    const min = num(schema, 'minItems');
    const max = num(schema, 'maxItems');
    if (min !== undefined && value.length < min) fail(`fewer than ${min} items`);
    if (max !== undefined && value.length > max) fail(`more than ${max} items`);
    if (
      schema.uniqueItems === true &&
      value.some((item, i) => value.findIndex((other) => jsonEqual(other, item)) !== i)
    ) {
      fail('items are not unique');
    }
    if (schema.items !== undefined) {
      value.forEach((item, i) => {
        issues.push(...validate(schema.items, item, resolve, `${path}[${i}]`));
      });
    }
  }
  if (isObject(value)) {
    const keys = Object.keys(value);
    const min = num(schema, 'minProperties');
    const max = num(schema, 'maxProperties');
    if (min !== undefined && keys.length < min) fail(`fewer than ${min} properties`);
    if (max !== undefined && keys.length > max) fail(`more than ${max} properties`);
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required)) {
      for (const name of schema.required)
        if (!Object.hasOwn(value, String(name))) fail(`missing required "${String(name)}"`);
    }
    for (const key of keys) {
      const at = `${path}.${key}`;
      if (schema.propertyNames !== undefined)
        issues.push(...validate(schema.propertyNames, key, resolve, `${at} (name)`));
      if (Object.hasOwn(properties, key)) issues.push(...validate(properties[key], value[key], resolve, at));
      else if (schema.additionalProperties !== undefined) {
        issues.push(...validate(schema.additionalProperties, value[key], resolve, at));
      }
    }
  }
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf) issues.push(...validate(part, value, resolve, path));
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some((part) => validate(part, value, resolve, path).length === 0)) {
    fail('matches none of anyOf');
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((part) => validate(part, value, resolve, path).length === 0).length;
    if (matching !== 1) fail(`matches ${matching} of oneOf (exactly 1 needed)`);
  }
  return issues;
}
