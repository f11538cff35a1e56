// The whole gateway in one stack: tables, functions with least-privilege grants (infra/function-access.ts), the
// REST API of shared/routes.ts, alarms and a dashboard, and the outputs operators need.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Arn, ArnFormat, Aws, CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { LambdaApplication, LambdaDeploymentConfig } from 'aws-cdk-lib/aws-codedeploy';
import { AccountRootPrincipal, Effect, ManagedPolicy, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { EnvNames } from '../shared/env.js';
import { FunctionNames, Routes } from '../shared/routes.js';
import { type TableKey, TableSchemas } from '../shared/storage/tables.js';
import type { EnvironmentSettings } from './environment-settings.js';
import { FunctionAccessMatrix, type GatewayFunctionName, reservedConcurrencyOf } from './function-access.js';
import { GatewayApi } from './constructs/gateway-api.js';
import { GatewayFunction, pascalCase } from './constructs/gateway-function.js';
import { GatewayMonitoring } from './constructs/gateway-monitoring.js';
import { GatewayTables } from './constructs/gateway-tables.js';

/**
 * The admin function runs the go-live tools (the brand doctor's probes, a prelink batch), each cut to the remaining
 * time: it may use what API Gateway's 29 s integration timeout leaves.
 */
const ADMIN_TIMEOUT_SECONDS = 28;

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

/** The fixed name of one table (its functions are given the name, not a reference: see GatewayStack). */
function tableNameOf(stage: string, key: TableKey): string {
  return `ciam-gateway-${stage}-${key}`;
}

/** SSM name of the stage's subject-hash key (a SecureString the first-deploy procedure creates). */
function subjectKeyParameter(stage: string): string {
  return `${ssmPrefix(stage)}/subject-hash-key`;
}

const TableKeys = Object.keys(TableSchemas).filter((key): key is TableKey => key in TableSchemas);

/** Key administration without use: the account may manage the stack's key, never encrypt or decrypt with it. */
const KEY_ADMIN_ACTIONS = [
  'kms:Create*',
  'kms:Describe*',
  'kms:Enable*',
  'kms:List*',
  'kms:Put*',
  'kms:Update*',
  'kms:Revoke*',
  'kms:Disable*',
  'kms:Get*',
  'kms:Delete*',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:ScheduleKeyDeletion',
  'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

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
  /** The key of the brands' secrets and the subject-hash key (created by the stack unless one is named). */
  readonly secretsKey: IKey;
  /** The managed policy brand administrators are given: execute-api:Invoke on the admin routes only. */
  readonly brandAdminPolicy: ManagedPolicy;

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

    this.secretsKey = settings.secretsKmsKeyArn
      ? Key.fromKeyArn(this, 'SecretsKey', settings.secretsKmsKeyArn)
      : new Key(this, 'SecretsKey', {
          description: `ciam-gateway ${settings.stage}: brand secrets and the subject-hash key (SSM SecureStrings)`,
          enableKeyRotation: true,
          // Only key administration for the account: no IAM policy can give anyone else its use. The functions
          // that need it are named in the key policy below.
          policy: new PolicyDocument({
            statements: [
              new PolicyStatement({
                sid: 'AccountAdministersTheKey',
                principals: [new AccountRootPrincipal()],
                actions: KEY_ADMIN_ACTIONS,
                resources: ['*'],
              }),
            ],
          }),
          removalPolicy: settings.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        });

    // The functions get the tables' fixed names (not Refs), so nothing depends on the tables and the tables can
    // be created last (below): a first deploy that fails earlier has not created the deletion-protected tables.
    const tableNames = recordOf(TableKeys, (key) => tableNameOf(settings.stage, key));
    const sharedEnvironment: Record<string, string> = {
      [EnvNames.STAGE]: settings.stage,
      [EnvNames.SSM_PREFIX]: prefix,
      [EnvNames.BRANDS_TABLE]: tableNames.brands,
      [EnvNames.LINKS_TABLE]: tableNames.links,
      [EnvNames.REVOCATIONS_TABLE]: tableNames.revocations,
      [EnvNames.CONFIG_CACHE_TTL_SECONDS]: String(settings.caches.configCacheTtlSeconds),
      [EnvNames.CONFIG_STALE_IF_ERROR_SECONDS]: String(settings.caches.configStaleIfErrorSeconds),
      [EnvNames.REVOCATION_CACHE_TTL_SECONDS]: String(settings.caches.revocationCacheTtlSeconds),
      [EnvNames.AUTHORIZER_CACHE_TTL_SECONDS]: String(settings.authorizer.resultCacheTtlSeconds),
      [EnvNames.CORS_ALLOWED_ORIGINS]: settings.api.corsAllowedOrigins.join(','),
      [EnvNames.SUBJECT_HASH_KEY_PARAMETER]: subjectKeyParameter(settings.stage),
      // With `tracing`, X-Ray is active and these functions record their DynamoDB, SSM, Capillary and CIAM calls
      // as subsegments (shared/observability/tracing.ts). Powertools' own HTTP capture stays off: it would record
      // every URL, and a Capillary lookup's carries the member's mobile or email.
      [EnvNames.POWERTOOLS_TRACE_ENABLED]: String(settings.tracing),
      ...(settings.tracing ? { POWERTOOLS_TRACER_CAPTURE_HTTPS_REQUESTS: 'false' } : {}),
    };
    // Only the writer needs the key id (readers decrypt with the key the ciphertext names).
    const writerEnvironment: Record<string, string> = {
      ...sharedEnvironment,
      [EnvNames.SECRETS_KMS_KEY_ID]: this.secretsKey.keyArn,
    };

    this.functions = recordOf(GatewayFunctionNames, (name) => {
      const isAuthorizer = name === 'authorizer';
      const entry = join(projectRoot, functionEntryPath(name));
      if (!existsSync(entry)) {
        throw new Error(`Function entry ${relative(projectRoot, entry)} is missing: every function needs one`);
      }
      const reserved = reservedConcurrencyOf(settings, name);
      const fn = new GatewayFunction(this, `${name}`, {
        name,
        entry,
        projectRoot,
        stage: settings.stage,
        memorySize: isAuthorizer ? settings.authorizer.memorySize : settings.functions.memorySize,
        timeoutSeconds: isAuthorizer
          ? settings.authorizer.timeoutSeconds
          : name === 'admin'
            ? Math.max(settings.functions.timeoutSeconds, ADMIN_TIMEOUT_SECONDS)
            : settings.functions.timeoutSeconds,
        logRetentionDays: settings.logRetentionDays,
        logLevel: settings.logLevel,
        tracing: settings.tracing,
        removalPolicy,
        // health reads no table; the rest share one environment so loadSettings() finds every name.
        environment:
          name === 'health'
            ? { [EnvNames.STAGE]: settings.stage }
            : FunctionAccessMatrix[name].secrets === 'write'
              ? writerEnvironment
              : sharedEnvironment,
        ...(reserved !== null ? { reservedConcurrency: reserved } : {}),
        ...(isAuthorizer ? { provisionedConcurrency: settings.authorizer.provisionedConcurrency } : {}),
      });
      this.grantAccess(fn, name, prefix, tableNames);
      return fn;
    });
    const functions = this.functions;

    // Every caller invokes the `live` alias, never $LATEST: CodeDeploy moves it release by release.
    const routeHandlers = recordOf(FunctionNames, (name): IFunction => functions[name].live);
    this.gatewayApi = new GatewayApi(this, 'Gateway', {
      settings,
      removalPolicy,
      functions: routeHandlers,
      authorizer: functions.authorizer.live,
    });

    this.monitoring = new GatewayMonitoring(this, 'Monitoring', {
      settings,
      api: this.gatewayApi.api,
      accessLogGroup: this.gatewayApi.accessLogGroup,
      functions,
      tableNames,
      webAcl: this.gatewayApi.webAcl,
    });

    // Safe releases: each function's alias moves through CodeDeploy with the environment's traffic shift, and
    // rolls back on its own release alarms plus the stage's failure alarms.
    const application = new LambdaApplication(this, 'Releases', {
      applicationName: `ciam-gateway-${settings.stage}-${Aws.REGION}`,
    });
    const config = LambdaDeploymentConfig[settings.release.deploymentConfig];
    for (const name of GatewayFunctionNames) {
      functions[name].release(application, config, this.monitoring.releaseAlarmsOf(name));
    }

    // Tables last: they depend on everything else, so a first deploy that fails (a concurrency quota, a WAF
    // limit...) rolls back before any deletion-protected table exists. Nothing references them but the outputs.
    this.tables = new GatewayTables(this, 'Tables', {
      stage: settings.stage,
      removalPolicy,
      deletionProtection: settings.deletionProtection,
    });
    for (const child of this.node.children) {
      if (child !== this.tables && child instanceof Construct && !(child instanceof CfnOutput)) {
        this.tables.node.addDependency(child);
      }
    }

    this.brandAdminPolicy = new ManagedPolicy(this, 'BrandAdminPolicy', {
      description: `ciam-gateway ${settings.stage} (${Aws.REGION}): call the brand admin API (SigV4), nothing else`,
      statements: [
        new PolicyStatement({
          sid: 'InvokeAdminRoutes',
          actions: ['execute-api:Invoke'],
          resources: Routes.filter((route) => route.auth === 'iam').map((route) =>
            this.gatewayApi.api.arnForExecuteApi(route.method, route.path.replace(/\{[^}]+\}/g, '*'), settings.stage),
          ),
        }),
      ],
    });

    this.addOutputs(prefix);
  }

  /** Turns the function's FunctionAccessMatrix entry into IAM grants: its tables, its SSM paths, nothing else. */
  private grantAccess(
    fn: GatewayFunction,
    name: GatewayFunctionName,
    prefix: string,
    tableNames: Readonly<Record<TableKey, string>>,
  ): void {
    const access = FunctionAccessMatrix[name];
    for (const key of TableKeys) {
      const actions = access.tables[key];
      if (actions === undefined || actions.length === 0) continue;
      const tableArn = Arn.format({ service: 'dynamodb', resource: 'table', resourceName: tableNames[key] }, this);
      // Explicit actions and resources instead of grantReadData(): that one adds `index/*` and stream actions;
      // here a function gets the table and, when it queries or scans, the indexes the schema declares.
      const indexes = actions.some((action) => action === 'Query' || action === 'Scan')
        ? TableSchemas[key].indexes.map((index) => `${tableArn}/index/${index.name}`)
        : [];
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: `${pascalCase(key)}Table`,
          effect: Effect.ALLOW,
          actions: actions.map((action) => `dynamodb:${action}`),
          resources: [tableArn, ...indexes],
        }),
      );
    }

    const parameterArn = (path: string) =>
      Arn.format(
        {
          service: 'ssm',
          resource: 'parameter',
          resourceName: path.slice(1),
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        },
        this,
      );
    // `/ciam-gateway/<stage>/brands/*`: each brand's parameters, written by the admin function only.
    const brandParameters = parameterArn(`${prefix}/brands/*`);
    const subjectKey = parameterArn(subjectKeyParameter(this.settings.stage));
    const readable = [...(access.secrets ? [brandParameters] : []), ...(access.subjectKey ? [subjectKey] : [])];
    if (readable.length === 0) return;
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ReadParameters',
        effect: Effect.ALLOW,
        actions: ['ssm:GetParameter'],
        resources: readable,
      }),
    );
    if (access.secrets === 'write') {
      fn.role.addToPrincipalPolicy(
        new PolicyStatement({
          sid: 'WriteBrandParameters',
          effect: Effect.ALLOW,
          actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
          resources: [brandParameters],
        }),
      );
    }

    // SecureString values: KMS use only through SSM, and only for these parameters (SSM passes the parameter ARN
    // as encryption context), on the stack's key alone.
    const kmsActions =
      access.secrets === 'write' ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'];
    const conditions = {
      StringEquals: { 'kms:ViaService': `ssm.${this.region}.amazonaws.com` },
      StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': readable },
    };
    fn.role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ParametersKms',
        effect: Effect.ALLOW,
        actions: kmsActions,
        resources: [this.secretsKey.keyArn],
        conditions,
      }),
    );
    // A key the stack made trusts no IAM policy: its key policy names each function that may use it.
    if (this.secretsKey instanceof Key) {
      this.secretsKey.addToResourcePolicy(
        new PolicyStatement({
          sid: `${pascalCase(name)}UsesKeyThroughSsm`,
          principals: [fn.role],
          actions: kmsActions,
          resources: ['*'],
          conditions,
        }),
      );
    }
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
    new CfnOutput(this, 'BrandAdminPolicyArn', {
      value: this.brandAdminPolicy.managedPolicyArn,
      description: 'Attach to the role or user of brand administrators: execute-api:Invoke on the admin routes only',
    });
    new CfnOutput(this, 'SecretsKeyArn', {
      value: this.secretsKey.keyArn,
      description: 'KMS key of the brand secrets and of the subject-hash key (put-parameter --key-id)',
    });
    new CfnOutput(this, 'SubjectHashKeyParameter', {
      value: subjectKeyParameter(this.settings.stage),
      description: 'Create once per stage (SecureString, 32+ random bytes): docs/deploy.md, first deploy',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.monitoring.alarmTopic.topicArn,
      description: 'Every alarm and OK transition is published here',
    });
  }
}
