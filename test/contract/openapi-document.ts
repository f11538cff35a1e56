// Reading the repository's OpenAPI document in tests: JSON pointers, operations, examples, and a check of a
// live response against the document (used by the contract test and the browser test).
import { readFileSync } from 'node:fs';
import { validate, type SchemaIssue } from './json-schema.js';

const OPENAPI_PATH = new URL('../../openapi/openapi.json', import.meta.url);

export type Json = Record<string, unknown>;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The document as stored in the repository. */
export function loadOpenApi(): Json {
  const parsed: unknown = JSON.parse(readFileSync(OPENAPI_PATH, 'utf8'));
  if (!isObject(parsed)) throw new Error('openapi.json is not a JSON object');
  return parsed;
}

/** Resolves a local reference (`#/components/schemas/X`, RFC 6901 escapes); throws when it points nowhere. */
export function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#')) throw new Error(`only local references are used: ${ref}`);
  let current: unknown = doc;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(current) && !Array.isArray(current)) throw new Error(`unresolved $ref ${ref}`);
    if (!Object.hasOwn(current, key)) throw new Error(`unresolved $ref ${ref}`);
    current = (current as Json)[key];
  }
  return current;
}

/** Follows `$ref` until a non-reference object (OpenAPI's response, parameter and header objects). */
export function deref(doc: Json, value: unknown): Json {
  let current = value;
  for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
    if (hops > 10) throw new Error('reference cycle');
    current = resolvePointer(doc, current.$ref);
  }
  if (!isObject(current)) throw new Error('expected an object');
  return current;
}

/** Every `$ref` string in the document, with where it appears. */
export function collectRefs(value: unknown, at = '#', found: { at: string; ref: string }[] = []) {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) collectRefs(item, `${at}/${i}`, found);
  } else if (isObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === '$ref' && typeof item === 'string') found.push({ at, ref: item });
      else collectRefs(item, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, found);
    }
  }
  return found;
}

export interface Operation {
  method: string;
  path: string;
  operation: Json;
}

export function listOperations(doc: Json): Operation[] {
  const paths = isObject(doc.paths) ? doc.paths : {};
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (isObject(operation)) operations.push({ method: method.toUpperCase(), path, operation });
    }
  }
  return operations;
}

export interface DocumentedExample {
  where: string;
  schema: unknown;
  value: unknown;
}

function mediaExamples(doc: Json, where: string, content: unknown, found: DocumentedExample[]): void {
  if (!isObject(content)) return;
  for (const [mediaType, media] of Object.entries(content)) {
    if (!isObject(media)) continue;
    if ('example' in media)
      found.push({ where: `${where} ${mediaType} example`, schema: media.schema, value: media.example });
    if (isObject(media.examples)) {
      for (const [name, example] of Object.entries(media.examples)) {
        const resolved = deref(doc, example);
        found.push({ where: `${where} ${mediaType} examples.${name}`, schema: media.schema, value: resolved.value });
      }
    }
  }
}

/** Every example of every request body, response and parameter, with the schema it must satisfy. */
export function collectExamples(doc: Json): DocumentedExample[] {
  const found: DocumentedExample[] = [];
  for (const { method, path, operation } of listOperations(doc)) {
    const name = `${method} ${path}`;
    if (operation.requestBody !== undefined) {
      mediaExamples(doc, `${name} request`, deref(doc, operation.requestBody).content, found);
    }
    const responses = isObject(operation.responses) ? operation.responses : {};
    for (const [status, response] of Object.entries(responses)) {
      mediaExamples(doc, `${name} ${status}`, deref(doc, response).content, found);
    }
    const parameters = Array.isArray(operation.parameters) ? operation.parameters : [];
    for (const parameter of parameters) {
      const resolved = deref(doc, parameter);
      if ('example' in resolved) {
        found.push({
          where: `${name} parameter ${String(resolved.name)}`,
          schema: resolved.schema,
          value: resolved.example,
        });
      }
    }
  }
  return found;
}

/** Validates a value against a schema of the document (references resolved in the document). */
export function validateAgainst(doc: Json, schema: unknown, value: unknown): SchemaIssue[] {
  return validate(schema, value, (ref) => resolvePointer(doc, ref));
}

/** Matches a concrete URL path to a documented path template (`/v1/admin/brands/demo` -> `/v1/admin/brands/{brandId}`). */
function matchPath(doc: Json, method: string, concretePath: string): Operation | undefined {
  return listOperations(doc).find((candidate) => {
    if (candidate.method !== method.toUpperCase()) return false;
    const pattern = candidate.path
      .split('/')
      .map((segment) => (/^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&')))
      .join('/');
    return new RegExp(`^${pattern}$`).test(concretePath);
  });
}

/**
 * Checks a live answer against the document: the status is documented for the operation, and a JSON body
 * validates against the documented schema. Returns readable problems (empty when it conforms).
 */
export function checkLiveResponse(
  doc: Json,
  method: string,
  concretePath: string,
  status: number,
  body: unknown,
): string[] {
  const operation = matchPath(doc, method, concretePath);
  if (!operation) return [`${method} ${concretePath} is not in the document`];
  const responses = isObject(operation.operation.responses) ? operation.operation.responses : {};
  const documented = responses[String(status)] ?? responses.default;
  if (documented === undefined) return [`${method} ${operation.path} answered ${status}, which is not documented`];
  const response = deref(doc, documented);
  const content = isObject(response.content) ? response.content : undefined;
  if (!content)
    return body === undefined ? [] : [`${method} ${operation.path} ${status} has a body but none is documented`];
  const media = content['application/json'];
  if (!isObject(media)) return [];
  if (body === undefined) return [`${method} ${operation.path} ${status}: a JSON body is documented but none came`];
  return validateAgainst(doc, media.schema, body).map(
    (issue) => `${method} ${operation.path} ${status}: ${issue.path} ${issue.message}`,
  );
}
