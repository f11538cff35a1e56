// The dashboard and alarm queries read the functions' EMF metrics by name, namespace and dimension. A rename
// on either side would leave a flat, silent widget or an alarm that never fires, so this test has the real
// Powertools Metrics emit each metric and checks that every name the queries use is in the EMF it writes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  authzDecisionsQuery,
  capillaryErrorsQuery,
  capillaryLatencyQuery,
} from '../../infra/constructs/gateway-monitoring.js';
import { createGatewayMetrics, recordAuthzDecision, recordCapillaryCall } from '../../shared/observability/metrics.js';

interface Emf {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
  [key: string]: unknown;
}

/** Splits a Metrics Insights query of gateway-monitoring.ts into the names it depends on. */
function parseQuery(query: string) {
  const match = /^SELECT (SUM|AVG|MAX)\((\w+)\) FROM "([^"]+)" WHERE (\w+) = '([^']+)'(?: GROUP BY (.+))?$/.exec(query);
  if (!match) throw new Error(`unexpected query shape: ${query}`);
  const [, , metric, namespace, whereDimension, whereValue, groupBy] = match;
  return {
    metric,
    namespace,
    dimensions: [whereDimension, ...(groupBy ? groupBy.split(',').map((d) => d.trim()) : [])],
    whereDimension: whereDimension ?? '',
    whereValue,
  };
}

let lines: string[];
beforeEach(() => {
  lines = [];
  // Powertools writes each EMF document as one line to stdout.
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
});
afterEach(() => vi.restoreAllMocks());

function emitted(): Emf[] {
  return lines
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Emf);
}

/** Asserts that one EMF document carries the query's metric under its namespace, dimensions and stage. */
function expectQueryMatches(query: string, documents: Emf[]): void {
  const wanted = parseQuery(query);
  const document = documents.find((doc) =>
    doc._aws.CloudWatchMetrics.some((m) => m.Metrics.some((metric) => metric.Name === wanted.metric)),
  );
  expect(document, `no EMF line carries ${wanted.metric}`).toBeDefined();
  const directive = document?._aws.CloudWatchMetrics[0];
  expect(directive?.Namespace).toBe(wanted.namespace);
  for (const dimension of wanted.dimensions) {
    expect(directive?.Dimensions.flat(), `${wanted.metric} lacks dimension ${dimension}`).toContain(dimension);
  }
  expect(document?.[wanted.whereDimension]).toBe(wanted.whereValue);
}

describe('the monitoring queries and the metrics the code emits', () => {
  it('match for allow/deny decisions by reason', () => {
    const metrics = createGatewayMetrics('authorizer', 'prod');
    recordAuthzDecision(metrics, { outcome: 'deny', reason: 'TOKEN_EXPIRED', brandId: 'brand-one' });
    expectQueryMatches(authzDecisionsQuery('prod'), emitted());
  });

  it('match for Capillary latency and errors by operation and outcome', () => {
    const metrics = createGatewayMetrics('session', 'prod');
    recordCapillaryCall(metrics, { operation: 'GET /v2/customers/lookup', outcome: 'timeout', latencyMs: 2000 });
    const documents = emitted();
    expectQueryMatches(capillaryLatencyQuery('prod', 'MAX'), documents);
    expectQueryMatches(capillaryLatencyQuery('prod', 'AVG'), documents);
    expectQueryMatches(capillaryErrorsQuery('prod'), documents);
    const errors = documents.find((doc) => JSON.stringify(doc._aws).includes('CapillaryError'));
    expect(errors?.Operation).toBe('GET /v2/customers/lookup');
    expect(errors?.Outcome).toBe('timeout');
  });

  it('would notice a renamed dimension', () => {
    const metrics = createGatewayMetrics('authorizer', 'prod');
    recordAuthzDecision(metrics, { outcome: 'allow', reason: 'ALLOW' });
    expect(() => expectQueryMatches(authzDecisionsQuery('prod').replace('Reason', 'Cause'), emitted())).toThrow(
      /lacks dimension Cause/,
    );
  });
});
