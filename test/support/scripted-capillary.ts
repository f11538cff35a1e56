// A Capillary client over a scripted fetch: answers come from a list, every request is recorded, time and
// sleeps are fake. For the client's unit tests (no network).
import { CapillaryClient, type CapillaryClientOptions } from '../../shared/capillary/capillary-client.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';

export type Scripted = { status: number; body?: unknown; headers?: Record<string, string> } | 'timeout' | 'network';

interface Recorded {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that answers from a script and records every request; fails the test when the script runs dry. */
export function scriptedFetch(script: Scripted[]) {
  const requests: Recorded[] = [];
  const fetch = async (input: string, init: RequestInit): Promise<Response> => {
    requests.push({
      url: new URL(input),
      method: init.method ?? 'GET',
      headers: (init.headers ?? {}) as Record<string, string>,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    });
    const next = script.shift();
    if (next === undefined) throw new Error(`unexpected request ${init.method} ${input}`);
    if (next === 'timeout') throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    if (next === 'network') throw new TypeError('fetch failed');
    return new Response(next.body === undefined ? '' : JSON.stringify(next.body), {
      status: next.status,
      headers: { 'x-cap-requestid': `req-${requests.length}`, ...next.headers },
    });
  };
  return { fetch, requests, remaining: () => script.length };
}

export const TOKEN = { status: 200, body: { data: { accessToken: 'tok-1', ttlSeconds: 300 }, errors: null } };

export function client(script: Scripted[], overrides: Partial<CapillaryClientOptions> = {}) {
  const scripted = scriptedFetch(script);
  const sleeps: number[] = [];
  const logs: { message: string; extra: unknown }[] = [];
  let now = 1_000_000;
  const options: CapillaryClientOptions = {
    baseUrl: 'https://eu.api.capillarytech.test',
    authMode: 'oauth',
    credentialsParameter: '/cap/demo',
    secrets: new InMemorySecretSource({ '/cap/demo': JSON.stringify({ key: 'k', secret: 's' }) }),
    timeoutMs: 1_000,
    fetch: scripted.fetch,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    now: () => now,
    logger: {
      info: (message: string, extra?: unknown) => logs.push({ message, extra }),
      warn: (message: string, extra?: unknown) => logs.push({ message, extra }),
    } as unknown as CapillaryClientOptions['logger'] & object,
    ...overrides,
  };
  return {
    api: new CapillaryClient(options),
    ...scripted,
    sleeps,
    logs,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
