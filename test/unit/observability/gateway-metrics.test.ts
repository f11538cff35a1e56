// The production metrics factory and the Capillary fetch instrumentation's remaining outcomes.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createGatewayMetrics,
  InMemoryGatewayMetrics,
  instrumentCapillaryFetch,
} from '../../../shared/observability/metrics.js';

function emfLines(run: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    vi.restoreAllMocks();
  }
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('createGatewayMetrics', () => {
  it('puts the stage on every point when given, as a dimension next to the service', () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    const [withStage] = emfLines(() => createGatewayMetrics('me', 'prod').milliseconds('CapillaryLatency', {}, 12));
    const [withoutStage] = emfLines(() => createGatewayMetrics('me').count('AuthzDecision', { Outcome: 'allow' }));
    vi.unstubAllEnvs();
    expect(withStage).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          { Namespace: 'CiamGateway', Metrics: [{ Name: 'CapillaryLatency', Unit: 'Milliseconds' }] },
        ],
      },
      CapillaryLatency: 12,
      service: 'me',
      stage: 'prod',
    });
    expect(withoutStage).toMatchObject({ AuthzDecision: 1, service: 'me', Outcome: 'allow' });
    expect(withoutStage).not.toHaveProperty('stage');
  });
});

describe('instrumentCapillaryFetch outcomes', () => {
  it('counts a 4xx as a client error, with GET as the default method', async () => {
    const metrics = new InMemoryGatewayMetrics();
    const fetchFn = instrumentCapillaryFetch(async () => new Response('{}', { status: 404 }), metrics);
    await fetchFn('https://x.test/v2/customers/lookup?identifierName=cuid', {});
    expect(metrics.points.map((point) => [point.name, point.dimensions.Operation, point.dimensions.Outcome])).toEqual([
      ['CapillaryLatency', 'GET /v2/customers/lookup', 'client_error'],
      ['CapillaryError', 'GET /v2/customers/lookup', 'client_error'],
    ]);
  });

  it('counts a refused connection as a network error and rethrows it', async () => {
    const metrics = new InMemoryGatewayMetrics();
    const refused = new TypeError('fetch failed');
    const fetchFn = instrumentCapillaryFetch(
      async () => {
        throw refused;
      },
      metrics,
      { brandId: 'demo' },
    );
    await expect(fetchFn('https://x.test/v2/customers', { method: 'post' })).rejects.toBe(refused);
    expect(
      metrics.points.map((point) => [point.dimensions.Operation, point.dimensions.Outcome, point.metadata]),
    ).toEqual([
      ['POST /v2/customers', 'network_error', { brandId: 'demo' }],
      ['POST /v2/customers', 'network_error', { brandId: 'demo' }],
    ]);
  });
});
