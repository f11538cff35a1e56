// Synthesizes the gateway stack in-process for the infra tests, into a folder under .test-out/ that the caller
// removes. Unit synths skip esbuild (`aws:cdk:bundling-stacks: []`); the bundling test asks for real bundles.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { EnvironmentName, EnvironmentSettings } from '../../../infra/environment-settings.js';
import { buildGatewayApp } from '../../../infra/gateway-app.js';
import {
  functionEntryPath,
  GatewayFunctionNames,
  type GatewayStack,
  repositoryRoot,
} from '../../../infra/gateway-stack.js';
import type { GatewayFunctionName } from '../../../infra/function-access.js';

export const testOutRoot = join(repositoryRoot, '.test-out');

/** Functions whose functions/<name>/index.ts does not exist (yet). */
export function missingEntries(): GatewayFunctionName[] {
  return GatewayFunctionNames.filter((name) => !existsSync(join(repositoryRoot, functionEntryPath(name))));
}

export interface SynthOptions {
  settings?: EnvironmentSettings;
  /** Run esbuild for real (default false). */
  bundle?: boolean;
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
        'aws:cdk:enable-asset-metadata': true,
        ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }),
      },
    });
    const stack = buildGatewayApp(app, {
      env,
      ...(options.settings ? { settings: options.settings } : {}),
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
