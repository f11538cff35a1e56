// One Lambda function of the gateway with the project's defaults: NodejsFunction bundled by the local esbuild
// (no Docker), newest Node.js runtime, arm64, ESM, minified with source maps, X-Ray, an explicit log group and
// its own role (no AWS managed policy), and a stable logical id so `sam local invoke <LogicalId>` keeps working.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import {
  type ILambdaDeploymentConfig,
  LambdaDeploymentGroup,
  type LambdaApplication,
} from 'aws-cdk-lib/aws-codedeploy';
import type { IAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  type Alias,
  Architecture,
  CfnFunction,
  type IFunction,
  Function as LambdaFunction,
  Runtime,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { CfnLogGroup, LogGroup } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { GatewayFunctionName } from '../function-access.js';

/** Makes `require` available inside the ESM bundle for CommonJS dependencies that call it. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __gatewayCreateRequire } from 'node:module'; const require = __gatewayCreateRequire(import.meta.url);";

/**
 * Functions started without `--enable-source-maps`: Node parses the whole map at import, which measured ~15 %
 * of the authorizer's cold import (docs/performance.md) and the authorizer is on every cold request's path.
 * Its `.map` still ships beside the bundle, so a minified stack trace can be mapped offline.
 */
const NO_RUNTIME_SOURCE_MAPS: readonly GatewayFunctionName[] = ['authorizer'];

/** The runtime every function uses: the newest Node.js runtime aws-cdk-lib 2.276 offers. */
export const FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/** esbuild's target for that runtime (`nodejs24.x` -> `node24`), so the bundle uses what the runtime has. */
export const ESBUILD_TARGET = `node${/^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME.name)?.[1] ?? 'unknown'}`;

export interface GatewayFunctionProps {
  name: GatewayFunctionName;
  /** Absolute path of the entry file (functions/<name>/index.ts). */
  entry: string;
  /** Repository root: the esbuild project root; must hold package-lock.json. */
  projectRoot: string;
  stage: string;
  memorySize: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  logLevel: string;
  /** X-Ray active (the environment's `tracing`). */
  tracing: boolean;
  removalPolicy: RemovalPolicy;
  environment: Record<string, string>;
  reservedConcurrency?: number;
  /** Provisioned concurrency on the `live` alias (0 = none). */
  provisionedConcurrency?: number;
}

/** The alias every caller (API, authorizer) invokes; CodeDeploy moves it from version to version. */
export const LIVE_ALIAS = 'live';

/** `backchannel-logout` -> `BackchannelLogout`. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The CloudFormation logical id of a function (stable across refactors; used by `sam local invoke`). */
export function functionLogicalId(name: GatewayFunctionName): string {
  return `${pascalCase(name)}Function`;
}

export class GatewayFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** `live`: what API Gateway invokes; a release shifts it gradually to the new version. */
  readonly alias: Alias;
  /** The alias as an IFunction (Alias's `role` typing clashes with IFunction under exactOptionalPropertyTypes). */
  readonly live: IFunction;
  private deploymentGroup: LambdaDeploymentGroup | undefined;

  constructor(scope: Construct, id: string, props: GatewayFunctionProps) {
    super(scope, id);
    const functionName = `ciam-gateway-${props.stage}-${props.name}`;

    this.logGroup = new LogGroup(this, 'LogGroup', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: props.logRetentionDays,
      removalPolicy: props.removalPolicy,
    });
    overrideLogicalId(this.logGroup.node.defaultChild, CfnLogGroup, `${pascalCase(props.name)}LogGroup`);

    // An own role instead of the auto-created one: that one attaches AWSLambdaBasicExecutionRole (logs:* on
    // every log group); this one may only write to its own log group. Grants are added by the stack.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ciam-gateway ${props.stage} ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new NodejsFunction(this, 'Function', {
      functionName,
      entry: props.entry,
      projectRoot: props.projectRoot,
      depsLockFilePath: `${props.projectRoot}/package-lock.json`,
      handler: 'handler',
      runtime: FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: Duration.seconds(props.timeoutSeconds),
      tracing: props.tracing ? Tracing.ACTIVE : Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: {
        // No POWERTOOLS_SERVICE_NAME: the code names each logger and metrics instance itself.
        ...props.environment,
        LOG_LEVEL: props.logLevel,
        // Stack traces point at the TypeScript sources through the bundled source map.
        ...(NO_RUNTIME_SOURCE_MAPS.includes(props.name) ? {} : { NODE_OPTIONS: '--enable-source-maps' }),
      },
      bundling: {
        format: OutputFormat.ESM,
        target: ESBUILD_TARGET,
        platform: 'node',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        // The map keeps names and lines; leaving the sources out keeps the asset small.
        sourcesContent: false,
        // Ship the exact @aws-sdk/* versions from package-lock.json that the tests ran against instead of the
        // runtime's SDK, which AWS updates on its own schedule.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        define: bundleDefines(props.projectRoot),
      },
    });
    overrideLogicalId(this.function.node.defaultChild, CfnFunction, functionLogicalId(props.name));
    this.alias = this.function.addAlias(LIVE_ALIAS, {
      ...(props.provisionedConcurrency ? { provisionedConcurrentExecutions: props.provisionedConcurrency } : {}),
    });
    this.live = LambdaFunction.fromFunctionAttributes(this, 'Live', {
      functionArn: this.alias.functionArn,
      sameEnvironment: true,
    });
  }

  /**
   * Releases through CodeDeploy: the alias moves to each new version as `config` says, and rolls back by itself
   * when one of `alarms` fires (CloudFormation waits for it, so the stack update fails and rolls back too).
   */
  release(application: LambdaApplication, config: ILambdaDeploymentConfig, alarms: IAlarm[]): LambdaDeploymentGroup {
    this.deploymentGroup ??= new LambdaDeploymentGroup(this, 'Release', {
      application,
      alias: this.alias,
      deploymentConfig: config,
      alarms,
      autoRollback: { failedDeployment: true, stoppedDeployment: true, deploymentInAlarm: true },
    });
    return this.deploymentGroup;
  }
}

/** esbuild `define`s of every bundle: the package.json version that GET /health reports (shared/version.ts). */
export function bundleDefines(projectRoot: string): Record<string, string> {
  const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
  return { __GATEWAY_VERSION__: JSON.stringify(version) };
}

function overrideLogicalId<T extends { overrideLogicalId(id: string): void }>(
  child: unknown,
  type: abstract new (...args: never[]) => T,
  logicalId: string,
): void {
  if (!(child instanceof type)) throw new Error(`Expected a ${type.name} to rename to ${logicalId}`);
  child.overrideLogicalId(logicalId);
}
