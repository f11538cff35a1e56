// X-Ray tracing of the gateway's calls to its peers: the AWS SDK clients (DynamoDB, SSM) through Powertools
// Tracer's captureAWSv3Client, and one subsegment per outbound HTTP call named by its peer (`capillary`, `jwks`,
// `userinfo`, `discovery`, `ciam-revocation`), annotated with the brand (where the caller knows it), the peer's
// host, the HTTP status and the outcome. Never a URL, header, token or body: a Capillary lookup URL carries the
// member's mobile or email, which is why Powertools' own HTTP capture (it records every URL) stays off
// (captureHTTPsRequests: false). The calls go through node:http(s) with connect-time address checks
// (shared/adapters/guarded-http.ts), which that capture would not see anyway.
// Tracing off (POWERTOOLS_TRACE_ENABLED unset or not `true`, as in tests and the local stack), the Tracer is
// never imported: it is about 127 KB of bundle whose import costs about 50 ms of cold start.
import type { GetDocument } from '../http/document-get.js';
import type { FetchFn } from '../http/fetch.js';

/** The peers an outbound HTTP call is traced under (the subsegment's name). */
export type TracedPeer = 'capillary' | 'jwks' | 'userinfo' | 'discovery' | 'ciam-revocation';

/** The subsegment surface the adapter uses (aws-xray-sdk-core's Subsegment fits; tests pass a recorder). */
export interface TraceSubsegment {
  addAnnotation(key: string, value: string | number | boolean): void;
  addAttribute(name: string, value: unknown): void;
  addErrorFlag(): void;
  addFaultFlag(): void;
  addThrottleFlag(): void;
  close(): void;
}

/** What the adapter needs of Powertools' Tracer. */
export interface TracerPort {
  /** The active segment (Lambda's facade segment), undefined outside an invocation. */
  getSegment(): { addNewSubsegment(name: string): TraceSubsegment } | undefined;
  captureAWSv3Client<T>(client: T): T;
}

/** Annotations of a traced call beside the outcome: the brand, when the caller knows it. */
interface TraceAnnotations {
  brandId?: string;
}

export interface Tracing {
  readonly enabled: boolean;
  /** The same AWS SDK v3 client, its calls recorded as subsegments (DynamoDB, SSM ...). */
  captureAwsClient<T>(client: T): T;
  /** A fetch whose every call is a subsegment named `peer` (or `peer(url)`). */
  traceFetch(
    fetchFn: FetchFn,
    peer: TracedPeer | ((url: string) => TracedPeer),
    annotations?: TraceAnnotations,
  ): FetchFn;
  /** A document GET (the JWKS transport) whose every call is a subsegment named `peer`. */
  traceGet(get: GetDocument, peer: TracedPeer): GetDocument;
}

/** Tracing off: every wrapper hands back what it was given. */
export const NoTracing: Tracing = {
  enabled: false,
  captureAwsClient: (client) => client,
  traceFetch: (fetchFn) => fetchFn,
  traceGet: (get) => get,
};

/** `ok`, `client_error` (4xx, a 429 is `throttled`), `server_error` (5xx), `timeout` or `network_error`. */
function outcomeOfStatus(status: number): string {
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

function outcomeOfError(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  return name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network_error';
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : '';
}

/** Tracing through `tracer` (Powertools' Tracer in the functions; a recorder in tests). */
export function tracingWith(tracer: TracerPort): Tracing {
  /** Runs one call in a subsegment of the active segment; without one (outside an invocation) just runs it. */
  async function traced<T>(
    peer: TracedPeer,
    url: string,
    annotations: TraceAnnotations,
    call: () => Promise<T>,
    statusOf: (value: T) => number,
  ): Promise<T> {
    const subsegment = tracer.getSegment()?.addNewSubsegment(peer);
    if (!subsegment) return call();
    // A leaf: never made the active segment (concurrent calls would take each other's), only closed.
    subsegment.addAttribute('namespace', 'remote');
    if (annotations.brandId) subsegment.addAnnotation('brand', annotations.brandId);
    subsegment.addAnnotation('peer_host', hostOf(url));
    try {
      const value = await call();
      const status = statusOf(value);
      subsegment.addAnnotation('http_status', status);
      subsegment.addAnnotation('outcome', outcomeOfStatus(status));
      if (status === 429) subsegment.addThrottleFlag();
      if (status >= 500) subsegment.addFaultFlag();
      else if (status >= 400) subsegment.addErrorFlag();
      return value;
    } catch (error) {
      // The error itself is not recorded: its message may carry a URL.
      subsegment.addAnnotation('outcome', outcomeOfError(error));
      subsegment.addFaultFlag();
      throw error;
    } finally {
      subsegment.close();
    }
  }
  return {
    enabled: true,
    captureAwsClient: (client) => tracer.captureAWSv3Client(client),
    traceFetch: (fetchFn, peer, annotations = {}) => {
      return (input, init) =>
        traced(
          typeof peer === 'function' ? peer(input) : peer,
          input,
          annotations,
          () => fetchFn(input, init),
          (response) => response.status,
        );
    },
    traceGet: (get, peer) => (url, options) =>
      traced(
        peer,
        url,
        {},
        () => get(url, options),
        (answer) => answer.status,
      ),
  };
}

/** The peer of a call to a CIAM's own endpoints from the logout path: its discovery document or RFC 7009 revocation. */
export function ciamPeerOf(url: string): TracedPeer {
  return url.split('?')[0]?.endsWith('/.well-known/openid-configuration') ? 'discovery' : 'ciam-revocation';
}

/**
 * The tracing of one function: Powertools' Tracer (imported here, only when `enabled`) without its HTTP capture
 * (it would record URLs), or NoTracing. The gateway never wraps a handler in the Tracer's middleware, so no
 * response or error is ever added as metadata.
 */
export async function loadTracing(enabled: boolean | undefined, serviceName: string): Promise<Tracing> {
  if (!enabled) return NoTracing;
  const { Tracer } = await import('@aws-lambda-powertools/tracer');
  const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
  return tracingWith(tracer as unknown as TracerPort);
}
