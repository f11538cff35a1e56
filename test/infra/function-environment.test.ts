// Every environment variable the template sets on a function is read by that function: each function's entry
// module is imported fresh with a recording process.env that holds exactly the template's variables. The
// functions read their settings at cold start (shared/env.ts loadSettings, the logger), so an unread variable
// is dead configuration: a setting an operator can change without effect.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { GatewayFunctionNames } from '../../infra/gateway-stack.js';
import { EnvNames } from '../../shared/env.js';
import { deployableSettings, resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

/** Read by the Node.js runtime itself before any code runs, never by the function's code. */
const READ_BY_THE_RUNTIME: Readonly<Record<string, string>> = { NODE_OPTIONS: '--enable-source-maps' };

/** Template values are strings or CloudFormation tokens (table names are Refs): give tokens a stand-in. */
function resolve(name: string, value: unknown): string {
  return typeof value === 'string' ? value : `stand-in-for-${name.toLowerCase()}`;
}

/** Imports `functions/<name>/index.ts` in a fresh module graph with `variables` as process.env; returns the names read. */
async function namesReadAtColdStart(name: string, variables: Record<string, string>): Promise<Set<string>> {
  const read = new Set<string>();
  const recording = new Proxy(
    { ...variables },
    {
      get(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.get(target, key);
      },
      has(target, key) {
        if (typeof key === 'string') read.add(key);
        return Reflect.has(target, key);
      },
    },
  );
  const original = process.env;
  vi.resetModules();
  process.env = recording;
  try {
    await import(`../../functions/${name}/index.ts`);
  } finally {
    process.env = original;
  }
  return read;
}

describe('function environments', () => {
  let synth: Synthesized;
  beforeAll(() => {
    // Every optional variable on: the customer KMS key adds SECRETS_KMS_KEY_ID to the admin function.
    const settings = deployableSettings('stage', (raw) => {
      raw.secretsKmsKeyArn = 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555';
    });
    synth = synthGateway('stage', { settings });
  }, 180_000);
  afterAll(() => synth?.cleanup());

  it('sets SECRETS_KMS_KEY_ID somewhere, so the check below covers it', () => {
    const all = Object.values(resourcesOfType(synth.template, 'AWS::Lambda::Function')).map((fn) =>
      JSON.stringify(fn.Properties?.Environment),
    );
    expect(all.some((text) => text.includes(EnvNames.SECRETS_KMS_KEY_ID))).toBe(true);
  });

  it.each(GatewayFunctionNames)(
    'the %s function reads every variable the template sets on it',
    async (name) => {
      // Arrange
      const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)];
      const environment = fn?.Properties?.Environment as { Variables: Record<string, unknown> };
      const templateVariables = environment.Variables;
      const variables = Object.fromEntries(
        Object.entries(templateVariables).map(([key, value]) => [key, resolve(key, value)]),
      );

      // Act
      const read = await namesReadAtColdStart(name, variables);

      // Assert
      const unread = Object.keys(variables).filter((key) => !read.has(key) && !(key in READ_BY_THE_RUNTIME));
      expect(unread, `${name}: set by the template but never read`).toEqual([]);
      // The authorizer starts without source maps (measured: they slow its cold import; docs/performance.md).
      for (const [key, value] of Object.entries(READ_BY_THE_RUNTIME)) {
        expect(variables[key]).toBe(name === 'authorizer' ? undefined : value);
      }
    },
    60_000,
  );
});
