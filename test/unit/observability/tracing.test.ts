// The tracing adapter's subsegments: one per call, named by peer, with the outcome, status and flags X-Ray
// colours by (error 4xx, throttle 429, fault 5xx or no answer), never the URL or the error; no active segment
// (outside an invocation) and NoTracing change nothing.
import { describe, expect, it } from 'vitest';
import { ciamPeerOf, NoTracing, type TraceSubsegment, tracingWith } from '../../../shared/observability/tracing.js';

interface Recorded {
  name: string;
  annotations: Record<string, unknown>;
  attributes: Record<string, unknown>;
  flags: string[];
  closed: boolean;
}

function recorder(active = true) {
  const subsegments: Recorded[] = [];
  const tracer = {
    getSegment: () =>
      active
        ? {
            addNewSubsegment(name: string): TraceSubsegment {
              const sub: Recorded = { name, annotations: {}, attributes: {}, flags: [], closed: false };
              subsegments.push(sub);
              return {
                addAnnotation: (key, value) => {
                  sub.annotations[key] = value;
                },
                addAttribute: (key, value) => {
                  sub.attributes[key] = value;
                },
                addErrorFlag: () => sub.flags.push('error'),
                addFaultFlag: () => sub.flags.push('fault'),
                addThrottleFlag: () => sub.flags.push('throttle'),
                close: () => {
                  sub.closed = true;
                },
              };
            },
          }
        : undefined,
    captureAWSv3Client: <T>(client: T) => client,
  };
  return { tracing: tracingWith(tracer), subsegments };
}

const URL_WITH_PII = 'https://eu.api.capillarytech.com/v2/customers/lookup?identifierValue=447700900111';

describe('tracingWith', () => {
  it('records one closed remote subsegment per call with the brand, host, status and outcome, never the URL', async () => {
    const { tracing, subsegments } = recorder();
    const fetchFn = tracing.traceFetch(async () => new Response('{}', { status: 200 }), 'capillary', {
      brandId: 'demo',
    });

    const response = await fetchFn(URL_WITH_PII, { method: 'GET' });

    expect(response.status).toBe(200);
    expect(subsegments).toEqual([
      {
        name: 'capillary',
        annotations: { brand: 'demo', peer_host: 'eu.api.capillarytech.com', http_status: 200, outcome: 'ok' },
        attributes: { namespace: 'remote' },
        flags: [],
        closed: true,
      },
    ]);
    expect(JSON.stringify(subsegments)).not.toContain('447700900111');
  });

  it.each([
    [404, 'client_error', ['error']],
    [429, 'throttled', ['throttle', 'error']],
    [503, 'server_error', ['fault']],
  ])('flags a %i answer as %s', async (status, outcome, flags) => {
    const { tracing, subsegments } = recorder();

    await tracing.traceFetch(async () => new Response('', { status }), 'userinfo')('https://ciam.test/me', {});

    expect(subsegments[0]?.annotations.outcome).toBe(outcome);
    expect(subsegments[0]?.flags).toEqual(flags);
  });

  it('records a timeout or network failure as a fault without the error, and rethrows it', async () => {
    const { tracing, subsegments } = recorder();
    const timeout = Object.assign(new Error(`timed out ${URL_WITH_PII}`), { name: 'TimeoutError' });
    const get = tracing.traceGet(async () => Promise.reject(timeout), 'jwks');

    await expect(get('https://ciam.test/jwks', { accept: 'application/json', timeoutMs: 1, maxBytes: 1 })).rejects.toBe(
      timeout,
    );

    expect(subsegments[0]).toMatchObject({ name: 'jwks', annotations: { outcome: 'timeout' }, flags: ['fault'] });
    expect(subsegments[0]?.closed).toBe(true);
    expect(JSON.stringify(subsegments)).not.toContain('timed out');
  });

  it('just runs the call outside an invocation (no active segment)', async () => {
    const { tracing, subsegments } = recorder(false);

    const response = await tracing.traceFetch(async () => new Response('ok'), 'capillary')('https://c.test/', {});

    expect(await response.text()).toBe('ok');
    expect(subsegments).toEqual([]);
  });

  it('names the logout path CIAM calls by endpoint', () => {
    expect(ciamPeerOf('https://ciam.test/.well-known/openid-configuration')).toBe('discovery');
    expect(ciamPeerOf('https://ciam.test/oauth2/revoke')).toBe('ciam-revocation');
  });

  it('hands back what it is given when tracing is off', () => {
    const fetchFn = async () => new Response('');
    const client = { send: () => undefined };

    expect(NoTracing.traceFetch(fetchFn, 'capillary')).toBe(fetchFn);
    expect(NoTracing.captureAwsClient(client)).toBe(client);
    expect(NoTracing.enabled).toBe(false);
  });
});
