// The member API on the synthesized stack: its routes behind the CIAM authorizer, its three functions in their own
// concurrency budget with the links access the member code calls (link repair, idempotency records and write
// windows; SSM read only), the alarms every function and route gets (issue 25: error and throttle rates, concurrency
// near the budget, p99 per route) on the environment topic, released through their alias, and a timeout above the
// worst-case time budget of a member call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { pascalCase } from '../../infra/constructs/gateway-function.js';
import { FunctionAccessMatrix, MemberApiFunctionNames, reservedConcurrencyOf } from '../../infra/function-access.js';
import { BudgetDefaults, worstCaseBudgetMs } from '../../shared/customer/time-budget.js';
import { Routes } from '../../shared/routes.js';
import { deployableSettings, resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

describe('member API on the stack', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthGateway('prod', { settings: deployableSettings('prod') });
  }, 180_000);
  afterAll(() => synth?.cleanup());

  it('serves every member route with the CIAM authorizer, on the member functions', () => {
    const memberRoutes = Routes.filter((route) =>
      (MemberApiFunctionNames as readonly string[]).includes(route.functionName),
    );
    expect(memberRoutes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(
      [
        'GET /v1/me/loyalty',
        'GET /v1/me/points/history',
        'GET /v1/me/transactions',
        'GET /v1/me/coupons',
        'GET /v1/me/rewards',
        'GET /v1/me/rewards/issued',
        'POST /v1/me/rewards/{rewardId}/issue',
        'GET /v1/me/neo/{name}',
        'POST /v1/me/neo/{name}',
        'PUT /v1/me/neo/{name}',
      ].sort(),
    );
    const methods = Object.values(resourcesOfType(synth.template, 'AWS::ApiGateway::Method'));
    for (const route of memberRoutes) {
      const method = methods.find(
        (m) =>
          m.Properties?.HttpMethod === route.method && String(m.Properties?.OperationName).endsWith(` ${route.path}`),
      );
      expect(method?.Properties?.AuthorizationType, route.path).toBe('CUSTOM');
    }
  });

  it('gives the member functions a concurrency budget of their own and the links access their code calls', () => {
    expect([...MemberApiFunctionNames].sort()).toEqual(['member', 'neo', 'reward-issue']);
    const settings = deployableSettings('prod');
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    for (const name of MemberApiFunctionNames) {
      const access = FunctionAccessMatrix[name];
      expect(access.group, name).toBe('member');
      expect(Object.keys(access.tables).sort(), name).toEqual(['brands', 'links', 'revocations']);
      expect(access.secrets, name).toBe('read');
      expect(reservedConcurrencyOf(settings, name), name).toBe(settings.concurrencyBudgets.member);
      expect(functions[functionLogicalId(name)]?.Properties?.ReservedConcurrentExecutions, name).toBe(
        settings.concurrencyBudgets.member,
      );
    }
  });

  it('alarms on each member function and route like every other, all to the alarm topic', () => {
    const settings = deployableSettings('prod');
    const alarms = Object.values(resourcesOfType(synth.template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties ?? {},
    );
    const named = (name: string) => alarms.find((alarm) => alarm.AlarmName === `ciam-gateway-prod-${name}`);
    for (const name of MemberApiFunctionNames) {
      for (const kind of ['FunctionErrorRate', 'FunctionThrottleRate', 'ConcurrencyNearBudget']) {
        const alarm = named(`${kind}${pascalCase(name)}`);
        expect(alarm, `${kind} ${name}`).toBeDefined();
        expect(alarm?.AlarmActions, `${kind} ${name}`).toEqual([settings.alarms.topicArn]);
      }
    }
    const memberRoutes = Routes.filter((route) =>
      (MemberApiFunctionNames as readonly string[]).includes(route.functionName),
    );
    for (const route of memberRoutes) {
      const p99 = alarms.find((a) => {
        const dimensions = JSON.stringify(a.Dimensions ?? []);
        return dimensions.includes(`"${route.path}"`) && dimensions.includes(`"${route.method}"`);
      });
      expect(p99, `${route.method} ${route.path}`).toMatchObject({ ExtendedStatistic: 'p99' });
    }
  });

  it('gives each member function a timeout above the worst case of one member call', () => {
    const functions = resourcesOfType(synth.template, 'AWS::Lambda::Function');
    for (const name of MemberApiFunctionNames) {
      const timeoutMs = Number(functions[functionLogicalId(name)]?.Properties?.Timeout) * 1000;
      // The merge-following path reads the CIAM's userinfo like a session; the rest is cut to the deadline.
      expect(timeoutMs, name).toBeGreaterThan(worstCaseBudgetMs('session', BudgetDefaults));
    }
  });
});
