// The whole gateway in one stack: tables, functions with least-privilege grants (infra/function-access.ts), the
// REST API of shared/routes.ts, alarms and a dashboard, and the outputs operators need.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Arn, ArnFormat, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IFunction, Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { EnvNames } from '../shared/env.js';
import { FunctionNames } from '../shared/routes.js';
import { type TableKey, TableSchemas } from '../shared/storage/tables.js';
import type { EnvironmentSettings } from './environment-settings.js';
import { FunctionAccessMatrix, type GatewayFunctionName } from './function-access.js';
import { GatewayApi } from './constructs/gateway-api.js';
import { GatewayFunction, pascalCase } from './constructs/gateway-function.js';
import { GatewayMonitoring } from './constructs/gateway-monitoring.js';
import { MemberApiFunctionNames, MemberApiMonitoring } from './constructs/member-api-monitoring.js';
import { GatewayTables } from './constructs/gateway-tables.js';

/** Repository root (the esbuild project root and home of package-lock.json). */
export const repositoryRoot = join(import.meta.dirname, '..');

/** Every function of the stack: the authorizer plus one per FunctionNames entry. */
export const GatewayFunctionNames: readonly GatewayFunctionName[] = ['authorizer', ...FunctionNames];

/** `functions/<name>/index.ts`, relative to the repository root. */
export function functionEntryPath(name: GatewayFunctionName): string {
  return `functions/${name}/index.ts`;
}

/** SSM prefix of one stage: `/ciam-gateway/<stage>`. Brand credentials live at `<prefix>/brands/<brandId>/capillary`. */
export function ssmPrefix(stage: string): string {
  return `/ciam-gateway/${stage}`;
}

/** DynamoDB data-plane actions a reader needs (Scan only matters for the admin's brand list). */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
/** Added for writers (conditional puts, TTL'd lock items, transactions of these). */
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

const TableKeys = Object.keys(TableSchemas).filter((key): key is TableKey => key in TableSchemas);

/** Builds a record with one value per name (the names are the record's complete key set). */
function recordOf<K extends string, V>(names: readonly K[], build: (name: K) => V): Record<K, V> {
  const entries = new Map<K, V>(names.map((name) => [name, build(name)]));
  return Object.fromEntries(entries) as Record<K, V>;
}

export interface GatewayStackProps extends StackProps {
  settings: EnvironmentSettings;
  /** Defaults to the repository this file lives in. */
  projectRoot?: string;
}

export class GatewayStack extends Stack {
  readonly settings: EnvironmentSettings;
  readonly functions: Readonly<Record<GatewayFunctionName, GatewayFunction>>;
  readonly tables: GatewayTables;
  readonly gatewayApi: GatewayApi;
  readonly monitoring: GatewayMonitoring;
  readonly memberApiMonitoring: MemberApiMonitoring;

  constructor(scope: Construct, id: string, props: GatewayStackProps) {
    super(scope, id, props);
    const settings = props.settings;
    this.settings = settings;
    const projectRoot = props.projectRoot ?? repositoryRoot;
    // `retain` = RetainExceptOnCreate: kept on update and delete, but removed when the create that made it rolls
    // back, so a failed first deploy leaves no fixed-name table or log group behind to block the retry.
    const removalPolicy =
      settings.removalPolicy === 'retain' ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE : RemovalPolicy.DESTROY;
    const prefix = ssmPrefix(settings.stage);

    this.tables = new GatewayTables(this, 'Tables', {
      stage: settings.stage,
      removalPolicy,
      deletionProtection: settings.deletionProtection,
    });
    const tables = this.tables.tables;

    const sharedEnvironment: Record<string, string> = {
      [EnvNames.STAGE]: settings.stage,
      [EnvNames.SSM_PREFIX]: prefix,
      [EnvNames.BRANDS_TABLE]: tables.brands.tableName,
      [EnvNames.LINKS_TABLE]: tables.links.tableName,
      [EnvNames.REVOCATIONS_TABLE]: tables.revocations.tableName,
      [EnvNames.CONFIG_CACHE_TTL_SECONDS]: String(settings.caches.configCacheTtlSeconds),
      [EnvNames.CONFIG_STALE_IF_ERROR_SECONDS]: String(settings.caches.configStaleIfErrorSeconds),
      [EnvNames.REVOCATION_CACHE_TTL_SECONDS]: String(settings.caches.revocationCacheTtlSeconds),
      [EnvNames.AUTHORIZER_CACHE_TTL_SECONDS]: String(settings.authorizer.resultCacheTtlSeconds),
      [EnvNames.CORS_ALLOWED_ORIGINS]: settings.api.corsAllowedOrigins.join(','),
    };
    // Only the writer needs the key id (readers decrypt with the key the ciphertext names).
    const writerEnvironment: Record<string, string> = settings.secretsKmsKeyArn
      ? { ...sharedEnvironment, [EnvNames.SECRETS_KMS_KEY_ID]: settings.secretsKmsKeyArn }
      : sharedEnvironment;

    this.functions = recordOf(GatewayFunctionNames, (name) => {
      const isAuthorizer = name === 'authorizer';
      const entry = join(projectRoot, functionEntryPath(name));
      if (!existsSync(entry)) {
        throw new Error(`Function entry ${relative(projectRoot, entry)} is missing: every function needs one`);
      }
      const fn = new GatewayFunction(this, `${name}`, {
        name,
        entry,
        projectRoot,
        stage: settings.stage,
        memorySize: isAuthorizer ? settings.authorizer.memorySize : settings.functions.memorySize,
        timeoutSeconds: isAuthorizer ? settings.authorizer.timeoutSeconds : settings.functions.timeoutSeconds,
        logRetentionDays: settings.logRetentionDays,
        logLevel: settings.logLevel,
        removalPolicy,
        // health reads no table; the rest share one environment so loadSettings() finds every name.
        environment:
          name === 'health'
            ? { [EnvNames.STAGE]: settings.stage }
            : FunctionAccessMatrix[name].secrets === 'write'
              ? writerEnvironment
              : sharedEnvironment,
        ...(isAuthorizer && settings.authorizer.reservedConcurrency !== null
          ? { reservedConcurrency: settings.authorizer.reservedConcurrency }
          : {}),
      });
      this.grantAccess(fn, name, prefix);
      return fn;
    });
    const functions = this.functions;

    // Provisioned concurrency lives on an alias; the authorizer then invokes the alias, never $LATEST.
    const authorizerHandler = this.authorizerHandler(functions.authorizer, settings.authorizer.provisionedConcurrency);

    const routeHandlers = recordOf(FunctionNames, (name): IFunction => functions[name].function);
    this.gatewayApi = new GatewayApi(this, 'Gateway', {
      settings,
      removalPolicy,
      functions: routeHandlers,
      authorizer: authorizerHandler,
    });

    const memberFunctions: readonly GatewayFunctionName[] = MemberApiFunctionNames;
    const watched = GatewayFunctionNames.filter((name) => !memberFunctions.includes(name));
    const gatewayFunctions = {
      ...recordOf(watched, (name): IFunction => functions[name].function),
      authorizer: functions.authorizer.function,
    };
    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      settings,
      api: this.gatewayApi.api,
      accessLogGroup: this.gatewayApi.accessLogGroup,
      functions: gatewayFunctions,
      webAcl: this.gatewayApi.webAcl,
    });
    this.memberApiMonitoring = new MemberApiMonitoring(this, 'MemberApiMonitoring', {
      settings,
      functions: recordOf(MemberApiFunctionNames, (name): IFunction => functions[name].function),
      alarmTopic: this.monitoring.alarmTopic,
      dashboard: this.monitoring.dashboard,
    });

    this.addOutputs(prefix);
  }

  private authorizerHandler(authorizer: GatewayFunction, provisionedConcurrency: number): IFunction {
    if (provisionedConcurrency === 0) return authorizer.function;
    const alias = authorizer.function.addAlias('live', { provisionedConcurrentExecutions: provisionedConcurrency });
    // Referenced by ARN because Alias's `role` typing clashes with IFunction under exactOptionalPropertyTypes.
    return LambdaFunction.fromFunctionAttributes(this, 'AuthorizerLiveAlias', {
      functionArn: alias.functionArn,
      sameEnvironment: true,
    });
  }

  /** Turns the function's FunctionAccessMatrix entry into IAM grants: its tables, its SSM path, nothing else. */
  private grantAccess(fn: GatewayFunction, name: GatewayFunctionName, prefix: string): void {
    const access = FunctionAccessMatrix[name];
    for (const key of TableKeys) {
      const mode = access.tables[key];
      if (mode === undefined) continue;
      const table = this.tables.tables[key];
      // Explicit actions and resources instead of grantReadData(): that one adds `index/*` and stream actions;
      // here a function gets the table and the indexes the schema declares, nothing more.
      const indexes = TableSchemas[key].indexes.map((index) => `${table.tableArn}/index/${index.name}`);
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: `${pascalCase(key)}Table${mode === 'read' ? 'Read' : 'ReadWrite'}`,
          effect: Effect.ALLOW,
          actions: mode === 'read' ? TABLE_READ_ACTIONS : [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
          resources: [table.tableArn, ...indexes],
        }),
      );
    }
    if (!access.secrets) return;

    // `/ciam-gateway/<stage>/brands/*`: each brand's parameters, written by the admin function only.
    const brandParameters = Arn.format(
      {
        service: 'ssm',
        resource: 'parameter',
        resourceName: `${prefix.slice(1)}/brands/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      },
      this,
    );
    const ssmActions =
      access.secrets === 'write'
        ? ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter']
        : ['ssm:GetParameter', 'ssm:GetParameters'];
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'BrandParameters',
        effect: Effect.ALLOW,
        actions: ssmActions,
        resources: [brandParameters],
      }),
    );

    // SecureString values: KMS use only through SSM, and only for this stage's brand parameters (SSM passes
    // the parameter ARN as encryption context).
    const kmsActions =
      access.secrets === 'write' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'];
    const keyArn =
      this.settings.secretsKmsKeyArn ??
      Arn.format(
        { service: 'kms', resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME },
        this,
      );
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'BrandParametersKms',
        effect: Effect.ALLOW,
        actions: kmsActions,
        resources: [keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `ssm.${this.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': brandParameters },
        },
      }),
    );
  }

  private addOutputs(prefix: string): void {
    const api = this.gatewayApi.api;
    const customDomain = this.gatewayApi.domainName ? this.settings.api.customDomain : null;
    // The URL brands should be given: the custom domain (mapped at its root) when there is one.
    const publicUrl = customDomain ? `https://${customDomain.domainName}/` : api.url;
    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the API stage' });
    new CfnOutput(this, 'BackchannelLogoutUrlPattern', {
      value: `${publicUrl}v1/auth/backchannel-logout/{brandId}`,
      description: "Register per brand at the CIAM as the client's backchannel_logout_uri ({brandId} replaced)",
    });
    if (this.gatewayApi.domainName && customDomain) {
      new CfnOutput(this, 'CustomDomainUrl', { value: publicUrl });
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.gatewayApi.domainName.domainNameAliasDomainName,
        description: 'Point the custom domain (CNAME or alias) here',
      });
    }
    for (const [key, table] of Object.entries(this.tables.tables)) {
      new CfnOutput(this, `${key.charAt(0).toUpperCase()}${key.slice(1)}TableName`, { value: table.tableName });
    }
    new CfnOutput(this, 'SsmPrefix', {
      value: prefix,
      description: 'Brand credentials: <prefix>/brands/<brandId>/capillary (SecureString)',
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'Every alarm and OK transition is published here',
    });
  }
}
