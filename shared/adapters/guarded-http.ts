// The gateway's outbound HTTP transport (JWKS, discovery, userinfo, token revocation, Capillary): node:http(s)
// whose every new connection is checked where it is made. The agents' `lookup` resolves the host and refuses
// any address the policy does not allow (shared/http/address-policy.ts) before the socket connects, so a name
// that resolved to a public address when the brand was saved and to 169.254.169.254 now (DNS rebinding)
// never gets a connection; an IP literal, which net.connect never looks up, is checked before the request.
// `guardedFetch` answers the FetchFn shape the clients take (a WHATWG Response); redirects are never
// followed, so a redirect cannot lead a request, or the credentials it carries, anywhere else.
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent as HttpAgent, type IncomingMessage, type RequestOptions, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { BlockedAddressError, isAllowedAddress, type OutboundAddressPolicy } from '../http/address-policy.js';
import type { FetchFn } from '../http/fetch.js';

/** The resolver the guarded lookup asks (node:dns `lookup` by default; tests inject one). */
export type Resolve = (hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

const systemResolve: Resolve = (hostname, callback) =>
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => callback(error, addresses ?? []));

/**
 * A net `lookup` that resolves `hostname` and fails with BlockedAddressError when any address it resolves to is
 * not allowed (one bad address is enough: the socket could pick it).
 */
export function guardedLookup(policy: OutboundAddressPolicy, resolve: Resolve = systemResolve): LookupFunction {
  return ((hostname: string, options: LookupOneOptions | LookupAllOptions, callback: unknown) => {
    const done = callback as (error: Error | null, address: string | LookupAddress[], family?: number) => void;
    resolve(hostname, (error, addresses) => {
      if (error) return done(error, '', 0);
      const wanted = options.family === 4 || options.family === 6 ? options.family : undefined;
      const usable = wanted === undefined ? addresses : addresses.filter((entry) => entry.family === wanted);
      if (usable.length === 0) {
        return done(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
      }
      const blocked = usable.find((entry) => !isAllowedAddress(entry.address, policy));
      if (blocked) return done(new BlockedAddressError(hostname, blocked.address), '', 0);
      if (options.all) return done(null, usable);
      const [first] = usable;
      return done(null, first?.address ?? '', first?.family ?? 4);
    });
  }) as LookupFunction;
}

/** What each transport needs: the address policy and, for tests, the resolver. */
export interface GuardedHttpOptions {
  policy: OutboundAddressPolicy;
  resolve?: Resolve;
}

/** The keep-alive agents of one policy (Capillary and userinfo reuse connections; each new one is checked). */
export interface GuardedAgents {
  http: HttpAgent;
  https: HttpsAgent;
  /** Throws BlockedAddressError for an IP-literal host the policy refuses (net skips the lookup for those). */
  checkLiteral(url: URL): void;
}

function createGuardedAgents(options: GuardedHttpOptions): GuardedAgents {
  const lookup = guardedLookup(options.policy, options.resolve);
  return {
    http: new HttpAgent({ keepAlive: true, lookup }),
    https: new HttpsAgent({ keepAlive: true, lookup }),
    checkLiteral(url) {
      const host = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(host) !== 0 && !isAllowedAddress(host, options.policy)) throw new BlockedAddressError(host, host);
    },
  };
}

/** The node:http(s) request function and agent for a URL, or undefined for another protocol. */
function transportFor(url: URL, agents: GuardedAgents): { send: typeof httpRequest; agent: HttpAgent } | undefined {
  if (url.protocol === 'https:') return { send: httpsRequest as typeof httpRequest, agent: agents.https };
  if (url.protocol === 'http:') return { send: httpRequest, agent: agents.http };
  return undefined;
}

/** Request headers as a plain record (a fetch init may give a Headers, an array of pairs or a record). */
function headerRecord(headers: RequestInit['headers']): Record<string, string> {
  const record: Record<string, string> = {};
  new Headers(headers).forEach((value, name) => {
    record[name] = value;
  });
  return record;
}

function requestBody(body: RequestInit['body'], headers: Record<string, string>): Buffer | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded;charset=UTF-8';
    return Buffer.from(body.toString(), 'utf8');
  }
  if (body instanceof Uint8Array) return Buffer.from(body);
  throw new TypeError('guardedFetch sends string, URLSearchParams or byte bodies only');
}

function responseHeaders(message: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(message.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * A FetchFn over node:http(s) with the guarded agents. Supports what the gateway's clients use: method,
 * headers, a string / URLSearchParams / bytes body, `signal` (abort and timeout), and `redirect` (`error`
 * rejects a 3xx; anything else answers it as is: nothing is followed). Failures reject with
 * `TypeError('fetch failed')` carrying the cause, as fetch does.
 */
export function guardedFetch(options: GuardedHttpOptions | GuardedAgents): FetchFn {
  const agents = 'checkLiteral' in options ? options : createGuardedAgents(options);
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const failed = (cause: unknown) => reject(new TypeError('fetch failed', { cause }));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let url: URL;
      let headers: Record<string, string>;
      let body: Buffer | undefined;
      try {
        url = new URL(input);
        agents.checkLiteral(url);
        headers = headerRecord(init.headers);
        body = requestBody(init.body, headers);
      } catch (error) {
        failed(error);
        return;
      }
      const transport = transportFor(url, agents);
      if (transport === undefined) {
        failed(new TypeError(`unsupported protocol ${url.protocol}`));
        return;
      }
      if (body !== undefined) headers['content-length'] = String(body.length);
      const requestOptions: RequestOptions = { method: init.method ?? 'GET', headers, agent: transport.agent };
      const request = transport.send(url, requestOptions, (message) => {
        const status = message.statusCode ?? 0;
        if (status >= 300 && status < 400 && init.redirect === 'error') {
          message.resume();
          failed(new Error(`redirect refused (${status})`));
          return;
        }
        let response: Response;
        try {
          const stream = NULL_BODY_STATUSES.has(status) || requestOptions.method === 'HEAD' ? null : message;
          if (stream === null) message.resume();
          response = new Response(stream && (Readable.toWeb(stream) as ReadableStream<Uint8Array>), {
            status,
            statusText: message.statusMessage ?? '',
            headers: responseHeaders(message),
          });
        } catch (error) {
          message.destroy();
          failed(error);
          return;
        }
        resolve(response);
      });
      const onAbort = () => request.destroy(signal?.reason as Error);
      signal?.addEventListener('abort', onAbort, { once: true });
      request.on('close', () => signal?.removeEventListener('abort', onAbort));
      request.on('error', (error) => (signal?.aborted ? reject(signal.reason) : failed(error)));
      request.end(body);
    });
}
