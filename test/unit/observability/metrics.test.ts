import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  InMemoryGatewayMetrics,
  instrumentCapillaryFetch,
  METRICS_NAMESPACE,
  operationName,
  PowertoolsGatewayMetrics,
  recordAuthzDecision,
  recordLinkOutcome,
} from '../../../shared/observability/metrics.js';

function captureStdout(): string[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('PowertoolsGatewayMetrics', () => {
  it('emits each point at once as its own EMF line with its dimensions and metadata', () => {
    // Arrange
    const lines = captureStdout();
    const metrics = new PowertoolsGatewayMetrics(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'authorizer' }),
    );
    // Act
    recordAuthzDecision(metrics, { outcome: 'deny', reason: 'TOKEN_EXPIRED', brandId: 'demo' });
    recordAuthzDecision(metrics, { outcome: 'allow', reason: 'ALLOW' });
    vi.restoreAllMocks();
    // Assert
    const emf = lines.map((line) => JSON.parse(line));
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'CiamGateway', Dimensions: [['service', 'Outcome', 'Reason']] }] },
      AuthzDecision: 1,
      Outcome: 'deny',
      Reason: 'TOKEN_EXPIRED',
      brandId: 'demo',
      service: 'authorizer',
    });
    expect(emf[1]).toMatchObject({ Outcome: 'allow', Reason: 'ALLOW' });
    expect(emf[1]).not.toHaveProperty('brandId');
  });
});

describe('recordLinkOutcome', () => {
  it('counts a link outcome by reason', () => {
    const metrics = new InMemoryGatewayMetrics();
    recordLinkOutcome(metrics, { outcome: 'success', reason: 'CREATED', brandId: 'demo' });
    expect(metrics.points).toEqual([
      {
        name: 'SessionLink',
        unit: 'Count',
        value: 1,
        dimensions: { Outcome: 'success', Reason: 'CREATED' },
        metadata: { brandId: 'demo' },
      },
    ]);
  });
});

describe('operationName', () => {
  it('replaces ids in the path so the dimension stays low-cardinality', () => {
    expect(operationName('get', 'https://eu.api.capillarytech.com/v2/customers/12345?source=X')).toBe(
      'GET /v2/customers/{id}',
    );
    expect(operationName('POST', 'https://x.test/v2/customers/987/changeIdentifier')).toBe(
      'POST /v2/customers/{id}/changeIdentifier',
    );
    expect(operationName('GET', '/v1.1/customer/get')).toBe('GET /v1.1/customer/get');
  });
});

describe('instrumentCapillaryFetch', () => {
  it('times a successful call and counts no error', async () => {
    let clock = 100;
    const metrics = new InMemoryGatewayMetrics();
    const fetchFn = instrumentCapillaryFetch(
      async () => {
        clock += 42;
        return new Response('{}', { status: 200 });
      },
      metrics,
      { now: () => clock, brandId: 'demo' },
    );
    const response = await fetchFn('https://x.test/v2/customers/lookup?identifierName=cuid', { method: 'GET' });
    expect(response.status).toBe(200);
    expect(metrics.points).toEqual([
      {
        name: 'CapillaryLatency',
        unit: 'Milliseconds',
        value: 42,
        dimensions: { Operation: 'GET /v2/customers/lookup', Outcome: 'success' },
        metadata: { brandId: 'demo', status: '200' },
      },
    ]);
  });

  it('counts a 5xx as a server error and passes the response on unchanged', async () => {
    const metrics = new InMemoryGatewayMetrics();
    const fetchFn = instrumentCapillaryFetch(async () => new Response('busy', { status: 503 }), metrics, {
      now: () => 0,
    });
    const response = await fetchFn('https://x.test/v2/customers', { method: 'POST' });
    expect(await response.text()).toBe('busy');
    expect(metrics.points.map((point) => [point.name, point.dimensions.Outcome])).toEqual([
      ['CapillaryLatency', 'server_error'],
      ['CapillaryError', 'server_error'],
    ]);
  });

  it('counts a timeout and rethrows the same error', async () => {
    const metrics = new InMemoryGatewayMetrics();
    const timeout = new DOMException('The operation timed out', 'TimeoutError');
    const fetchFn = instrumentCapillaryFetch(
      async () => {
        throw timeout;
      },
      metrics,
      { now: () => 0 },
    );
    await expect(fetchFn('https://x.test/v2/customers', { method: 'POST' })).rejects.toBe(timeout);
    expect(metrics.points.map((point) => point.dimensions.Outcome)).toEqual(['timeout', 'timeout']);
  });
});
