// The OpenAPI contract: the document in the repository describes exactly the routes the CDK stack and the
// local emulator serve (both read shared/routes.ts), it is structurally valid OpenAPI 3.1, and every
// example in it validates against its schema and is accepted by the handlers' own parsers.
import { describe, expect, it } from 'vitest';
import { parseBrandDocument } from '../../shared/config/brand-config.js';
import { IdTokenBodySchema } from '../../shared/customer/request-body.js';
import { parseRegistrationBody } from '../../shared/customer/instore-registration.js';
import { ErrorCodes } from '../../shared/errors.js';
import { Routes } from '../../shared/routes.js';
import { brandPutBodySchema, brandViewSchema, withoutDescriptions } from './brand-schemas.js';
import {
  collectExamples,
  collectRefs,
  deref,
  type Json,
  listOperations,
  loadOpenApi,
  resolvePointer,
  validateAgainst,
} from './openapi-document.js';

const doc = loadOpenApi();
const operations = listOperations(doc);
const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** What the admin API does with a PUT body before parseBrandDocument (shared/config/brand-admin.ts). */
function parseBrandPutBody(body: Record<string, unknown>): unknown {
  const { $schema: _schema, version: _version, secrets: _secrets, ...document } = body;
  const capillary = isObject(document.capillary) ? document.capillary : {};
  return parseBrandDocument({
    ...document,
    capillary: { credentialsParameter: '/ciam-gateway/test/brands/demo/capillary', ...capillary },
  });
}

function securitySchemesOf(operation: Json): string[][] {
  const security = Array.isArray(operation.security) ? operation.security : doc.security;
  if (!Array.isArray(security)) return [];
  return security.filter(isObject).map((requirement) => Object.keys(requirement));
}

describe('openapi/openapi.json', () => {
  it('documents every route of shared/routes.ts, and no other', () => {
    // Arrange
    const served = Routes.map((route) => key(route.method, route.path)).sort();
    // Act
    const documented = operations.map((op) => key(op.method, op.path)).sort();
    // Assert
    expect(documented).toEqual(served);
  });

  it('has the fields OpenAPI 3.1 requires at the top level', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(isObject(doc.info)).toBe(true);
    const info = doc.info as Json;
    expect(typeof info.title).toBe('string');
    expect(typeof info.version).toBe('string');
    expect(isObject(doc.paths)).toBe(true);
    for (const path of Object.keys(doc.paths as Json)) expect(path.startsWith('/')).toBe(true);
    const allowed = [
      'openapi',
      'info',
      'jsonSchemaDialect',
      'servers',
      'paths',
      'webhooks',
      'components',
      'security',
      'tags',
      'externalDocs',
    ];
    for (const field of Object.keys(doc)) expect(allowed).toContain(field);
  });

  it('gives every operation a unique operationId, a summary and responses with valid status codes', () => {
    const ids = operations.map((op) => op.operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, operation } of operations) {
      const where = key(method, path);
      expect(typeof operation.operationId, where).toBe('string');
      expect(typeof operation.summary, where).toBe('string');
      expect(isObject(operation.responses), where).toBe(true);
      const statuses = Object.keys(operation.responses as Json);
      expect(statuses.length, where).toBeGreaterThan(0);
      for (const status of statuses) expect(status, where).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
      for (const response of Object.values(operation.responses as Json)) {
        expect(typeof deref(doc, response).description, where).toBe('string');
      }
    }
  });

  it('declares every path template parameter as a required path parameter', () => {
    for (const { method, path, operation } of operations) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = (Array.isArray(operation.parameters) ? operation.parameters : [])
        .map((parameter) => deref(doc, parameter))
        .filter((parameter) => parameter.in === 'path');
      expect(declared.map((parameter) => parameter.name).sort(), key(method, path)).toEqual(templated.sort());
      for (const parameter of declared) expect(parameter.required, key(method, path)).toBe(true);
    }
  });

  it('resolves every $ref', () => {
    const refs = collectRefs(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const { at, ref } of refs) expect(() => resolvePointer(doc, ref), `${at} -> ${ref}`).not.toThrow();
  });

  it('requires the security each route is served with: bearer for ciam, SigV4 for admin, none for public', () => {
    const schemes = (doc.components as Json).securitySchemes as Json;
    expect(schemes.ciamBearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.awsSigV4).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    for (const route of Routes) {
      const op = operations.find(
        (candidate) => key(candidate.method, candidate.path) === key(route.method, route.path),
      );
      const requirements = securitySchemesOf(op?.operation ?? {});
      for (const names of requirements) for (const name of names) expect(Object.keys(schemes)).toContain(name);
      const expected = { none: [], ciam: [['ciamBearer']], iam: [['awsSigV4'], ['localAdminKey']] }[route.auth];
      expect(requirements, key(route.method, route.path)).toEqual(expected);
    }
  });

  it('lists exactly the stable error codes of shared/errors.ts', () => {
    const schema = resolvePointer(doc, '#/components/schemas/ErrorCode') as Json;
    expect(schema.enum).toEqual(Object.values(ErrorCodes));
  });

  it('documents an error response with the error schema for every 4xx and 5xx', () => {
    for (const { method, path, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        if (!/^[45]/.test(status)) continue;
        const content = deref(doc, response).content as Json;
        const schema = (content['application/json'] as Json).schema as Json;
        // A Neo API passes the dataflow's own error answers through beside the gateway's (NeoError: either).
        const expected =
          path.startsWith('/v1/auth/backchannel-logout') && status === '400'
            ? 'OAuthError'
            : path.startsWith('/v1/me/neo/') && ['400', '404', '405'].includes(status)
              ? 'NeoError'
              : 'ErrorBody';
        expect(schema.$ref, `${key(method, path)} ${status}`).toBe(`#/components/schemas/${expected}`);
      }
    }
  });

  it('validates every example against its schema', () => {
    // Arrange
    const examples = collectExamples(doc);
    // Act
    const failures = examples.flatMap((example) =>
      validateAgainst(doc, example.schema, example.value).map(
        (issue) => `${example.where}: ${issue.path} ${issue.message}`,
      ),
    );
    // Assert
    expect(examples.length).toBeGreaterThan(40);
    expect(failures).toEqual([]);
  });

  it('gives every successful JSON response at least one example', () => {
    for (const { method, path, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const content = deref(doc, response).content;
        if (!status.startsWith('2') || !isObject(content)) continue;
        const media = content['application/json'] as Json;
        expect(
          isObject(media.examples) && Object.keys(media.examples).length > 0,
          `${key(method, path)} ${status}`,
        ).toBe(true);
      }
    }
  });

  it("has request examples that the handlers' own parsers accept", () => {
    const parsers: Record<string, (body: Record<string, unknown>) => unknown> = {
      'POST /v1/auth/session': (body) => IdTokenBodySchema.parse(body),
      'POST /v1/me/profile/sync': (body) => IdTokenBodySchema.parse(body),
      'POST /v1/me/identifiers/sync': (body) => IdTokenBodySchema.parse(body),
      'POST /v1/me/registration': (body) => parseRegistrationBody(body),
      'PUT /v1/admin/brands/{brandId}': parseBrandPutBody,
      'POST /v1/admin/brands/{brandId}/validate': parseBrandPutBody,
    };
    let checked = 0;
    for (const example of collectExamples(doc)) {
      const parser = Object.entries(parsers).find(([route]) => example.where.startsWith(`${route} request`))?.[1];
      if (!parser || !isObject(example.value)) continue;
      expect(() => parser(example.value as Record<string, unknown>), example.where).not.toThrow();
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(Object.keys(parsers).length);
  });

  it('describes the brand with the zod schema the admin API validates with (descriptions aside)', () => {
    const documented = (name: string) => withoutDescriptions(resolvePointer(doc, `#/components/schemas/${name}`));
    expect(documented('Brand')).toEqual(withoutDescriptions(brandViewSchema()));
    expect(documented('BrandPutBody')).toEqual(withoutDescriptions(brandPutBodySchema()));
  });
});
