// Production operations on the prod template (issue 25): the first deploy that fails leaves nothing stuck (tables
// last, no retained fixed names), the stack's KMS key and its policy, log groups and their retentions, the
// brand administrators' policy, region-qualified global names and the explicit CORS choice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentNames } from '../../infra/environment-settings.js';
import { FunctionAccessMatrix } from '../../infra/function-access.js';
import { GatewayFunctionNames } from '../../infra/gateway-stack.js';
import { Routes } from '../../shared/routes.js';
import { deployableSettings, rawSettings, resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';
import { parseEnvironmentSettings } from '../../infra/environment-settings.js';

describe('the prod template', () => {
  let synth: Synthesized;
  const settings = deployableSettings('prod');
  beforeAll(() => {
    synth = synthGateway('prod');
  }, 180_000);
  afterAll(() => synth?.cleanup());
  const resources = () => synth.template.toJSON().Resources as Record<string, Record<string, unknown>>;

  it('creates the deletion-protected tables last, so a first deploy that fails before them leaves none behind', () => {
    const all = resources();
    const tables = Object.entries(all).filter(([, r]) => r.Type === 'AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(3);
    const functionIds = Object.entries(all)
      .filter(([, r]) =>
        [
          'AWS::Lambda::Function',
          'AWS::Lambda::Alias',
          'AWS::CodeDeploy::DeploymentGroup',
          'AWS::ApiGateway::Stage',
          'AWS::WAFv2::WebACLAssociation',
        ].includes(String(r.Type)),
      )
      .map(([id]) => id);
    expect(functionIds.length).toBeGreaterThan(20);
    for (const [id, table] of tables) {
      const dependsOn = table.DependsOn as string[];
      for (const other of functionIds) expect(dependsOn, `${id} after ${other}`).toContain(other);
      expect(
        (table.Properties as { Replicas: { DeletionProtectionEnabled: boolean }[] }).Replicas[0]
          ?.DeletionProtectionEnabled,
      ).toBe(true);
    }
    // Nothing but outputs refers to a table: they can come last, and the functions use their fixed names.
    const text = JSON.stringify(
      Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type !== 'AWS::DynamoDB::GlobalTable')),
    );
    for (const [id] of tables) expect(text).not.toContain(`"Ref":"${id}"`);
  });

  it('encrypts the brand secrets and subject-hash key under its own KMS key, usable only by the functions that need it', () => {
    const keys = Object.entries(resourcesOfType(synth.template, 'AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    const [keyId, key] = keys[0] ?? [];
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    expect(key?.DeletionPolicy).toBe('Retain');
    const statements = (
      (key?.Properties ?? {}).KeyPolicy as {
        Statement: { Sid: string; Action: string | string[]; Principal: unknown; Condition?: unknown }[];
      }
    ).Statement;
    // The account administers the key but cannot use it: no IAM policy can give its use to anyone else.
    const account = statements.find((s) => s.Sid === 'AccountAdministersTheKey');
    for (const action of [account?.Action ?? []].flat()) {
      expect(action).not.toMatch(/Decrypt|Encrypt|GenerateDataKey|ReEncrypt|^kms:\*$/);
    }
    // One statement per function that reads SSM, naming its role, through SSM only.
    const users = GatewayFunctionNames.filter(
      (name) => FunctionAccessMatrix[name].secrets || FunctionAccessMatrix[name].subjectKey,
    );
    const useStatements = statements.filter((s) => s.Sid !== 'AccountAdministersTheKey');
    expect(useStatements).toHaveLength(users.length);
    for (const statement of useStatements) {
      expect(JSON.stringify(statement.Principal)).toMatch(/Role/);
      expect(JSON.stringify(statement.Condition)).toContain('kms:ViaService');
      expect(JSON.stringify(statement.Condition)).toContain('kms:EncryptionContext:PARAMETER_ARN');
    }
    const writers = useStatements.filter((s) => [s.Action].flat().includes('kms:Encrypt'));
    expect(writers).toHaveLength(1);
    // The admin function writes brand secrets with that key.
    const admin = resourcesOfType(synth.template, 'AWS::Lambda::Function').AdminFunction;
    expect(JSON.stringify(admin?.Properties?.Environment)).toContain(`"${keyId}"`);
    synth.template.hasOutput('SecretsKeyArn', {});
    synth.template.hasOutput('SubjectHashKeyParameter', { Value: '/ciam-gateway/prod/subject-hash-key' });
  });

  it('keeps function logs logRetentionDays and the logs holding client IPs clientIpRetentionDays, the execution log group included', () => {
    const groups = Object.values(resourcesOfType(synth.template, 'AWS::Logs::LogGroup'));
    const named = (part: string) => groups.filter((g) => JSON.stringify(g.Properties?.LogGroupName).includes(part));
    expect(named('/aws/lambda/')).toHaveLength(GatewayFunctionNames.length);
    for (const group of named('/aws/lambda/'))
      expect(group.Properties?.RetentionInDays).toBe(settings.logRetentionDays);
    const ipGroups = [...named('/access'), ...named('API-Gateway-Execution-Logs_')];
    expect(ipGroups).toHaveLength(2);
    for (const group of ipGroups) expect(group.Properties?.RetentionInDays).toBe(settings.clientIpRetentionDays);
    expect(settings.clientIpRetentionDays).toBeLessThan(settings.logRetentionDays);
    // The stage waits for its execution log group (API Gateway would otherwise create it with no retention).
    const [execId] = Object.entries(resourcesOfType(synth.template, 'AWS::Logs::LogGroup')).find(([, g]) =>
      JSON.stringify(g.Properties?.LogGroupName).includes('API-Gateway-Execution-Logs_'),
    ) ?? [''];
    const stage = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Stage'))[0];
    expect(stage?.DependsOn).toContain(execId);
  });

  it('outputs a managed policy for brand administrators: execute-api:Invoke on the admin routes only', () => {
    const policies = Object.values(resourcesOfType(synth.template, 'AWS::IAM::ManagedPolicy'));
    expect(policies).toHaveLength(1);
    const statements = (
      (policies[0]?.Properties ?? {}).PolicyDocument as { Statement: { Action: string; Resource: unknown[] }[] }
    ).Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Action).toBe('execute-api:Invoke');
    const adminRoutes = Routes.filter((r) => r.auth === 'iam');
    expect(statements[0]?.Resource).toHaveLength(adminRoutes.length);
    const text = JSON.stringify(statements[0]?.Resource);
    for (const route of adminRoutes)
      expect(text).toContain(`/prod/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}"`);
    expect(text).not.toContain('/v1/me');
    synth.template.hasOutput('BrandAdminPolicyArn', {});
  });

  it('puts the region in account-global names (the dashboard) and leaves IAM names generated', () => {
    const dashboard = Object.values(resourcesOfType(synth.template, 'AWS::CloudWatch::Dashboard'))[0];
    expect(JSON.stringify(dashboard?.Properties?.DashboardName)).toContain('AWS::Region');
    for (const role of Object.values(resourcesOfType(synth.template, 'AWS::IAM::Role'))) {
      expect(role.Properties?.RoleName).toBeUndefined();
    }
    for (const policy of Object.values(resourcesOfType(synth.template, 'AWS::IAM::ManagedPolicy'))) {
      expect(policy.Properties?.ManagedPolicyName).toBeUndefined();
    }
  });
});

describe('the CORS choice', () => {
  it.each(['stage', 'prod'] as const)(
    '%s refuses to synth without origins or a declared server-to-server API',
    (env) => {
      const raw = rawSettings(env);
      raw.alarms = { ...(raw.alarms as object), topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' };
      expect(() => parseEnvironmentSettings(raw, `${env}.json`, env)).toThrow(/needs an explicit choice/);
      raw.api = { ...(raw.api as object), serverToServerOnly: true };
      expect(parseEnvironmentSettings(raw, `${env}.json`, env).api.serverToServerOnly).toBe(true);
      raw.api = { ...(raw.api as object), corsAllowedOrigins: ['https://shop.brand-one.com'] };
      expect(() => parseEnvironmentSettings(raw, `${env}.json`, env)).toThrow(/excludes api.corsAllowedOrigins/);
    },
  );

  it('lets dev keep its local origins', () => {
    expect(EnvironmentNames).toContain('dev');
    expect(deployableSettings('dev').api.corsAllowedOrigins.length).toBeGreaterThan(0);
  });
});
