// The authorizer stage alone: the result cache per identity (with a moved clock), and how each outcome
// of the authorizer becomes an answer (401, 503 + Retry-After, 500), none of them cached.
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { type AuthorizerStageOptions, authorizerStage } from '../../../../local/api-gateway/authorizer.js';
import type { EmulatorCounters, GatewayAnswer } from '../../../../local/api-gateway/types.js';

const EVENT = { type: 'REQUEST', methodArn: 'arn' } as APIGatewayRequestAuthorizerEvent;
const ALLOW = {
  principalId: 'demo|alice',
  policyDocument: { Statement: { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' } },
  context: { brandId: 'demo' },
};

function setup(answer: () => Promise<unknown>, overrides: Partial<AuthorizerStageOptions> = {}) {
  const counters: EmulatorCounters = { authorizerInvocations: 0, authorizerCacheHits: 0, integrationInvocations: {} };
  const errors: string[] = [];
  const clock = { ms: 1_000 };
  let loads = 0;
  const stage = authorizerStage({
    loadAuthorizer: async () => {
      loads++;
      return answer;
    },
    ttlMs: 60_000,
    timeoutMs: 5_000,
    now: () => clock.ms,
    counters,
    onError: (where, error) => errors.push(`${where}: ${error instanceof Error ? error.message : String(error)}`),
    ...overrides,
  });
  return { stage, counters, errors, clock, loads: () => loads };
}

const statusOf = (decision: unknown) => (decision as GatewayAnswer).status;

describe('authorizerStage', () => {
  it('caches an Allow per identity until the TTL passes, loading the handler once', async () => {
    const { stage, counters, clock, loads } = setup(async () => ALLOW);
    expect(await stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({
      cache: 'miss',
      result: { principalId: 'demo|alice' },
    });
    expect(await stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({ cache: 'hit' });
    expect(await stage.authorize(EVENT, 'Bearer b', 'r')).toMatchObject({ cache: 'miss' });
    clock.ms += 60_000;
    expect(await stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({ cache: 'miss' });
    expect(counters).toMatchObject({ authorizerInvocations: 3, authorizerCacheHits: 1 });
    expect(loads()).toBe(1);
  });

  it('loads the handler again after a failed load instead of answering 503 until a restart', async () => {
    let attempts = 0;
    const { stage } = setup(async () => ALLOW, {
      loadAuthorizer: async () => {
        attempts++;
        if (attempts === 1) throw new Error('import failed');
        return async () => ALLOW;
      },
    });
    expect(statusOf(await stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(503);
    expect(await stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({ result: { principalId: 'demo|alice' } });
    expect(attempts).toBe(2);
  });

  it('asks every time with a TTL of 0, and after a flush', async () => {
    const zero = setup(async () => ALLOW, { ttlMs: 0 });
    await zero.stage.authorize(EVENT, 'Bearer a', 'r');
    expect(await zero.stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({ cache: 'miss' });
    const flushed = setup(async () => ALLOW);
    await flushed.stage.authorize(EVENT, 'Bearer a', 'r');
    flushed.stage.flush();
    expect(await flushed.stage.authorize(EVENT, 'Bearer a', 'r')).toMatchObject({ cache: 'miss' });
  });

  it('answers exactly Unauthorized 401 without reporting it, and never caches it', async () => {
    const { stage, counters, errors } = setup(async () => {
      throw new Error('Unauthorized');
    });
    expect(statusOf(await stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(401);
    expect(statusOf(await stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(401);
    expect(counters.authorizerInvocations).toBe(2);
    expect(errors).toEqual([]);
  });

  it('answers any other failure, a timeout included, 503 with Retry-After and reports it', async () => {
    const thrown = setup(async () => {
      throw new Error('jwks down');
    });
    const answer = (await thrown.stage.authorize(EVENT, 'Bearer a', 'r')) as GatewayAnswer;
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();
    expect(thrown.errors).toEqual(['authorizer: jwks down']);
    const slow = setup(() => new Promise(() => undefined), { timeoutMs: 5 });
    expect(statusOf(await slow.stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(503);
    expect(slow.errors).toEqual(['authorizer: authorizer timed out']);
  });

  it('answers a malformed result 500 and does not cache it', async () => {
    const { stage, counters, errors } = setup(async () => ({ principalId: 'x' }));
    expect(statusOf(await stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(500);
    expect(statusOf(await stage.authorize(EVENT, 'Bearer a', 'r'))).toBe(500);
    expect(counters.authorizerInvocations).toBe(2);
    expect(errors).toEqual(['authorizer: malformed authorizer result', 'authorizer: malformed authorizer result']);
  });
});
