// Builds the CDK app for one environment: settings from infra/env/<env>.json, the stack, and the cdk-nag
// AwsSolutions checks with the project's acknowledgements. Shared by infra/app.ts and the infra tests.
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  assertEnvironmentName,
  type EnvironmentName,
  type EnvironmentSettings,
  loadEnvironmentSettings,
} from './environment-settings.js';
import { GatewayStack } from './gateway-stack.js';
import { acknowledgeNagFindings } from './nag-acknowledgements.js';

/** Context keys the app reads. */
const ContextKeys = { ENV: 'env' } as const;

/** The stack name of one environment (also the name of `cdk.out/<name>.template.json`). */
function gatewayStackName(env: EnvironmentName): string {
  return `ciam-gateway-${env}`;
}

export interface BuildGatewayAppOptions {
  /** Defaults to the `env` context value (`-c env=dev`). */
  env?: EnvironmentName;
  /** Defaults to infra/env/<env>.json. */
  settings?: EnvironmentSettings;
}

/** Adds the gateway stack of one environment and the nag checks to `app`. */
export function buildGatewayApp(app: App, options: BuildGatewayAppOptions = {}): GatewayStack {
  const env = options.env ?? assertEnvironmentName(app.node.tryGetContext(ContextKeys.ENV));
  const settings = options.settings ?? loadEnvironmentSettings(env);
  const stack = new GatewayStack(app, gatewayStackName(env), {
    settings,
    description: `ciam-gateway (${env}): CIAM sign-in for Capillary brands`,
    ...(settings.account || settings.region
      ? {
          env: {
            ...(settings.account ? { account: settings.account } : {}),
            ...(settings.region ? { region: settings.region } : {}),
          },
        }
      : {}),
    tags: { project: 'ciam-gateway', stage: settings.stage },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  acknowledgeNagFindings(stack);
  return stack;
}
