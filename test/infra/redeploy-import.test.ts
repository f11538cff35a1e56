// The redeploy after `cdk destroy` (docs/deploy.md, first deploy, step 4) relies on CloudFormation's automatic
// import (`cdk deploy --import-existing-resources`, the change set's ImportExistingResources): it adopts a resource
// of the template that already exists only when the resource has a static custom name, a DeletionPolicy of
// Retain or RetainExceptOnCreate, and a type that supports import (AWS CloudFormation User Guide, "Import AWS
// resources into a CloudFormation stack automatically"). This test holds the prod template to those
// preconditions: every resource a destroy leaves behind either is adopted (a static name of an importable type)
// or cannot collide (no name of its own, or a name the new deploy makes differently).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../infra/gateway-stack.js';
import { type Synthesized, synthGateway } from './support/synth.js';

/** Types the procedure adopts, with their name property (the primary identifier import matches on). */
const ADOPTED: Readonly<Record<string, string>> = {
  'AWS::DynamoDB::GlobalTable': 'TableName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

/**
 * Retained resources a redeploy creates anew instead (none can collide): what each leaves behind is in the docs.
 * The key has no name of its own; the role's name is generated; the API Gateway account is the region's one
 * setting (re-pointed at the new role); the execution log group's name holds the API id, new with the new API.
 */
const CREATED_ANEW = ['AWS::KMS::Key', 'AWS::IAM::Role', 'AWS::ApiGateway::Account', 'API-Gateway-Execution-Logs_'];

type Resource = { Type: string; DeletionPolicy?: string; Properties?: Record<string, unknown> };

const RETAINED = new Set(['Retain', 'RetainExceptOnCreate']);

describe('the prod redeploy after cdk destroy (--import-existing-resources)', () => {
  let synthesized: Synthesized;
  let resources: [string, Resource][];
  beforeAll(() => {
    synthesized = synthGateway('prod');
    resources = Object.entries((synthesized.template.toJSON() as { Resources: Record<string, Resource> }).Resources);
    // A synth takes seconds alone and far longer on a loaded machine: the budget every synth suite here has.
  }, 180_000);
  afterAll(() => synthesized?.cleanup());

  it('leaves behind only resources import adopts by their static name, or that a new deploy cannot collide with', () => {
    const retained = resources.filter(([, resource]) => RETAINED.has(resource.DeletionPolicy ?? 'Delete'));
    expect(retained.length).toBeGreaterThan(0);
    for (const [id, resource] of retained) {
      const nameProperty = ADOPTED[resource.Type];
      const name = nameProperty ? resource.Properties?.[nameProperty] : undefined;
      if (typeof name === 'string') continue; // adopted: a static name of an importable type
      const anew = CREATED_ANEW.some((entry) => entry === resource.Type || JSON.stringify(name ?? '').includes(entry));
      expect(anew, `${id} (${resource.Type}) is retained with a name import cannot match`).toBe(true);
    }
  });

  it('retains every table and function and access log group under its static name (what import adopts)', () => {
    const named = resources.filter(([, resource]) => {
      const nameProperty = ADOPTED[resource.Type];
      return nameProperty !== undefined && typeof resource.Properties?.[nameProperty] === 'string';
    });
    const names = named.map(([, resource]) => resource.Properties?.[ADOPTED[resource.Type] as string]);
    expect(names).toEqual(
      expect.arrayContaining([
        'ciam-gateway-prod-brands',
        'ciam-gateway-prod-links',
        'ciam-gateway-prod-revocations',
        '/aws/lambda/ciam-gateway-prod-authorizer',
        '/aws/apigateway/ciam-gateway-prod/access',
      ]),
    );
    for (const [id, resource] of named) {
      expect(RETAINED.has(resource.DeletionPolicy ?? 'Delete'), `${id} would be deleted, not adopted`).toBe(true);
    }
  });

  it('is the procedure docs/deploy.md gives, with a flag the installed CDK CLI knows', () => {
    const doc = readFileSync(join(repositoryRoot, 'docs/deploy.md'), 'utf8');
    expect(doc).toContain('npx cdk deploy -c env=prod --import-existing-resources');
    const cli = readFileSync(join(repositoryRoot, 'node_modules/aws-cdk/lib/index.js'), 'utf8');
    expect(cli).toContain('"import-existing-resources"');
    expect(cli).toContain('ImportExistingResources: options.importExistingResources');
  });
});
