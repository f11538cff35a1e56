// The per-brand circuit breaker and the per-attempt timeouts against the Capillary simulator's outage (503 on
// every call) and latency modes: the circuit opens after enough failed or slow calls, refuses the brand's calls
// without reaching Capillary, lets one probe through after its open time, and reports every step in metrics.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { attemptTimeoutsFor } from '../../shared/capillary/attempt-timeouts.js';
import { createCapillaryClient } from '../../shared/capillary/capillary-client.js';
import { CapillaryUnavailableError } from '../../shared/capillary/capillary-errors.js';
import {
  CapillaryCircuitOpenError,
  type CircuitBreakerPolicy,
  CircuitBreakers,
} from '../../shared/capillary/circuit-breaker.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';
import {
  InMemoryGatewayMetrics,
  MetricNames,
  recordCircuitCall,
  recordCircuitTransition,
} from '../../shared/observability/metrics.js';

const LOOKUP = { source: 'INSTORE', identifierName: 'mobile', identifierValue: '447700900111' } as const;
const POLICY: Partial<CircuitBreakerPolicy> = {
  windowSize: 10,
  minCalls: 3,
  failureRateThreshold: 0.5,
  slowCallMs: 150,
  openMs: 10_000,
};

describe('the Capillary circuit breaker against the simulator', () => {
  let sim: CapillarySimulator;
  let offsetMs: number;
  let metrics: InMemoryGatewayMetrics;
  let breakers: CircuitBreakers;
  const secrets = new InMemorySecretSource({ '/cap': JSON.stringify({ key: 'k', secret: 's' }) });

  const client = (brandId: string, timeoutMs = 2_000) =>
    createCapillaryClient(
      {
        brandId,
        capillary: { baseUrl: sim.baseUrl, authMode: 'oauth', credentialsParameter: '/cap', timeoutMs, rateLimits: {} },
      },
      { secrets, breakers, sleep: async () => undefined, retry: { maxAttempts: 2 } },
    );
  const points = (name: string, brandId: string) =>
    metrics.points.filter((p) => p.name === name && p.dimensions.brandId === brandId);

  beforeAll(async () => {
    sim = await startCapillarySimulator({ clients: [{ key: 'k', secret: 's' }] });
  });
  beforeEach(() => {
    sim.reset();
    sim.configure({ latencyMs: 0 });
    offsetMs = 0;
    metrics = new InMemoryGatewayMetrics();
    breakers = new CircuitBreakers({
      policy: POLICY,
      now: () => performance.now() + offsetMs,
      listener: {
        onCall: (brandId, outcome) => recordCircuitCall(metrics, brandId, outcome),
        onTransition: (brandId, _from, to) => recordCircuitTransition(metrics, brandId, to),
      },
    });
  });
  afterAll(() => sim.close());

  it('opens on an outage, then refuses the brand without calling Capillary, with a retry hint', async () => {
    // Arrange
    sim.injectFault({ kind: 'status', status: 503, match: '/v2/', rate: 1 });
    const api = client('brand-a');

    // Act: three failed calls (each retried once) open the circuit.
    for (let i = 0; i < 3; i++) await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryUnavailableError);
    const callsWhenOpened = sim.callCount('/v2/');
    const refused = await api.lookupCustomerId(LOOKUP).catch((error: unknown) => error);

    // Assert
    expect(callsWhenOpened).toBe(6);
    expect(refused).toBeInstanceOf(CapillaryCircuitOpenError);
    expect(refused).toMatchObject({ status: 503, code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 10 });
    expect(sim.callCount('/v2/')).toBe(callsWhenOpened);
    expect(breakers.forBrand('brand-a').state).toBe('open');
    // Visible in metrics: the failure rate, the refused call and the transition.
    expect(points(MetricNames.CAPILLARY_FAILURE, 'brand-a').map((p) => p.value)).toEqual([1, 1, 1, 1]);
    expect(points(MetricNames.CAPILLARY_CIRCUIT_OPEN, 'brand-a').map((p) => p.value)).toEqual([0, 0, 0, 1]);
    expect(points(MetricNames.CAPILLARY_CIRCUIT_TRANSITION, 'brand-a').map((p) => p.dimensions.State)).toEqual([
      'open',
    ]);
  });

  it('keeps another brand closed while one brand is open', async () => {
    sim.injectFault({ kind: 'status', status: 503, match: '/v2/', rate: 1 });
    for (let i = 0; i < 3; i++)
      await client('brand-a')
        .lookupCustomerId(LOOKUP)
        .catch(() => undefined);
    sim.clearFaults();

    await expect(client('brand-b').lookupCustomerId(LOOKUP)).resolves.toBeUndefined();
    // A new client of the same brand (a re-saved brand) shares the open breaker.
    await expect(client('brand-a').lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryCircuitOpenError);
    expect(breakers.forBrand('brand-b').state).toBe('closed');
  });

  it('lets one probe through after the open time: success closes, failure opens again', async () => {
    // Arrange: open the circuit.
    sim.injectFault({ kind: 'status', status: 503, match: '/v2/', rate: 1 });
    const api = client('brand-a');
    for (let i = 0; i < 3; i++) await api.lookupCustomerId(LOOKUP).catch(() => undefined);

    // Act 1: after the open time, the probe meets the outage and opens the circuit again.
    offsetMs += 10_000;
    const beforeProbe = sim.callCount('/v2/');
    await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryUnavailableError);
    expect(sim.callCount('/v2/')).toBe(beforeProbe + 2);
    await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryCircuitOpenError);

    // Act 2: Capillary is back; while the probe is in flight other calls are refused, then the circuit closes.
    sim.clearFaults();
    sim.configure({ latencyMs: 50 });
    offsetMs += 10_000;
    const probe = api.lookupCustomerId(LOOKUP);
    await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryCircuitOpenError);
    await expect(probe).resolves.toBeUndefined();
    await expect(api.lookupCustomerId(LOOKUP)).resolves.toBeUndefined();

    // Assert
    expect(breakers.forBrand('brand-a').state).toBe('closed');
    expect(points(MetricNames.CAPILLARY_CIRCUIT_TRANSITION, 'brand-a').map((p) => p.dimensions.State)).toEqual([
      'open',
      'half_open',
      'open',
      'half_open',
      'closed',
    ]);
  });

  it('opens on a slow Capillary whose answers still arrive (latency mode)', async () => {
    // Arrange: every answer takes longer than the slow-call limit but within the attempt timeout.
    sim.configure({ latencyMs: 200 });
    const api = client('brand-slow');

    // Act
    for (let i = 0; i < 3; i++) await expect(api.lookupCustomerId(LOOKUP)).resolves.toBeUndefined();
    const calls = sim.callCount('/v2/');

    // Assert: the next call is refused at once instead of holding the execution.
    await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(CapillaryCircuitOpenError);
    expect(sim.callCount('/v2/')).toBe(calls);
    expect(points(MetricNames.CAPILLARY_FAILURE, 'brand-slow').map((p) => p.value)).toEqual([1, 1, 1, 1]);
  });

  it('leaves the circuit closed on business answers (not found is Capillary working)', async () => {
    const api = client('brand-ok');
    for (let i = 0; i < 5; i++) await expect(api.lookupCustomerId(LOOKUP)).resolves.toBeUndefined();
    expect(breakers.forBrand('brand-ok').state).toBe('closed');
    expect(points(MetricNames.CAPILLARY_FAILURE, 'brand-ok').every((p) => p.value === 0)).toBe(true);
  });
});

describe('per-attempt timeouts', () => {
  let sim: CapillarySimulator;
  beforeAll(async () => {
    sim = await startCapillarySimulator({ clients: [{ key: 'k', secret: 's' }] });
  });
  afterAll(() => sim.close());

  it('give reads a shorter attempt than writes, derived from the brand timeout', () => {
    expect(attemptTimeoutsFor(5_000)).toEqual({ readMs: 2_000, writeMs: 5_000 });
    expect(attemptTimeoutsFor(2_000)).toEqual({ readMs: 1_000, writeMs: 2_000 });
    expect(attemptTimeoutsFor(300)).toEqual({ readMs: 300, writeMs: 300 });
  });

  it('time a slow read out while a write that slow completes', async () => {
    // Arrange: every customer call answers after 1.3 s; reads get 1 s (40 % of 2.5 s, at least 1 s), writes 2.5 s.
    sim.injectFault({ kind: 'latency', ms: 1_300, match: '/v2/customers', rate: 1 });
    const api = createCapillaryClient(
      {
        brandId: 'brand-t',
        capillary: {
          baseUrl: sim.baseUrl,
          authMode: 'oauth',
          credentialsParameter: '/cap',
          timeoutMs: 2_500,
          rateLimits: {},
        },
      },
      {
        secrets: new InMemorySecretSource({ '/cap': JSON.stringify({ key: 'k', secret: 's' }) }),
        sleep: async () => undefined,
        retry: { maxAttempts: 1 },
      },
    );

    // Act / Assert
    const written = await api.addCustomer({
      profiles: [{ source: 'INSTORE', firstName: 'Tim', identifiers: [{ type: 'mobile', value: '447700900112' }] }],
    });
    expect(written.customerId).toBeGreaterThan(0);
    await expect(api.lookupCustomerId(LOOKUP)).rejects.toThrow(/timeout/);
  });
});
