// The OpenAPI document against what the CDK stack really deploys: the synthesized REST API (bundling
// skipped) has exactly the documented methods and paths, each with the documented security, and every
// error code its gateway responses can send is one the document lists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resourcesOfType, type Synthesized, synthGateway } from '../infra/support/synth.js';
import { type Json, listOperations, loadOpenApi, resolvePointer } from './openapi-document.js';

const doc = loadOpenApi();

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The path of an AWS::ApiGateway::Resource, walking ParentId up to the API root. */
function pathOf(resources: Record<string, { Properties?: Json }>, ref: unknown): string {
  const parts: string[] = [];
  let current = ref;
  while (isObject(current) && typeof current.Ref === 'string') {
    const resource = resources[current.Ref];
    if (!resource) break;
    parts.unshift(String(resource.Properties?.PathPart));
    current = resource.Properties?.ParentId;
  }
  return `/${parts.join('/')}`;
}

const AUTH_TO_SCHEMES: Record<string, string[][]> = {
  CUSTOM: [['ciamBearer']],
  AWS_IAM: [['awsSigV4'], ['localAdminKey']],
  NONE: [],
};

describe('openapi/openapi.json against the synthesized CDK stack', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthGateway('dev');
  }, 120_000);
  afterAll(() => synth?.cleanup());

  it('documents exactly the methods the stack deploys, with the same security', () => {
    // Arrange
    const resources = resourcesOfType(synth.template, 'AWS::ApiGateway::Resource');
    const methods = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Method'))
      .filter((method) => method.Properties?.HttpMethod !== 'OPTIONS')
      .map((method) => ({
        key: `${String(method.Properties?.HttpMethod)} ${pathOf(resources, method.Properties?.ResourceId)}`,
        auth: String(method.Properties?.AuthorizationType),
      }));
    const documented = listOperations(doc).map(({ method, path, operation }) => ({
      key: `${method} ${path}`,
      schemes: (Array.isArray(operation.security) ? operation.security : [])
        .filter(isObject)
        .map((s) => Object.keys(s)),
    }));
    // Act + Assert
    expect(methods.map((method) => method.key).sort()).toEqual(documented.map((op) => op.key).sort());
    for (const method of methods) {
      const op = documented.find((candidate) => candidate.key === method.key);
      expect(op?.schemes, method.key).toEqual(AUTH_TO_SCHEMES[method.auth]);
    }
  });

  it('sends only documented error codes from its gateway responses', () => {
    const codes = (resolvePointer(doc, '#/components/schemas/ErrorCode') as Json).enum as string[];
    const templates = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::GatewayResponse')).map(
      (response) => JSON.stringify(response.Properties?.ResponseTemplates ?? {}),
    );
    expect(templates.length).toBeGreaterThan(0);
    for (const template of templates) {
      const code = /\\"code\\":\\"([A-Z_]+)\\"/.exec(template)?.[1];
      expect(codes, template).toContain(code);
    }
  });
});
