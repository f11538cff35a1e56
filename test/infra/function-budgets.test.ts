// Each post-auth function's Lambda timeout must exceed its worst-case time budget, so the answers the code
// designs for slow peers (503 + Retry-After, 409 LINK_IN_PROGRESS) reach the client before Lambda kills the
// invocation. Synthesizes every environment and reads the timeouts from the template.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvironmentNames } from '../../infra/environment-settings.js';
import { functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { BudgetDefaults, PostAuthFunctions, worstCaseBudgetMs } from '../../shared/customer/time-budget.js';
import { FunctionNames } from '../../shared/routes.js';
import { resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

const synths = new Map<string, Synthesized>();
// Synthesized up front with the budget the other synth suites give it: the first synth of a process loads
// aws-cdk-lib, which took longer than a test's 30 s on a busy machine.
beforeAll(() => {
  for (const env of EnvironmentNames) synths.set(env, synthGateway(env));
}, 180_000);
afterAll(() => {
  for (const synth of synths.values()) synth.cleanup();
});

describe('post-auth function time budgets', () => {
  it('names every post-auth function the stack deploys', () => {
    for (const name of PostAuthFunctions) expect(FunctionNames).toContain(name);
  });

  it('counts every part of an invocation that is not cut to the deadline', () => {
    const budget = worstCaseBudgetMs('session');
    expect(budget).toBe(
      BudgetDefaults.claimsTimeoutMs +
        BudgetDefaults.dynamoAllowanceMs +
        BudgetDefaults.minAttemptMs +
        BudgetDefaults.reserveMs,
    );
    // A lease left by a dead invocation expires within a few seconds.
    expect(BudgetDefaults.leaseTtlMs).toBeLessThanOrEqual(5_000);
    // The check can fail: a 4-second function would not fit.
    expect(budget).toBeGreaterThan(4_000);
  });

  it.each(EnvironmentNames)('gives every post-auth function of %s a timeout above its worst-case budget', (env) => {
    const synth = synths.get(env);
    if (synth === undefined) throw new Error(`no synth of ${env}`);
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    for (const name of PostAuthFunctions) {
      const resource = functions[functionLogicalId(name)];
      const timeoutMs = Number(resource?.Properties?.Timeout) * 1000;
      expect(timeoutMs, `${env} ${name}`).toBeGreaterThan(worstCaseBudgetMs(name));
    }
  });
});
