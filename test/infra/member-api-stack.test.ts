// The member API on the synthesized stack: its routes behind the CIAM authorizer, its three functions with exactly
// the post-auth access (links read/write for link repair, idempotency records and write windows; no other table,
// SSM read only), their alarms on the environment topic (5xx answers from their EMF metric, p99 duration), and a
// timeout above the worst-case time budget of a member call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { MemberApiFunctionNames, memberApiServerErrorsQuery } from '../../infra/constructs/member-api-monitoring.js';
import { FunctionAccessMatrix } from '../../infra/function-access.js';
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

  it('gives each member function the post-auth access and nothing more', () => {
    for (const name of MemberApiFunctionNames) {
      expect(FunctionAccessMatrix[name]).toEqual({
        tables: { brands: 'read', links: 'readwrite', revocations: 'read' },
        secrets: 'read',
      });
      expect(resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)]).toBeDefined();
    }
  });

  it('alarms on member API 5xx answers, throttles and each function p99, all to the alarm topic', () => {
    const alarms = Object.values(resourcesOfType(synth.template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties ?? {},
    );
    const member = alarms.filter((alarm) => String(alarm.AlarmName).includes('-MemberApi'));
    expect(member).toHaveLength(2 + MemberApiFunctionNames.length);
    const errors = member.find((alarm) => String(alarm.AlarmName).endsWith('MemberApiServerErrors'));
    expect(JSON.stringify(errors?.Metrics)).toContain(JSON.stringify(memberApiServerErrorsQuery('prod')).slice(1, -1));
    expect(errors?.Threshold).toBe(deployableSettings('prod').alarms.memberApiServerErrors);
    const topic = deployableSettings('prod').alarms.topicArn;
    for (const alarm of member) expect(alarm.AlarmActions).toEqual([topic]);
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
