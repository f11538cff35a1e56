// Synthesizes the gateway stack in-process for the infra tests, into a folder under .test-out/ that the caller
// removes, with the context of cdk.json (its feature flags) as `cdk synth` would. Unit synths skip esbuild
// (`aws:cdk:bundling-stacks: []`); the bundling test asks for real bundles.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import {
  type EnvironmentName,
  type EnvironmentSettings,
  environmentSettingsDir,
  ProtectedEnvironments,
  parseEnvironmentSettings,
} from '../../../infra/environment-settings.js';
import { buildGatewayApp } from '../../../infra/gateway-app.js';
import {
  functionEntryPath,
  GatewayFunctionNames,
  type GatewayStack,
  repositoryRoot,
} from '../../../infra/gateway-stack.js';
import type { GatewayFunctionName } from '../../../infra/function-access.js';

export const testOutRoot = join(repositoryRoot, '.test-out');

/** The `context` of cdk.json (feature flags and defaults); the CLI passes it to the app, so the tests do too. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(repositoryRoot, 'cdk.json'), 'utf8')) as { context?: object };
  return { ...cdkJson.context };
}

/**
 * What an operator fills in before deploying stage or prod (docs/deploy.md): an alarm destination and the real
 * browser origins. The shipped files leave them out on purpose, so `cdk synth -c env=prod` refuses until then.
 */
const DEPLOYMENT_VALUES = {
  alarms: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:ciam-gateway-oncall' },
  corsAllowedOrigins: ['https://shop.brand-one.com', 'https://www.brand-two.com'],
} as const;

/** The shipped settings file of `env` as JSON (unparsed), for tests that change one field. */
export function rawSettings(env: EnvironmentName): Record<string, unknown> {
  return JSON.parse(readFileSync(join(environmentSettingsDir, `${env}.json`), 'utf8'));
}

/** The shipped settings of `env`, completed with DEPLOYMENT_VALUES for stage and prod; `edit` may change the raw JSON. */
export function deployableSettings(
  env: EnvironmentName,
  edit: (raw: Record<string, unknown>) => void = () => undefined,
): EnvironmentSettings {
  const raw = rawSettings(env);
  if (ProtectedEnvironments.has(env)) {
    raw.alarms = { ...(raw.alarms as object), topicArn: DEPLOYMENT_VALUES.alarms.topicArn };
    raw.api = { ...(raw.api as object), corsAllowedOrigins: [...DEPLOYMENT_VALUES.corsAllowedOrigins] };
  }
  edit(raw);
  return parseEnvironmentSettings(raw, `${env}.json + test deployment values`, env);
}

/** Functions whose functions/<name>/index.ts does not exist (yet). */
export function missingEntries(): GatewayFunctionName[] {
  return GatewayFunctionNames.filter((name) => !existsSync(join(repositoryRoot, functionEntryPath(name))));
}

export interface SynthOptions {
  settings?: EnvironmentSettings;
  /** Run esbuild for real (default false). */
  bundle?: boolean;
  /** Extra context on top of cdk.json's (e.g. a feature flag turned off). */
  context?: Record<string, unknown>;
  /** Changes the stack before synthesis (tests that need a deliberately broken stack). */
  customize?: (stack: GatewayStack) => void;
}

export interface Synthesized {
  app: App;
  stack: GatewayStack;
  template: Template;
  outdir: string;
  cleanup: () => void;
}

/** Builds the app for `env` and synthesizes it (nag checks included: findings throw). */
export function synthGateway(env: EnvironmentName, options: SynthOptions = {}): Synthesized {
  mkdirSync(testOutRoot, { recursive: true });
  const outdir = mkdtempSync(join(testOutRoot, `infra-${env}-`));
  const cleanup = () => rmSync(outdir, { recursive: true, force: true });
  try {
    const app = new App({
      outdir,
      context: {
        ...cdkJsonContext(),
        'aws:cdk:enable-asset-metadata': true,
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
        ...options.context,
      },
    });
    const stack = buildGatewayApp(app, {
      env,
      settings: options.settings ?? deployableSettings(env),
    });
    options.customize?.(stack);
    const assembly = app.synth();
    const template = Template.fromJSON(assembly.getStackArtifact(stack.artifactId).template);
    return { app, stack, template, outdir, cleanup };
  } catch (error) {
    cleanup();
    throw error;
  }
}

type CfnResource = { Type: string; Properties?: Record<string, unknown>; [key: string]: unknown };

/** Resources of one type, keyed by logical id. */
export function resourcesOfType(template: Template, type: string): Record<string, CfnResource> {
  return template.findResources(type) as Record<string, CfnResource>;
}
