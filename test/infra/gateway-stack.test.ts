// Synthesizes every environment offline (no bundling) and asserts what matters for security and operation:
// routes and their auth, the authorizer, functions, tables, least-privilege IAM, logs, alarms and outputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACCESS_LOG_FIELDS,
  AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS,
  BODY_REQUIRED_ROUTES,
  methodLogicalId,
  ROUTE_THROTTLES,
  WAF_RULES,
} from '../../infra/constructs/gateway-api.js';
import { functionLogicalId, pascalCase } from '../../infra/constructs/gateway-function.js';
import {
  AUTHORIZER_FAILURE_METRIC,
  AUTHORIZER_FAILURE_RESPONSE_TYPES,
  perBrandRateQuery,
  authzDecisionsQuery,
  capillaryErrorsQuery,
  capillaryLatencyQuery,
} from '../../infra/constructs/gateway-monitoring.js';
import { type EnvironmentName, EnvironmentNames, type EnvironmentSettings } from '../../infra/environment-settings.js';
import { FunctionAccessMatrix, type GatewayFunctionName } from '../../infra/function-access.js';
import { GatewayFunctionNames, type GatewayStack, repositoryRoot } from '../../infra/gateway-stack.js';
import { EnvNames } from '../../shared/env.js';
import { ErrorCatalog } from '../../shared/errors.js';
import { METRICS_NAMESPACE, MetricNames } from '../../shared/observability/metrics.js';
import { Routes } from '../../shared/routes.js';
import { TableSchemas } from '../../shared/storage/tables.js';
import {
  cdkJsonContext,
  deployableSettings,
  resourcesOfType,
  type Synthesized,
  synthGateway,
} from './support/synth.js';

type Json = unknown;
interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: Json;
  Condition?: Record<string, Record<string, Json>>;
}

const TABLE_LOGICAL_IDS = {
  brands: 'BrandsTable',
  links: 'LinksTable',
  revocations: 'RevocationsTable',
} as const;

function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** The full path of an AWS::ApiGateway::Resource (walking ParentId up to the root). */
function resourcePath(template: Template, resourceRef: Json): string {
  const resources = resourcesOfType(template, 'AWS::ApiGateway::Resource');
  const parts: string[] = [];
  let ref = resourceRef;
  for (;;) {
    if (typeof ref !== 'object' || ref === null || !('Ref' in ref)) break;
    const resource = resources[String(ref.Ref)];
    if (resource === undefined) break;
    parts.unshift(String(resource.Properties?.PathPart));
    ref = resource.Properties?.ParentId;
  }
  return `/${parts.join('/')}`;
}

function policyStatements(policy: { Properties?: Record<string, unknown> }): Statement[] {
  const document = policy.Properties?.PolicyDocument as { Statement: Statement[] } | undefined;
  return document?.Statement ?? [];
}

/** Every statement of the inline policies attached to a function's role. */
function functionStatements(template: Template, name: GatewayFunctionName): Statement[] {
  const fn = resourcesOfType(template, 'AWS::Lambda::Function')[functionLogicalId(name)];
  const roleArn = fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] };
  const roleId = roleArn['Fn::GetAtt'][0];
  const policies = Object.values(resourcesOfType(template, 'AWS::IAM::Policy')).filter((policy) =>
    JSON.stringify(policy.Properties?.Roles).includes(`"${roleId}"`),
  );
  expect(policies.length).toBeGreaterThan(0);
  return policies.flatMap(policyStatements);
}

/** The rule ids acknowledged anywhere in the stack (Validations.acknowledge), each checked for a reason. */
function acknowledgedRules(stack: GatewayStack): string[] {
  const rules: string[] = [];
  for (const node of stack.node.findAll()) {
    for (const entry of node.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
        expect(reason.length, rule).toBeGreaterThan(30);
        rules.push(rule);
      }
    }
  }
  return rules;
}

function tablesReferencedBy(statement: Statement, stage: string): string[] {
  const text = JSON.stringify(statement.Resource);
  return Object.keys(TABLE_LOGICAL_IDS).filter((key) => text.includes(`:table/ciam-gateway-${stage}-${key}"`));
}

// One synth per environment for the whole file: the first synth in a process costs seconds (aws-cdk-lib and
// cdk-nag loading), later ones well under one.
const synths = new Map<string, Synthesized>();
function synthOnce(env: EnvironmentName): Synthesized {
  const cached = synths.get(env) ?? synthGateway(env);
  synths.set(env, cached);
  return cached;
}
afterAll(() => {
  for (const synth of synths.values()) synth.cleanup();
});

/** Recursively sorts object keys and replaces values that change without an infrastructure change. */
/** Lambda version logical ids end in a hash of the function's code, which differs between checkouts. */
function normaliseVersionId(text: string): string {
  return text.replace(/CurrentVersion([0-9A-F]{8})[0-9a-f]{32}/g, 'CurrentVersion$1<code-hash>');
}

function normaliseTemplate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseTemplate);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[normaliseVersionId(key)] = normaliseTemplate((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  if (typeof value === 'string') {
    return normaliseVersionId(value)
      .replace(/^[a-f0-9]{64}\.zip$/, '<asset-hash>.zip')
      .replace(/^asset\.[a-f0-9]{64}$/, 'asset.<asset-hash>')
      .replaceAll(repositoryRoot, '<repo>');
  }
  return value;
}

describe.each(EnvironmentNames)('the %s stack', (env) => {
  const settings: EnvironmentSettings = deployableSettings(env);
  let template: Template;

  beforeAll(() => {
    template = synthOnce(env).template;
  }, 180_000);

  it('creates exactly one method per route, on the route path, with the route auth type', () => {
    // Arrange
    const methods = Object.entries(resourcesOfType(template, 'AWS::ApiGateway::Method')).filter(
      ([, method]) => method.Properties?.HttpMethod !== 'OPTIONS',
    );
    const authorizerId = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::Authorizer'))[0];

    // Assert
    expect(methods).toHaveLength(Routes.length);
    for (const route of Routes) {
      const method = methods.find(([id]) => id === methodLogicalId(route))?.[1];
      expect(method, `${route.method} ${route.path}`).toBeDefined();
      const props = method?.Properties ?? {};
      expect(props.HttpMethod).toBe(route.method);
      expect(resourcePath(template, props.ResourceId)).toBe(route.path);
      const expectedType = { ciam: 'CUSTOM', iam: 'AWS_IAM', none: 'NONE' }[route.auth];
      expect(props.AuthorizationType, `${route.method} ${route.path}`).toBe(expectedType);
      if (route.auth === 'ciam') expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
      else expect(props.AuthorizerId).toBeUndefined();
      const integration = props.Integration as { Type: string; Uri: Json };
      expect(integration.Type).toBe('AWS_PROXY');
      // The function's `live` alias (never $LATEST).
      expect(JSON.stringify(integration.Uri)).toContain(`"${route.functionName.replace('-', '')}FunctionAliaslive`);
    }
  });

  it('validates parameters on every route and JSON bodies where a body is required', () => {
    const validators = resourcesOfType(template, 'AWS::ApiGateway::RequestValidator');
    const validatorOf = (id: Json) => validators[String((id as { Ref: string }).Ref)]?.Properties;
    for (const route of Routes) {
      const props = resourcesOfType(template, 'AWS::ApiGateway::Method')[methodLogicalId(route)]?.Properties ?? {};
      const validator = validatorOf(props.RequestValidatorId);
      expect(validator?.ValidateRequestParameters).toBe(true);
      const needsBody = BODY_REQUIRED_ROUTES.has(`${route.method} ${route.path}`);
      expect(validator?.ValidateRequestBody).toBe(needsBody);
      if (needsBody) expect(props.RequestModels).toHaveProperty(['application/json']);
      const parameters = (props.RequestParameters ?? {}) as Record<string, boolean>;
      if (route.path.includes('{brandId}')) expect(parameters['method.request.path.brandId']).toBe(true);
      if (route.auth === 'ciam') expect(parameters['method.request.header.Authorization']).toBe(true);
    }
  });

  it('uses a REQUEST authorizer keyed on the Authorization header with the environment cache TTL', () => {
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: settings.authorizer.resultCacheTtlSeconds,
    });
  });

  it('releases every function through its live alias with CodeDeploy, the environment traffic shift and rollback alarms', () => {
    const aliases = resourcesOfType(template, 'AWS::Lambda::Alias');
    const groups = resourcesOfType(template, 'AWS::CodeDeploy::DeploymentGroup');
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(Object.keys(aliases)).toHaveLength(GatewayFunctionNames.length);
    expect(Object.keys(groups)).toHaveLength(GatewayFunctionNames.length);
    for (const name of GatewayFunctionNames) {
      const [aliasId, alias] =
        Object.entries(aliases).find(([, a]) =>
          JSON.stringify(a.Properties?.FunctionName).includes(`"${functionLogicalId(name)}"`),
        ) ?? [];
      expect(alias?.Properties?.Name, name).toBe('live');
      // CloudFormation hands the alias update to CodeDeploy, and fails (rolls back) the stack when CodeDeploy does.
      const policy = alias?.UpdatePolicy as { CodeDeployLambdaAliasUpdate: { DeploymentGroupName: { Ref: string } } };
      const group = groups[policy.CodeDeployLambdaAliasUpdate.DeploymentGroupName.Ref]?.Properties ?? {};
      expect(group.DeploymentConfigName, name).toBe(
        LambdaDeploymentConfig[settings.release.deploymentConfig].deploymentConfigName,
      );
      expect(group.AutoRollbackConfiguration).toEqual({
        Enabled: true,
        Events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_REQUEST', 'DEPLOYMENT_STOP_ON_ALARM'],
      });
      const watched = (
        group.AlarmConfiguration as { Alarms: { Name: { Ref: string } }[]; Enabled: boolean }
      ).Alarms.map((a) => String(alarms[a.Name.Ref]?.Properties?.AlarmName));
      expect(watched, name).toContain(`ciam-gateway-${settings.stage}-FunctionErrorRate${pascalCase(name)}`);
      expect(watched, name).toContain(
        `ciam-gateway-${settings.stage}-${name === 'authorizer' ? 'AuthorizerFailureRate' : 'Api5xxRate'}`,
      );
      if (name === 'authorizer') {
        expect(watched).toContain(`ciam-gateway-${settings.stage}-AuthorizerRefusalRate`);
        expect(alias?.Properties?.ProvisionedConcurrencyConfig).toEqual(
          settings.authorizer.provisionedConcurrency > 0
            ? { ProvisionedConcurrentExecutions: settings.authorizer.provisionedConcurrency }
            : undefined,
        );
        const authorizer = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Authorizer'))[0];
        expect(JSON.stringify(authorizer?.Properties?.AuthorizerUri)).toContain(`"${aliasId}"`);
      }
    }
    // Every route's integration calls an alias, never $LATEST.
    for (const method of Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method'))) {
      if (method.Properties?.HttpMethod === 'OPTIONS') continue;
      const uri = JSON.stringify(((method.Properties ?? {}).Integration as { Uri: unknown }).Uri);
      expect(Object.keys(aliases).some((id) => uri.includes(`"${id}"`))).toBe(true);
    }
  });

  it('gives each function group its concurrency budget', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const name of GatewayFunctionNames) {
      const group = FunctionAccessMatrix[name].group;
      const budget =
        group === 'authorizer' ? settings.authorizer.reservedConcurrency : settings.concurrencyBudgets[group];
      expect(functions[functionLogicalId(name)]?.Properties?.ReservedConcurrentExecutions, name).toBe(
        budget ?? undefined,
      );
    }
    if (env === 'prod') {
      // Logout and admin keep their own budget whatever a slow Capillary does to the post-auth functions.
      expect(settings.concurrencyBudgets.logout).toBeGreaterThan(0);
      expect(settings.concurrencyBudgets.postAuth).toBeGreaterThan(0);
    }
  });

  it('deploys every function on nodejs24.x arm64 with ESM bundles, X-Ray, Powertools settings and its own log group', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    const logGroups = resourcesOfType(template, 'AWS::Logs::LogGroup');
    expect(Object.keys(functions).sort()).toEqual(GatewayFunctionNames.map(functionLogicalId).sort());
    for (const name of GatewayFunctionNames) {
      const props = functions[functionLogicalId(name)]?.Properties ?? {};
      expect(props).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        FunctionName: `ciam-gateway-${settings.stage}-${name}`,
      });
      const variables = (props.Environment as { Variables: Record<string, Json> }).Variables;
      expect(variables).toMatchObject({
        LOG_LEVEL: settings.logLevel,
        [EnvNames.STAGE]: settings.stage,
      });
      if (name !== 'health') {
        expect(variables).toMatchObject({
          [EnvNames.SSM_PREFIX]: `/ciam-gateway/${settings.stage}`,
          [EnvNames.BRANDS_TABLE]: `ciam-gateway-${settings.stage}-brands`,
          [EnvNames.LINKS_TABLE]: `ciam-gateway-${settings.stage}-links`,
          [EnvNames.REVOCATIONS_TABLE]: `ciam-gateway-${settings.stage}-revocations`,
          [EnvNames.AUTHORIZER_CACHE_TTL_SECONDS]: String(settings.authorizer.resultCacheTtlSeconds),
          [EnvNames.REVOCATION_CACHE_TTL_SECONDS]: String(settings.caches.revocationCacheTtlSeconds),
          // Peer calls traced (shared/observability/tracing.ts); Powertools' URL-recording HTTP capture off.
          [EnvNames.POWERTOOLS_TRACE_ENABLED]: 'true',
          POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false',
        });
      }
      const logGroupRef = (props.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(logGroups[logGroupRef]?.Properties?.RetentionInDays).toBe(settings.logRetentionDays);
    }
  });

  it('carries the asset metadata sam local needs on every function', () => {
    for (const [id, fn] of Object.entries(resourcesOfType(template, 'AWS::Lambda::Function'))) {
      expect(fn.Metadata, id).toMatchObject({ 'aws:asset:path': expect.any(String), 'aws:asset:property': 'Code' });
    }
  });

  it('creates the three tables on demand, with PITR, KMS encryption, TTL and the shared key schemas', () => {
    const tables = resourcesOfType(template, 'AWS::DynamoDB::GlobalTable');
    expect(Object.keys(tables).sort()).toEqual(Object.values(TABLE_LOGICAL_IDS).sort());
    for (const [key, logicalId] of Object.entries(TABLE_LOGICAL_IDS)) {
      const table = tables[logicalId];
      const props = table?.Properties ?? {};
      const schema = TableSchemas[key as keyof typeof TableSchemas];
      expect(props.BillingMode).toBe('PAY_PER_REQUEST');
      expect(props.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      expect(props.KeySchema).toEqual([{ AttributeName: schema.partitionKey, KeyType: 'HASH' }]);
      expect(props.Replicas).toEqual([
        expect.objectContaining({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: settings.deletionProtection,
        }),
      ]);
      const indexNames = ((props.GlobalSecondaryIndexes ?? []) as { IndexName: string }[]).map((i) => i.IndexName);
      expect(indexNames).toEqual(schema.indexes.map((index) => index.name));
      const ttl = { links: 'expiresAt', revocations: 'expiresAt' }[key as 'links'];
      if (ttl) expect(props.TimeToLiveSpecification).toEqual({ AttributeName: ttl, Enabled: true });
      else expect(props.TimeToLiveSpecification).toBeUndefined();
      expect(table?.DeletionPolicy).toBe(settings.removalPolicy === 'retain' ? 'RetainExceptOnCreate' : 'Delete');
      expect(table?.UpdateReplacePolicy).toBe(settings.removalPolicy === 'retain' ? 'Retain' : 'Delete');
    }
  });

  it('applies the removal policy to every log group', () => {
    const policy = settings.removalPolicy === 'retain' ? 'RetainExceptOnCreate' : 'Delete';
    for (const [id, group] of Object.entries(resourcesOfType(template, 'AWS::Logs::LogGroup'))) {
      expect(group.DeletionPolicy, id).toBe(policy);
    }
  });

  it('grants no wildcard action anywhere and a wildcard resource only to X-Ray', () => {
    for (const [id, policy] of Object.entries(resourcesOfType(template, 'AWS::IAM::Policy'))) {
      for (const statement of policyStatements(policy)) {
        const actions = asArray(statement.Action);
        for (const action of actions) expect(action, id).not.toMatch(/\*/);
        if (asArray(statement.Resource).includes('*')) {
          expect(actions.sort(), id).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
        }
      }
    }
    for (const [id, role] of Object.entries(resourcesOfType(template, 'AWS::IAM::Role'))) {
      if (id.includes('CloudWatchRole')) continue;
      // CodeDeploy's own service role for Lambda releases (AWSCodeDeployRoleForLambdaLimited).
      if (id.includes('ReleaseServiceRole')) {
        expect(JSON.stringify(role.Properties?.ManagedPolicyArns)).toContain('AWSCodeDeployRoleForLambdaLimited');
        continue;
      }
      expect(role.Properties?.ManagedPolicyArns, id).toBeUndefined();
    }
  });

  it.each(GatewayFunctionNames)('gives the %s function exactly its tables and SSM path', (name) => {
    const access = FunctionAccessMatrix[name];
    const statements = functionStatements(template, name);

    const granted: Record<string, string[]> = {};
    for (const statement of statements) {
      const actions = asArray(statement.Action);
      if (!actions.some((action) => action.startsWith('dynamodb:'))) continue;
      for (const table of tablesReferencedBy(statement, settings.stage)) {
        granted[table] = actions.map((action) => action.replace('dynamodb:', '')).sort();
      }
    }
    const declared = Object.fromEntries(
      Object.entries(access.tables).map(([table, actions]) => [table, [...(actions ?? [])].sort()]),
    );
    expect(granted).toEqual(declared);

    const ssmStatements = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('ssm:')));
    const kmsStatements = statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('kms:')));
    if (access.secrets === undefined && !access.subjectKey) {
      expect(ssmStatements).toHaveLength(0);
      expect(kmsStatements).toHaveLength(0);
      return;
    }
    const brandPath = `:parameter/ciam-gateway/${settings.stage}/brands/*`;
    const keyPath = `:parameter/ciam-gateway/${settings.stage}/subject-hash-key`;
    if (access.secrets === undefined) {
      expect(ssmStatements.map((s) => JSON.stringify(s.Resource)).join()).not.toContain(brandPath);
      return;
    }
    for (const statement of ssmStatements) expect(JSON.stringify(statement.Resource)).toContain(brandPath);
    if (access.subjectKey) expect(JSON.stringify(ssmStatements)).toContain(keyPath);
    const ssmActions = ssmStatements.flatMap((s) => asArray(s.Action));
    if (access.secrets === 'read') expect(ssmActions).not.toContain('ssm:PutParameter');
    else expect(ssmActions).toEqual(expect.arrayContaining(['ssm:PutParameter', 'ssm:DeleteParameter']));
    expect(kmsStatements).toHaveLength(1);
    expect(kmsStatements[0]?.Condition?.StringEquals).toHaveProperty(['kms:ViaService']);
    expect(JSON.stringify(kmsStatements[0]?.Condition?.StringLike)).toContain(brandPath);
  });

  it('lets the health function only write its logs and traces', () => {
    const actions = functionStatements(template, 'health').flatMap((s) => asArray(s.Action));
    expect(actions.sort()).toEqual(
      ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'].sort(),
    );
  });

  it('throttles the stage, gives the public routes their own limits and writes JSON access logs', () => {
    const stage = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0]?.Properties ?? {};
    expect(stage.StageName).toBe(settings.stage);
    expect(stage.TracingEnabled).toBe(true);
    const logging = { DataTraceEnabled: false, LoggingLevel: settings.api.executionLogLevel, MetricsEnabled: true };
    const routes = settings.api.routeThrottling;
    expect(stage.MethodSettings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          ...logging,
          ThrottlingRateLimit: settings.api.throttling.rateLimit,
          ThrottlingBurstLimit: settings.api.throttling.burstLimit,
        }),
        expect.objectContaining({
          HttpMethod: 'GET',
          ResourcePath: '/~1health',
          ...logging,
          ThrottlingRateLimit: routes.health.rateLimit,
          ThrottlingBurstLimit: routes.health.burstLimit,
        }),
        expect.objectContaining({
          HttpMethod: 'POST',
          ResourcePath: '/~1v1~1auth~1backchannel-logout~1{brandId}',
          ...logging,
          ThrottlingRateLimit: routes.backchannelLogout.rateLimit,
          ThrottlingBurstLimit: routes.backchannelLogout.burstLimit,
        }),
      ]),
    );
    expect(stage.MethodSettings).toHaveLength(3);
    const format = (stage.AccessLogSetting as { Format: string }).Format;
    expect(JSON.parse(format)).toEqual(ACCESS_LOG_FIELDS);
    expect(format).toContain('$context.authorizer.principalId');
    expect(format).toContain('$context.authorizer.revoked');
    expect(format).toContain('$context.requestId');
  });

  it('answers gateway errors with the JSON error body, and an authorizer failure with 503 and Retry-After', () => {
    const responses = Object.values(resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse'));
    const byType = new Map(responses.map((r) => [r.Properties?.ResponseType, r.Properties]));
    for (const [type, status, code] of [
      ['UNAUTHORIZED', '401', 'UNAUTHORIZED'],
      ['AUTHORIZER_FAILURE', '503', 'AUTHORIZER_UNAVAILABLE'],
      ['AUTHORIZER_CONFIGURATION_ERROR', '503', 'AUTHORIZER_UNAVAILABLE'],
      ['ACCESS_DENIED', '403', 'FORBIDDEN'],
      ['MISSING_AUTHENTICATION_TOKEN', '403', 'FORBIDDEN'],
      ['INVALID_SIGNATURE', '403', 'FORBIDDEN'],
      ['EXPIRED_TOKEN', '403', 'FORBIDDEN'],
      ['THROTTLED', '429', 'TOO_MANY_REQUESTS'],
      ['REQUEST_TOO_LARGE', '413', 'BODY_TOO_LARGE'],
      ['DEFAULT_4XX', undefined, 'BAD_REQUEST'],
      ['DEFAULT_5XX', undefined, 'INTERNAL_ERROR'],
    ] as const) {
      const props = byType.get(type);
      expect(props, type).toBeDefined();
      expect(props?.StatusCode).toBe(status);
      const body = (props?.ResponseTemplates as Record<string, string> | undefined)?.['application/json'] ?? '';
      const rendered = JSON.parse(body.replaceAll('$context.error.messageString', '"message"'));
      expect(rendered.error.code).toBe(code);
      // The one table of codes (docs/errors.md): the gateway answers a code only with its catalogued status.
      if (status !== undefined) expect(ErrorCatalog[code].status).toContain(Number(status));
      expect(typeof rendered.error.message).toBe('string');
      const headers = props?.ResponseParameters as Record<string, string>;
      expect(headers['gatewayresponse.header.Cache-Control']).toBe("'no-store'");
      if (type === 'AUTHORIZER_FAILURE' || type === 'AUTHORIZER_CONFIGURATION_ERROR') {
        expect(headers['gatewayresponse.header.Retry-After']).toBe(`'${AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS}'`);
      } else {
        expect(headers['gatewayresponse.header.Retry-After']).toBeUndefined();
      }
      // RFC 6750 §3: every 401 of every stage challenges the bearer token, as the handlers' 401s do.
      expect(headers['gatewayresponse.header.WWW-Authenticate']).toBe(
        status === '401' ? `'Bearer error="invalid_token"'` : undefined,
      );
    }
    expect(byType.get('UNAUTHORIZED')?.ResponseTemplates).toEqual({
      'application/json': '{"error":{"code":"UNAUTHORIZED","message":"Unauthorized","requestId":"$context.requestId"}}',
    });
  });

  it('puts CORS headers on every gateway response for any configured origin', () => {
    const origins = settings.api.corsAllowedOrigins;
    for (const response of Object.values(resourcesOfType(template, 'AWS::ApiGateway::GatewayResponse'))) {
      const headers = response.Properties?.ResponseParameters as Record<string, string>;
      const allowOrigin = headers['gatewayresponse.header.Access-Control-Allow-Origin'];
      if (origins.length === 0) {
        expect(allowOrigin).toBeUndefined();
        continue;
      }
      // One origin: that literal. Several: the request's Origin copied back (a gateway response cannot match a
      // list), with Vary so no cache serves one origin's answer to another.
      expect(allowOrigin).toBe(origins.length === 1 ? `'${origins[0]}'` : 'method.request.header.Origin');
      expect(headers['gatewayresponse.header.Vary']).toBe("'Origin'");
      expect(headers['gatewayresponse.header.Access-Control-Allow-Credentials']).toBeUndefined();
    }
  });

  it('answers CORS preflights for exactly the configured origins', () => {
    const options = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).filter(
      (method) => method.Properties?.HttpMethod === 'OPTIONS',
    );
    const text = JSON.stringify(options);
    if (settings.api.corsAllowedOrigins.length === 0) expect(options).toHaveLength(0);
    for (const origin of settings.api.corsAllowedOrigins) expect(text).toContain(origin);
    expect(text).not.toContain("'*'");
  });

  it('alarms on rates of what really breaks: stage, brand, route, table and function', () => {
    const alarms = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map((a) => a.Properties ?? {});
    const byName = new Map(
      alarms.map((alarm) => [String(alarm.AlarmName).replace(`ciam-gateway-${settings.stage}-`, ''), alarm]),
    );
    const rates = settings.alarms.rates;
    const expected: Record<string, number> = {
      AuthorizerFailureRate: rates.authorizerFailure,
      AuthorizerRefusalRate: rates.authorizerRefusal,
      AuthorizerRefusalRateByBrand: rates.authorizerRefusal,
      AuthorizerLatencyP99: settings.alarms.authorizerP99LatencyMs,
      Api4xxRate: rates.api4xx,
      Api429Rate: rates.api429,
      Api5xxRate: rates.api5xx,
      CapillaryFailureRateByBrand: rates.capillaryFailure,
      CapillaryCircuitOpenByBrand: rates.circuitOpen,
      DynamoThrottlesBrands: rates.dynamoErrors,
      DynamoThrottlesLinks: rates.dynamoErrors,
      DynamoThrottlesRevocations: rates.dynamoErrors,
      DynamoErrorsBrands: rates.dynamoErrors,
      DynamoErrorsLinks: rates.dynamoErrors,
      DynamoErrorsRevocations: rates.dynamoErrors,
    };
    for (const name of GatewayFunctionNames) {
      expected[`FunctionErrorRate${pascalCase(name)}`] = rates.functionErrors;
      expected[`FunctionThrottleRate${pascalCase(name)}`] = rates.functionThrottles;
    }
    for (const [name, threshold] of Object.entries(expected)) {
      expect(byName.get(name)?.Threshold, name).toBe(threshold);
    }
    // p99 per route, from API Gateway's per-method metric.
    for (const route of Routes) {
      const alarm = alarms.find((a) => {
        const dimensions = JSON.stringify(a.Dimensions ?? []);
        return dimensions.includes(`"${route.path}"`) && dimensions.includes(`"${route.method}"`);
      });
      expect(alarm, `${route.method} ${route.path}`).toMatchObject({
        MetricName: 'Latency',
        ExtendedStatistic: 'p99',
        Threshold: settings.alarms.routeP99LatencyMs,
      });
    }
    // Rates, not counts: stage shares are Averages or math over the request count; per-brand ones AVG of 0/1 points.
    for (const [name, metric] of [
      ['Api5xxRate', '5XXError'],
      ['Api4xxRate', '4XXError'],
    ]) {
      const text = JSON.stringify(byName.get(name ?? ''));
      expect(text, name).toContain(`"MetricName":"${metric}"`);
      expect(text, name).toContain('"Stat":"Average"');
    }
    for (const name of ['AuthorizerFailureRate', 'Api429Rate']) {
      expect(JSON.stringify(byName.get(name)?.Metrics), name).toMatch(/IF\(requests > 0/);
    }
    expect(JSON.stringify(byName.get('CapillaryFailureRateByBrand')?.Metrics)).toContain(
      JSON.stringify(perBrandRateQuery(MetricNames.CAPILLARY_FAILURE, settings.stage)).slice(1, -1),
    );
    expect(JSON.stringify(byName.get('CapillaryCircuitOpenByBrand')?.Metrics)).toContain('GROUP BY brandId');
    expect(JSON.stringify(byName.get('AuthorizerRefusalRateByBrand')?.Metrics)).toContain('AVG(AuthzRefused)');
    // Concurrency near each reserved budget.
    for (const name of GatewayFunctionNames) {
      const group = FunctionAccessMatrix[name].group;
      const budget =
        group === 'authorizer' ? settings.authorizer.reservedConcurrency : settings.concurrencyBudgets[group];
      const alarm = byName.get(`ConcurrencyNearBudget${pascalCase(name)}`);
      if (budget === null) expect(alarm, name).toBeUndefined();
      else {
        expect(alarm?.Threshold, name).toBe(rates.concurrencyUtilization);
        expect(JSON.stringify(alarm?.Metrics), name).toContain(`peak / ${budget}`);
      }
    }
    // Lambda's Errors metric counts every authorizer 401: no authorizer alarm may use it.
    expect(JSON.stringify(byName.get('FunctionErrorRateAuthorizer')?.Metrics)).not.toContain('"Errors"');
    if (settings.api.waf && 'ipRateLimit' in settings.api.waf) {
      expect(byName.get('WafBlockedRate')?.Threshold).toBe(rates.wafBlocked);
    }
  });

  it('counts AUTHORIZER_FAILURE answers from the access log into the alarm metric', () => {
    const filters = Object.values(resourcesOfType(template, 'AWS::Logs::MetricFilter')).filter((f) =>
      JSON.stringify(f.Properties?.MetricTransformations).includes(AUTHORIZER_FAILURE_METRIC),
    );
    expect(filters).toHaveLength(1);
    const props = filters[0]?.Properties ?? {};
    const accessLogGroup = Object.entries(resourcesOfType(template, 'AWS::Logs::LogGroup')).find(([, group]) =>
      String(group.Properties?.LogGroupName).endsWith('/access'),
    )?.[0];
    expect(props.LogGroupName).toEqual({ Ref: accessLogGroup });
    for (const type of AUTHORIZER_FAILURE_RESPONSE_TYPES) expect(props.FilterPattern).toContain(`"${type}"`);
    expect(props.FilterPattern).toContain('$.errorType');
    expect(props.FilterPattern).not.toContain('UNAUTHORIZED');
    expect(props.MetricTransformations).toEqual([
      {
        MetricNamespace: METRICS_NAMESPACE,
        MetricName: AUTHORIZER_FAILURE_METRIC,
        MetricValue: '1',
        Dimensions: [{ Key: 'stage', Value: '$.stage' }],
      },
    ]);
    // The filter's dimension is read from the access log line, which must carry it.
    expect(ACCESS_LOG_FIELDS.stage).toBe('$context.stage');
    expect(ACCESS_LOG_FIELDS.errorType).toBe('$context.error.responseType');
  });

  it('sends every alarm and OK transition to the environment alarm topic', () => {
    const topics = resourcesOfType(template, 'AWS::SNS::Topic');
    const topicArn = settings.alarms.topicArn;
    const expected = topicArn ?? { Ref: Object.keys(topics)[0] };
    if (topicArn) expect(Object.keys(topics)).toHaveLength(0);
    else {
      expect(Object.values(topics).map((t) => t.Properties?.TopicName)).toEqual([
        `ciam-gateway-${settings.stage}-alarms`,
      ]);
      const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription'));
      expect(subscriptions.map((s) => s.Properties?.Endpoint).sort()).toEqual(
        [...settings.alarms.emailSubscriptions].sort(),
      );
    }
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms).length).toBeGreaterThan(0);
    for (const [id, alarm] of Object.entries(alarms)) {
      expect(alarm.Properties?.AlarmActions, id).toEqual([expected]);
      expect(alarm.Properties?.OKActions, id).toEqual([expected]);
    }
    template.hasOutput('AlarmTopicArn', { Value: expected });
  });

  it('shows allow/deny by reason, 5xx, Capillary latency and errors and throttles on the dashboard', () => {
    const dashboards = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Dashboard'));
    expect(dashboards).toHaveLength(1);
    // The body is an Fn::Join of JSON text and tokens (region, function names): join it with placeholders.
    const join = dashboards[0]?.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] };
    const text = join['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '"<token>"')).join('');
    const body = JSON.stringify(JSON.parse(text.replaceAll('""<token>""', '"<token>"')));
    const queries = [
      authzDecisionsQuery(settings.stage),
      capillaryErrorsQuery(settings.stage),
      capillaryLatencyQuery(settings.stage, 'MAX'),
      capillaryLatencyQuery(settings.stage, 'AVG'),
    ];
    for (const query of queries) expect(body).toContain(JSON.stringify(query).slice(0, -1));
    for (const title of [
      'decisions by outcome and reason',
      '4xx and 5xx',
      'Capillary latency',
      'Capillary errors',
      'Throttles',
    ]) {
      expect(body).toContain(title);
    }
    expect(body).toContain('5XXError');
    expect(body).toContain('Throttles');
    if (settings.api.waf && 'ipRateLimit' in settings.api.waf) {
      expect(body).toContain('BlockedRequests');
      expect(body).toContain(WAF_RULES.ipRate);
    }
  });

  it('creates the API Gateway account CloudWatch role wherever API logging is on, and keeps it', () => {
    const stage = Object.values(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0];
    const logs = JSON.stringify(stage?.Properties?.MethodSettings).includes('"LoggingLevel"');
    expect(logs || stage?.Properties?.AccessLogSetting !== undefined).toBe(true);
    // Execution or access logging needs the account's role: a fresh account has none.
    const accounts = Object.entries(resourcesOfType(template, 'AWS::ApiGateway::Account'));
    expect(accounts).toHaveLength(1);
    const [accountId, account] = accounts[0] ?? [];
    const roleArn = account?.Properties?.CloudWatchRoleArn as { 'Fn::GetAtt': string[] };
    const roleId = roleArn['Fn::GetAtt'][0] ?? '';
    const role = resourcesOfType(template, 'AWS::IAM::Role')[roleId];
    expect(JSON.stringify(role?.Properties?.ManagedPolicyArns)).toContain('AmazonAPIGatewayPushToCloudWatchLogs');
    expect(role?.DeletionPolicy).toBe('Retain');
    expect(role?.Properties?.RoleName).toBeUndefined();
    expect(stage?.DependsOn).toEqual(expect.arrayContaining([accountId]));
  });

  it('associates a web ACL with the common rule set and a per-IP rate rule wherever WAF is set', () => {
    const waf = settings.api.waf;
    const acls = Object.entries(resourcesOfType(template, 'AWS::WAFv2::WebACL'));
    const associations = Object.values(resourcesOfType(template, 'AWS::WAFv2::WebACLAssociation'));
    if (waf === null) {
      expect(env).toBe('dev');
      expect(acls).toHaveLength(0);
      expect(associations).toHaveLength(0);
      return;
    }
    expect(associations).toHaveLength(1);
    const stageId = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0];
    expect(JSON.stringify(associations[0]?.Properties?.ResourceArn)).toContain(`"${stageId}"`);
    if ('webAclArn' in waf) {
      expect(associations[0]?.Properties?.WebACLArn).toBe(waf.webAclArn);
      return;
    }
    const [aclId, acl] = acls[0] ?? [];
    expect(associations[0]?.Properties?.WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    const props = acl?.Properties ?? {};
    expect(props).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    expect(props.Rules).toEqual([
      expect.objectContaining({
        Name: WAF_RULES.common,
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesCommonRuleSet' } },
      }),
      expect.objectContaining({
        Name: WAF_RULES.ipRate,
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            AggregateKeyType: 'IP',
            Limit: waf.ipRateLimit,
            EvaluationWindowSec: waf.ipRateWindowSeconds,
          },
        },
      }),
      // Per brand, counted after the per-IP rule on the brand header.
      expect.objectContaining({
        Name: WAF_RULES.brandRate,
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: {
            AggregateKeyType: 'CUSTOM_KEYS',
            CustomKeys: [{ Header: { Name: 'x-brand-id', TextTransformations: [{ Priority: 0, Type: 'LOWERCASE' }] } }],
            Limit: waf.brandRateLimit,
            EvaluationWindowSec: waf.ipRateWindowSeconds,
          },
        },
      }),
    ]);
  });

  it('lets a failed first deploy be retried: no retained resource keeps a fixed name past a rolled-back create', () => {
    const nameProperties = ['TableName', 'LogGroupName', 'FunctionName', 'RoleName', 'TopicName', 'Name'];
    for (const [id, resource] of Object.entries(
      template.toJSON().Resources as Record<string, Record<string, unknown>>,
    )) {
      if (resource.DeletionPolicy !== 'Retain') continue;
      const props = (resource.Properties ?? {}) as Record<string, unknown>;
      // A plain Retain survives the rollback of the create that made it; with a fixed name, the retry collides.
      for (const key of nameProperties) expect(props[key], `${id}.${key}`).toBeUndefined();
    }
  });

  it('outputs the API URL, table names and the back-channel logout URL pattern', () => {
    const outputs = template.findOutputs('*');
    expect(JSON.stringify(outputs.ApiUrl?.Value)).toContain('execute-api');
    const pattern = JSON.stringify(outputs.BackchannelLogoutUrlPattern?.Value);
    const stageId = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::Stage'))[0];
    expect(pattern).toContain(`{"Ref":"${stageId}"},"/v1/auth/backchannel-logout/{brandId}"`);
    expect(pattern).toContain('.execute-api.');
    for (const [key, logicalId] of Object.entries(TABLE_LOGICAL_IDS)) {
      const output = outputs[`${key.charAt(0).toUpperCase()}${key.slice(1)}TableName`];
      expect(output?.Value).toEqual({ Ref: logicalId });
    }
    template.hasOutput('SsmPrefix', { Value: `/ciam-gateway/${settings.stage}` });
  });
});

describe('optional environment features', () => {
  const settings = deployableSettings('stage', (raw) => {
    const api = raw.api as Record<string, unknown>;
    raw.api = {
      ...api,
      corsAllowedOrigins: ['https://shop.brand-one.com'],
      customDomain: {
        domainName: 'api.brand.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
      },
      waf: { webAclArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/gateway/abcd' },
    };
    raw.alarms = { ...(raw.alarms as object), topicArn: null, emailSubscriptions: ['oncall@brand-one.com'] };
    raw.secretsKmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
  });
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthGateway('stage', { settings });
  }, 180_000);
  afterAll(() => synth?.cleanup());

  it('adds the custom domain with TLS 1.2 and its outputs', () => {
    synth.template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'api.brand.example.com',
      RegionalCertificateArn: settings.api.customDomain?.certificateArn,
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    synth.template.resourceCountIs('AWS::ApiGateway::BasePathMapping', 1);
    synth.template.hasOutput('CustomDomainUrl', { Value: 'https://api.brand.example.com/' });
    synth.template.hasOutput('BackchannelLogoutUrlPattern', {
      Value: 'https://api.brand.example.com/v1/auth/backchannel-logout/{brandId}',
    });
  });

  it('associates an existing web ACL instead of creating one', () => {
    synth.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    synth.template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: 'arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/gateway/abcd',
    });
  });

  it('creates the alarm topic with its e-mail subscription when no topic is named', () => {
    synth.template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'ciam-gateway-stage-alarms' });
    synth.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@brand-one.com',
    });
    // TLS-only publishing (cdk-nag SNS3).
    synth.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: Match.objectLike({
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      }),
    });
  });

  it('copies the one configured origin literally onto the gateway responses', () => {
    synth.template.allResourcesProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseParameters: Match.objectLike({
        'gatewayresponse.header.Access-Control-Allow-Origin': "'https://shop.brand-one.com'",
      }),
    });
  });

  it('writes brand secrets with the configured key and gives the readers kms:Decrypt on that key only', () => {
    const key = settings.secretsKmsKeyArn;
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    for (const name of GatewayFunctionNames) {
      const access = FunctionAccessMatrix[name].secrets;
      const kms = functionStatements(synth.template, name).filter((s) =>
        asArray(s.Action).some((a) => a.startsWith('kms:')),
      );
      const environment = functions[functionLogicalId(name)]?.Properties?.Environment as { Variables: object };
      const variables = environment.Variables as Record<string, unknown>;
      if (access === undefined) {
        // Only the subject-hash key is read: kms:Decrypt through SSM on that key.
        expect(
          kms.flatMap((s) => asArray(s.Action)),
          name,
        ).toEqual(FunctionAccessMatrix[name].subjectKey ? ['kms:Decrypt'] : []);
        expect(variables[EnvNames.SECRETS_KMS_KEY_ID], name).toBeUndefined();
        continue;
      }
      expect(
        kms.map((s) => s.Resource),
        name,
      ).toEqual([key]);
      const actions = kms.flatMap((s) => asArray(s.Action)).sort();
      if (access === 'read') {
        expect(actions, name).toEqual(['kms:Decrypt']);
        expect(variables[EnvNames.SECRETS_KMS_KEY_ID], name).toBeUndefined();
      } else {
        expect(actions, name).toEqual(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']);
        // The writer passes it as KeyId on PutParameter (test/unit/adapters/ssm-secret-source.test.ts).
        expect(variables[EnvNames.SECRETS_KMS_KEY_ID], name).toBe(key);
      }
    }
  });
});

describe('redeploys after an authorizer change', () => {
  const deploymentId = (template: Template) => {
    const ids = Object.keys(resourcesOfType(template, 'AWS::ApiGateway::Deployment'));
    expect(ids).toHaveLength(1);
    return ids[0];
  };
  const withTtl = (ttl: number) =>
    deployableSettings('dev', (raw) => {
      raw.authorizer = { ...(raw.authorizer as object), resultCacheTtlSeconds: ttl };
    });

  it('gets a new API deployment when only the authorizer cache TTL changes (cdk.json feature flag)', () => {
    const first = synthGateway('dev', { settings: withTtl(60) });
    const second = synthGateway('dev', { settings: withTtl(120) });
    try {
      expect(deploymentId(first.template)).not.toBe(deploymentId(second.template));
      // The stage points at the new deployment, so the change reaches callers.
      const stage = Object.values(resourcesOfType(second.template, 'AWS::ApiGateway::Stage'))[0];
      expect(stage?.Properties?.DeploymentId).toEqual({ Ref: deploymentId(second.template) });
    } finally {
      first.cleanup();
      second.cleanup();
    }
  });

  it('would keep the old deployment without the flag (what the flag is for)', () => {
    const flagOff = { '@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId': false };
    const first = synthGateway('dev', { settings: withTtl(60), context: flagOff });
    const second = synthGateway('dev', { settings: withTtl(120), context: flagOff });
    try {
      expect(deploymentId(first.template)).toBe(deploymentId(second.template));
    } finally {
      first.cleanup();
      second.cleanup();
    }
  });
});

describe('cdk.json', () => {
  it('sets every feature flag aws-cdk-lib recommends for the pinned version, with its recommended value', () => {
    const recommended = JSON.parse(
      readFileSync(join(repositoryRoot, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8'),
    ) as Record<string, unknown>;
    const context = cdkJsonContext();
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    for (const [flag, value] of Object.entries(recommended)) expect(context[flag], flag).toEqual(value);
    expect(context['@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId']).toBe(true);
  });
});

describe('the public routes with their own throttles', () => {
  it('are routes of shared/routes.ts', () => {
    for (const route of Object.values(ROUTE_THROTTLES)) {
      expect(Routes.some((r) => r.method === route.method && r.path === route.path && r.auth === 'none')).toBe(true);
    }
  });
});

describe('the golden prod template', () => {
  // Diff-friendly (sorted keys; asset hashes and local paths normalised) so an infrastructure change shows up
  // in review. After an intended change: `npx vitest run test/infra/gateway-stack.test.ts --update`.
  it('matches the reviewed snapshot', async () => {
    const rendered = `${JSON.stringify(normaliseTemplate(synthOnce('prod').template.toJSON()), null, 2)}\n`;
    await expect(rendered).toMatchFileSnapshot('__snapshots__/ciam-gateway-prod.template.json');
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('pass on every environment with the acknowledgements of infra/nag-acknowledgements.ts', () => {
    for (const env of EnvironmentNames) expect(synthOnce(env).template.toJSON()).toHaveProperty('Resources');
  });

  it.each(EnvironmentNames)('acknowledge the missing WAF only where there is none (%s)', (env) => {
    const acknowledged = acknowledgedRules(synthOnce(env).stack);
    expect(acknowledged.some((rule) => rule.startsWith('AwsSolutions::AwsSolutions-APIG3'))).toBe(
      synthOnce(env).stack.settings.api.waf === null,
    );
    // Every acknowledgement carries a reason of its own.
    expect(acknowledged.length).toBeGreaterThan(0);
  });

  it('fail the synth when a new unacknowledged finding appears', () => {
    // Arrange: a wildcard grant on the health function's role, which nothing acknowledges.
    const customize = (stack: GatewayStack) => {
      stack.functions.health.role.addToPrincipalPolicy(
        new PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }),
      );
    };

    // Act / Assert
    expect(() => synthGateway('dev', { customize })).toThrow(/AwsSolutions-IAM5\[Action::dynamodb:\*\]/);
  });
});
