// Every line a function writes for a request (its logger's, the audit trail's, the EMF metric lines) carries
// API Gateway's request id under the access log's own field name, so one search follows a request from the
// access log into every function; and no line of the next invocation keeps the previous id.
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHandler as createAuthorizerHandler } from '../../../functions/authorizer/handler.js';
import { createAuditLogger, StructuredAuditLog } from '../../../shared/audit/structured-audit-log.js';
import type { BrandDirectory } from '../../../shared/config/brand-directory.js';
import { createAuthenticatedApiHandler } from '../../../shared/http/api-handler.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import { createLogger } from '../../../shared/observability/logger.js';
import { createGatewayMetrics, MetricNames } from '../../../shared/observability/metrics.js';
import { currentRequestId, REQUEST_ID_KEY } from '../../../shared/observability/request-context.js';
import type { RevocationChecker } from '../../../shared/revocation/revocation-checker.js';
import { ACCESS_LOG_FIELDS } from '../../../infra/constructs/gateway-api.js';
import { authorizedEvent, lambdaContext, sampleAuth } from '../../support/events.js';

function captureLines(): () => Record<string, unknown>[] {
  const written: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  return () =>
    written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => vi.restoreAllMocks());

describe('the API Gateway request id in function logs', () => {
  it('uses the access log field name', () => {
    expect(ACCESS_LOG_FIELDS[REQUEST_ID_KEY]).toBe('$context.requestId');
  });

  it('is on every logger, audit and EMF line of an API function, and only for its own invocation', async () => {
    // Arrange
    const lines = captureLines();
    const logger = createLogger('request-id-test', 'INFO');
    const metrics = createGatewayMetrics('request-id-test', 'test');
    const audit = new StructuredAuditLog({ logger: createAuditLogger('request-id-test'), metrics });
    const handler = createAuthenticatedApiHandler({ logger }, async () => {
      logger.info('use-case line');
      await new Promise((resolve) => setTimeout(resolve, 1));
      audit.record({ type: 'logout', outcome: 'success', reason: 'LOGGED_OUT', brandId: 'demo' });
      metrics.count(MetricNames.LOGOUT, { Outcome: 'success' });
      return jsonResponse(200, { seen: currentRequestId() });
    });
    const event = (requestId: string) => {
      const base = authorizedEvent(sampleAuth());
      return { ...base, requestContext: { ...base.requestContext, requestId } };
    };

    // Act
    const first = await handler(event('apigw-req-1'), lambdaContext);
    const afterFirst = lines().length;
    await handler(event('apigw-req-2'), lambdaContext);
    logger.info('between invocations');

    // Assert
    expect(JSON.parse(first.body)).toEqual({ seen: 'apigw-req-1' });
    const all = lines();
    const firstLines = all.slice(0, afterFirst);
    expect(firstLines.length).toBeGreaterThanOrEqual(3);
    expect(firstLines.some((line) => line.audit === true)).toBe(true);
    expect(firstLines.some((line) => '_aws' in line)).toBe(true);
    for (const line of firstLines) expect(line[REQUEST_ID_KEY], JSON.stringify(line)).toBe('apigw-req-1');
    const secondLines = all.slice(afterFirst, -1);
    for (const line of secondLines) expect(line[REQUEST_ID_KEY], JSON.stringify(line)).toBe('apigw-req-2');
    expect(all.at(-1)?.[REQUEST_ID_KEY]).toBeUndefined();
  });

  it("is on the authorizer's decision and audit lines", async () => {
    const lines = captureLines();
    const handler = createAuthorizerHandler({
      brandDirectory: {} as BrandDirectory,
      revocationChecker: {} as RevocationChecker,
      auditLog: new StructuredAuditLog({ logger: createAuditLogger('authorizer-test') }),
      logger: new Logger({ serviceName: 'authorizer-test', logLevel: 'INFO' }),
      now: Date.now,
    });
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/me',
      headers: {},
      requestContext: { requestId: 'apigw-auth-1' },
    };
    await expect(handler(event as never, lambdaContext)).rejects.toThrow('Unauthorized');
    const written = lines();
    expect(written.length).toBeGreaterThanOrEqual(2);
    for (const line of written) expect(line[REQUEST_ID_KEY]).toBe('apigw-auth-1');
  });
});

describe('the authorizer refusal point', () => {
  it('is 1 for a refused token, with the brand (or unidentified) and reason as dimensions', async () => {
    const { InMemoryGatewayMetrics } = await import('../../../shared/observability/metrics.js');
    const metrics = new InMemoryGatewayMetrics();
    captureLines();
    const handler = createAuthorizerHandler({
      brandDirectory: {} as BrandDirectory,
      revocationChecker: {} as RevocationChecker,
      auditLog: { record: () => undefined },
      logger: new Logger({ serviceName: 'authorizer-test', logLevel: 'INFO' }),
      now: Date.now,
      metrics,
    });
    const event = {
      type: 'REQUEST',
      methodArn: 'arn:aws:execute-api:eu-west-1:123456789012:api/prod/GET/v1/me',
      headers: {},
    };
    await expect(handler(event as never, lambdaContext)).rejects.toThrow('Unauthorized');
    expect(metrics.points).toEqual([
      expect.objectContaining({
        name: MetricNames.AUTHZ_REFUSED,
        value: 1,
        dimensions: { brandId: '(unidentified)', Reason: 'AUTHORIZATION_MISSING' },
      }),
    ]);
  });
});
