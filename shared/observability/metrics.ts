// CloudWatch metrics in EMF (Powertools Metrics): a small port so shared code never depends on Powertools,
// helpers for the gateway's metric families, and a fetch wrapper that times Capillary calls.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { FetchFn } from '../http/fetch.js';
import { currentRequestId } from './request-context.js';

/** Every metric the gateway emits (namespace `CiamGateway`, dimension `service` added by Powertools). */
export const MetricNames = {
  AUTHZ_DECISION: 'AuthzDecision',
  SESSION_LINK: 'SessionLink',
  PROFILE_SYNC: 'ProfileSync',
  IDENTIFIER_CHANGE: 'IdentifierChange',
  INSTORE_REGISTRATION: 'InstoreRegistration',
  LOGOUT: 'Logout',
  BRAND_CHANGE: 'BrandChange',
  CAPILLARY_LATENCY: 'CapillaryLatency',
  CAPILLARY_ERROR: 'CapillaryError',
  AUDIT_REDACTION: 'AuditRedaction',
  /** Per logical Capillary call and brand: 1 when it failed for availability (or was refused fast), else 0. */
  CAPILLARY_FAILURE: 'CapillaryFailure',
  /** Per logical Capillary call and brand: 1 when the open circuit refused it, else 0. */
  CAPILLARY_CIRCUIT_OPEN: 'CapillaryCircuitOpen',
  /** A brand's circuit changed state (dimension State: the new state). */
  CAPILLARY_CIRCUIT_TRANSITION: 'CapillaryCircuitTransition',
  /** Per authorizer decision and brand: 1 when the token was refused (401), 0 when allowed. */
  AUTHZ_REFUSED: 'AuthzRefused',
  /** Member API: one count and one latency per request, by route, outcome and brand (docs/member-api.md). */
  MEMBER_API_REQUEST: 'MemberApiRequest',
  MEMBER_API_LATENCY: 'MemberApiLatency',
  MEMBER_WRITE: 'MemberWrite',
  MEMBER_REFUSAL: 'MemberRefusal',
} as const;
export type MetricName = (typeof MetricNames)[keyof typeof MetricNames];

export const METRICS_NAMESPACE = 'CiamGateway';

/** Dimensions must stay low-cardinality (codes, outcomes, operations): never a user, token or brand-free text. */
export type MetricDimensions = Record<string, string>;
/** Searchable but not a dimension (no extra CloudWatch metric per value), e.g. the brand id. */
export type MetricMetadata = Record<string, string>;

/** Port: where metrics go. */
export interface GatewayMetrics {
  count(name: MetricName, dimensions: MetricDimensions, metadata?: MetricMetadata, value?: number): void;
  milliseconds(name: MetricName, dimensions: MetricDimensions, value: number, metadata?: MetricMetadata): void;
}

/**
 * Powertools-backed metrics. Each data point is emitted at once as its own EMF line (singleMetric), so
 * points with different dimensions never mix and no handler has to remember to flush.
 */
export class PowertoolsGatewayMetrics implements GatewayMetrics {
  private readonly metrics: Metrics;

  constructor(metrics: Metrics) {
    this.metrics = metrics;
  }

  count(name: MetricName, dimensions: MetricDimensions, metadata: MetricMetadata = {}, value = 1): void {
    this.emit(name, MetricUnit.Count, value, dimensions, metadata);
  }

  milliseconds(name: MetricName, dimensions: MetricDimensions, value: number, metadata: MetricMetadata = {}): void {
    this.emit(name, MetricUnit.Milliseconds, value, dimensions, metadata);
  }

  private emit(
    name: MetricName,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
    dimensions: MetricDimensions,
    metadata: MetricMetadata,
  ) {
    const single = this.metrics.singleMetric();
    for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
    for (const [key, item] of Object.entries(metadata)) single.addMetadata(key, item);
    const requestId = currentRequestId();
    if (requestId !== undefined) single.addMetadata('requestId', requestId);
    single.addMetric(name, unit, value);
  }
}

export interface MetricPoint {
  name: MetricName;
  unit: 'Count' | 'Milliseconds';
  value: number;
  dimensions: MetricDimensions;
  metadata: MetricMetadata;
}

/** Collects points in memory, for tests. */
export class InMemoryGatewayMetrics implements GatewayMetrics {
  readonly points: MetricPoint[] = [];

  count(name: MetricName, dimensions: MetricDimensions, metadata: MetricMetadata = {}, value = 1): void {
    this.points.push({ name, unit: 'Count', value, dimensions, metadata });
  }

  milliseconds(name: MetricName, dimensions: MetricDimensions, value: number, metadata: MetricMetadata = {}): void {
    this.points.push({ name, unit: 'Milliseconds', value, dimensions, metadata });
  }
}

/** Discards every point (tools, tests that do not care). */
export const NoMetrics: GatewayMetrics = { count: () => undefined, milliseconds: () => undefined };

/** Authorizer allow/deny count by reason code (e.g. TOKEN_EXPIRED, SESSION_REVOKED, ALLOW). */
export function recordAuthzDecision(
  metrics: GatewayMetrics,
  decision: { outcome: 'allow' | 'deny'; reason: string; brandId?: string | undefined },
): void {
  recordOutcome(metrics, MetricNames.AUTHZ_DECISION, decision);
}

/** One count by outcome and reason, the brand as metadata (not a dimension). */
function recordOutcome(
  metrics: GatewayMetrics,
  name: MetricName,
  event: { outcome: string; reason: string; brandId?: string | undefined },
): void {
  metrics.count(
    name,
    { Outcome: event.outcome, Reason: event.reason },
    event.brandId ? { brandId: event.brandId } : {},
  );
}

/** Brand dimension value of decisions made before the token named a known brand (e.g. an unknown issuer). */
const UNIDENTIFIED_BRAND = '(unidentified)';

/**
 * One 0/1 point per authorizer decision, with the brand as a dimension: its average per brand is the share of the
 * brand's tokens refused (the refusal-rate alarm), its sum by brand and reason the dashboard's breakdown.
 */
export function recordAuthzRefusal(
  metrics: GatewayMetrics,
  decision: { refused: boolean; reason: string; brandId?: string | undefined },
): void {
  metrics.count(
    MetricNames.AUTHZ_REFUSED,
    { brandId: decision.brandId ?? UNIDENTIFIED_BRAND, Reason: decision.refused ? decision.reason : 'ALLOWED' },
    {},
    decision.refused ? 1 : 0,
  );
}

/**
 * The circuit breaker's view of one brand's Capillary calls: CapillaryFailure and CapillaryCircuitOpen as 0/1
 * points per call (averaged per brand they are rates), and a count per state change.
 */
export function recordCircuitCall(
  metrics: GatewayMetrics,
  brandId: string,
  outcome: 'success' | 'failure' | 'refused',
): void {
  metrics.count(MetricNames.CAPILLARY_FAILURE, { brandId }, {}, outcome === 'success' ? 0 : 1);
  metrics.count(MetricNames.CAPILLARY_CIRCUIT_OPEN, { brandId }, {}, outcome === 'refused' ? 1 : 0);
}

export function recordCircuitTransition(metrics: GatewayMetrics, brandId: string, to: string): void {
  metrics.count(MetricNames.CAPILLARY_CIRCUIT_TRANSITION, { brandId, State: to });
}

/** Session link outcome count (CREATED, LINKED, UPDATED, or a failure code). */
export function recordLinkOutcome(
  metrics: GatewayMetrics,
  link: { outcome: 'success' | 'failure'; reason: string; brandId?: string | undefined },
): void {
  recordOutcome(metrics, MetricNames.SESSION_LINK, link);
}

export type CapillaryCallOutcome = 'success' | 'client_error' | 'server_error' | 'timeout' | 'network_error';

/** One Capillary HTTP call: latency by operation and outcome, plus an error count when it failed. */
export function recordCapillaryCall(
  metrics: GatewayMetrics,
  call: { operation: string; outcome: CapillaryCallOutcome; latencyMs: number; status?: number; brandId?: string },
): void {
  const metadata: MetricMetadata = {};
  if (call.brandId) metadata.brandId = call.brandId;
  if (call.status !== undefined) metadata.status = String(call.status);
  metrics.milliseconds(
    MetricNames.CAPILLARY_LATENCY,
    { Operation: call.operation, Outcome: call.outcome },
    call.latencyMs,
    metadata,
  );
  if (call.outcome !== 'success') {
    metrics.count(MetricNames.CAPILLARY_ERROR, { Operation: call.operation, Outcome: call.outcome }, metadata);
  }
}

/** `GET /v2/customers/123/changeIdentifier?x` -> `GET /v2/customers/{id}/changeIdentifier` (bounded cardinality). */
export function operationName(method: string, url: string): string {
  let path = url;
  if (URL.canParse(url)) path = new URL(url).pathname;
  else path = url.split('?')[0] ?? '';
  const template = path
    .split('/')
    .map((segment) => (/\d/.test(segment) && !/^v\d+(\.\d+)?$/.test(segment) ? '{id}' : segment))
    .join('/');
  return `${method.toUpperCase()} ${template.slice(0, 100)}`;
}

/**
 * Wraps a fetch so every call is timed and counted as a Capillary call; pass the result as the Capillary
 * client's `fetch` option. Never changes the response or the error.
 */
export function instrumentCapillaryFetch(
  fetchFn: FetchFn,
  metrics: GatewayMetrics,
  options: { now?: () => number; brandId?: string } = {},
): FetchFn {
  const now = options.now ?? (() => performance.now());
  return async (input, init) => {
    const operation = operationName(init.method ?? 'GET', input);
    const started = now();
    const base = { operation, ...(options.brandId ? { brandId: options.brandId } : {}) };
    try {
      const response = await fetchFn(input, init);
      const outcome: CapillaryCallOutcome =
        response.status >= 500 ? 'server_error' : response.status >= 400 ? 'client_error' : 'success';
      recordCapillaryCall(metrics, { ...base, outcome, status: response.status, latencyMs: now() - started });
      return response;
    } catch (error) {
      const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
      recordCapillaryCall(metrics, {
        ...base,
        outcome: timedOut ? 'timeout' : 'network_error',
        latencyMs: now() - started,
      });
      throw error;
    }
  };
}

/** The production metrics of one function: namespace CiamGateway, dimensions service (+ stage). */
export function createGatewayMetrics(serviceName: string, stage?: string): GatewayMetrics {
  return new PowertoolsGatewayMetrics(
    new Metrics({ namespace: METRICS_NAMESPACE, serviceName, ...(stage ? { defaultDimensions: { stage } } : {}) }),
  );
}
