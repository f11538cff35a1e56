// A Capillary v2 customer API simulator on loopback for tests and the local stack, as strict as the published
// reference (each rule names the documented code it follows, from docs.capillarytech.com/reference): the OAuth token
// endpoint, lookup, customerDetails, add, get, update and changeIdentifier with per-source profiles,
// identifier uniqueness per source+account, Capillary's envelope and codes, X-Cap-Requestid on every
// answer, fault injection and an inspection API. Codes come from per-family tables (capillary-sim/codes.ts);
// where the reference is silent or contradicts itself, every reading is a switch (capillary-sim/readings.ts).
// This file composes the rooms of local/capillary-sim/: the customers and their rules (customers.ts), the org
// settings (org-config.ts), authentication (auth.ts), faults (faults.ts), the control API (control.ts), and
// the endpoint families beyond the customer API (extension.ts, loyalty.ts); here are the routing and the server.
// Never deploy it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { isRecord } from '../shared/lang/is-record.js';
import { sleep } from '../shared/lang/sleep.js';
import { type Answer, codesOf, errorAnswer } from './capillary-sim/answers.js';
import { type SimAuthOptions, SimAuth } from './capillary-sim/auth.js';
import { type SimControlTarget, simControl } from './capillary-sim/control.js';
import { type SimCustomer, SimCustomerBook, type SimProfile } from './capillary-sim/customers.js';
import type { SimCore, SimExtension } from './capillary-sim/extension.js';
import { type SimFault, SimFaults } from './capillary-sim/faults.js';
import { createLoyaltySimulation, type LoyaltySimOptions, type LoyaltySimulator } from './capillary-sim/loyalty.js';
import { configureOrg, orgConfigOf, type SimOrgConfig } from './capillary-sim/org-config.js';
import { SimRateLimits, simApiOf } from './capillary-sim/rate-limits.js';
import { readJsonBody } from './http/read-body.js';

export type { SimCustomer } from './capillary-sim/customers.js';
export { DEFAULT_ORG_FIELDS, type SimOrgConfig } from './capillary-sim/org-config.js';
export { simReadingDefaults } from './capillary-sim/readings.js';

export interface SimCall {
  method: string;
  path: string;
  query: Record<string, string>;
  /** The full query string as sent (`?source=ALL&...`, empty when none). */
  search: string;
  status: number;
  /** Error and warning codes of the answer (8xxx), for tests and the local stack's inspection. */
  codes: number[];
  /** Order of arrival and of answer on one counter shared by every call: B followed A iff B.startSeq > A.endSeq. */
  startSeq: number;
  endSeq: number;
}

export interface CapillarySimulatorOptions extends Partial<SimOrgConfig> {
  port?: number;
  /** OAuth API clients accepted by /v3/oauth/token/generate. */
  clients?: SimAuthOptions['clients'];
  /** Till credentials accepted with Basic auth (password in clear; the client sends its md5). */
  tills?: SimAuthOptions['tills'];
  tokenTtlSeconds?: number;
  /** Seeded random for `rate` faults and the HTTP 500 share. */
  random?: () => number;
  /**
   * Told when a `hang` fault parks a request (it is never answered): a test client can end its call there as a
   * timeout at once, instead of racing a short wall-clock timeout against every healthy answer.
   */
  onHang?: (request: IncomingMessage) => void;
  /** The loyalty APIs' switches and rewards brand (local/capillary-sim/loyalty.ts). */
  loyalty?: LoyaltySimOptions;
}

export interface CapillarySimulator {
  baseUrl: string;
  /** Every customer, deep-copied (merged-away customers are gone). */
  customers(): SimCustomer[];
  customer(id: number): SimCustomer | undefined;
  /** Adds a customer directly (e.g. an INSTORE member registered before the CIAM). */
  seedCustomer(input: { profiles: Partial<SimProfile>[]; extendedFields?: Record<string, unknown> }): SimCustomer;
  /** Merges `mergedId` into `survivorId` as Member Care does: its profiles move over; its id answers 8069. */
  mergeCustomers(survivorId: number, mergedId: number): void;
  /** Erases a customer as an approved PII deletion request does (reference/add-a-pii-deletion-request). */
  deleteCustomerPii(customerId: number): void;
  calls: SimCall[];
  /** Calls matching `METHOD path` text (e.g. `PUT /v2/customers`), or all. */
  callCount(match?: string): number;
  /** The org settings in force; `configure` changes some of them (also `POST /__sim/config`). */
  config(): SimOrgConfig;
  configure(change: Partial<SimOrgConfig>): void;
  injectFault(fault: SimFault): void;
  clearFaults(): void;
  /** Tokens issued so far. */
  tokensIssued(): number;
  /** Revokes every issued token (the client must get a new one). */
  revokeTokens(): void;
  /** Forgets customers, merges, faults and calls (the org settings stay). */
  reset(): void;
  /** The member-facing loyalty APIs (points, ledger, transactions, coupons, rewards, Neo) and their data. */
  loyalty: LoyaltySimulator;
  close(): Promise<void>;
}

/**
 * The longest chain of intervals each starting at or after the previous one's end (greedy by end, so
 * overlapping intervals count once): sequential round trips, from sequence numbers or from clocks alike.
 */
export function longestChain(intervals: readonly (readonly [start: number, end: number])[]): number {
  let chain = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const [start, end] of [...intervals].sort((a, b) => a[1] - b[1])) {
    if (start >= lastEnd) {
      chain++;
      lastEnd = end;
    }
  }
  return chain;
}

/**
 * The number of sequential round trips in a set of calls: the longest chain of calls each of which arrived
 * after the previous one was answered (calls that overlap count once). Uses the sequence numbers, not clocks
 * (arrivals and answers share one counter, so no two are equal).
 */
export function sequentialRoundTrips(calls: readonly Pick<SimCall, 'startSeq' | 'endSeq'>[]): number {
  return longestChain(calls.map((call) => [call.startSeq, call.endSeq] as const));
}

/** The simulator's body cap; a larger or malformed body reads as invalid JSON. */
const MAX_BODY_BYTES = 1_000_000;

function readBody(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_BODY_BYTES);
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    'content-type': 'application/json',
    'x-cap-requestid': randomUUID(),
    ...answer.headers,
  });
  res.end(JSON.stringify(answer.body));
}

/** Starts the simulator on 127.0.0.1. */
export async function startCapillarySimulator(options: CapillarySimulatorOptions = {}): Promise<CapillarySimulator> {
  const random = options.random ?? Math.random;
  const org = orgConfigOf(options);
  const book = new SimCustomerBook(org);
  const auth = new SimAuth(
    {
      clients: options.clients ?? [{ key: 'sim-key', secret: 'sim-secret' }],
      tills: options.tills ?? [],
      tokenTtlSeconds: options.tokenTtlSeconds ?? 3600,
    },
    org,
  );
  const throttle = new SimRateLimits();
  const faults = new SimFaults(random);
  const calls: SimCall[] = [];
  let seq = 0;
  const hanging = new Set<ServerResponse>();

  // Endpoint families beyond the v2 customer API (local/capillary-sim/): asked first for every call.
  const core: SimCore = {
    // The families read the customer an id names now: a merged-away id is the survivor's under the readings that
    // answer it (its v2 warning is the customer API's), else the same 8069 / 8015 answer.
    live: (id) => {
      const found = book.live(id);
      return 'customer' in found ? found.customer : found;
    },
    getCustomer: (id, query) => book.getCustomer(id, query),
    holders: (identifier) => book.holdersAnywhere(identifier),
    now: () => Date.now(),
    random,
  };
  const loyalty = createLoyaltySimulation(core, options.loyalty);
  const extensions: SimExtension[] = [loyalty.extension];

  /** The org's rate limit per API and API key: HTTP 429, with Retry-After in the `retry-after` reading. */
  function throttled429(who: string, method: string, path: string): Answer | undefined {
    const wait = throttle.take(org.rateLimits, who, simApiOf(method, path), Date.now());
    if (wait === undefined) return undefined;
    return {
      ...errorAnswer(429, 429, 'Too many requests'),
      ...(org.throttleAnswer === 'retry-after' ? { headers: { 'retry-after': String(wait) } } : {}),
    };
  }

  async function route(req: IncomingMessage, url: URL, query: Record<string, string>): Promise<Answer> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = method === 'GET' ? undefined : await readBody(req).catch(() => Symbol.for('bad'));
    if (typeof body === 'symbol') return errorAnswer(400, 400, 'Invalid JSON');
    for (const extension of extensions) {
      const answer = await extension.route({
        method,
        path,
        query,
        headers: req.headers,
        body,
        authorized: auth.caller(req.headers) !== undefined,
      });
      if (answer) return answer;
    }
    if (method === 'POST' && path === '/v3/oauth/token/generate') {
      return auth.generateToken(body, (who) => throttled429(who, method, path));
    }
    if (!path.startsWith('/v2/')) return errorAnswer(404, 404, 'Not found');
    const who = auth.caller(req.headers);
    if (!who) return auth.unauthenticated();
    const throttled = throttled429(who, method, path);
    if (throttled) return throttled;
    if (method === 'GET' && (path === '/v2/customers/lookup' || path === '/v2/customers/lookup/customerDetails')) {
      const found = book.lookup(query);
      if ('body' in found) return found;
      if (path.endsWith('/customerDetails')) return { status: 200, body: { ...structuredClone(found), warnings: [] } };
      return { status: 200, body: { entity: found.id, warnings: [] } };
    }
    if (method === 'POST' && path === '/v2/customers') return book.addCustomer(body);
    if (method === 'GET' && path === '/v2/extendedFields') return book.extendedFieldsOfOrg();
    const byId = /^\/v2\/customers\/(\d+)(\/changeIdentifier)?$/.exec(path);
    if (byId) {
      const id = Number(byId[1]);
      if (method === 'GET' && !byId[2]) return book.getCustomer(id, query);
      if (method === 'PUT' && !byId[2]) return book.updateCustomer(id, query, body);
      if (method === 'POST' && byId[2]) return book.changeIdentifier(id, query, body);
    }
    return errorAnswer(405, 405, 'Method not allowed');
  }

  /** "500: requests have failed due to errors": a share of 8xxx error answers goes out as HTTP 500. */
  function withBusinessStatus(answer: Answer): Answer {
    const failed = isRecord(answer.body) && Array.isArray(answer.body.errors) && answer.body.errors.length > 0;
    const business = failed && codesOf({ errors: (answer.body as { errors: unknown }).errors }).some((c) => c >= 1000);
    if (!business || org.businessErrorHttp500Share <= 0 || random() >= org.businessErrorHttp500Share) return answer;
    return { ...answer, status: 500 };
  }

  const control: SimControlTarget = {
    customers: () => book.customers.values(),
    calls,
    org,
    extensions,
    readBody,
    seedCustomer: (input) => api.seedCustomer(input),
    configure: (change) => api.configure(change),
    mergeCustomers: (survivorId, mergedId) => api.mergeCustomers(survivorId, mergedId),
    deleteCustomerPii: (customerId) => api.deleteCustomerPii(customerId),
    injectFault: (fault) => faults.inject(fault),
    clearFaults: () => faults.clear(),
    reset: () => api.reset(),
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim/')) return simControl(control, req, res, url.pathname);
    const call: SimCall = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      search: url.search,
      status: 0,
      codes: [],
      startSeq: seq++,
      endSeq: -1,
    };
    calls.push(call);
    const finish = (answer: Answer) => {
      call.status = answer.status;
      call.codes = codesOf(answer.body);
      call.endSeq = seq++;
      send(res, answer);
    };
    const fault = faults.take(`${call.method} ${call.path}`);
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      req.resume();
      options.onHang?.(req);
      return;
    }
    if (fault?.kind === 'together') await faults.gathered(fault);
    const delay = org.latencyMs + (fault?.kind === 'latency' ? fault.ms : 0);
    if (delay > 0) await sleep(delay);
    if (fault?.kind === 'status') {
      req.resume();
      return finish({
        ...errorAnswer(fault.status, fault.status, 'Injected failure'),
        ...(fault.retryAfterSeconds ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
      });
    }
    if (fault?.kind === 'answer') {
      req.resume();
      return finish({ status: fault.status, body: fault.body });
    }
    if (fault?.kind === 'concurrent') {
      req.resume();
      // 521 "multiple actions running for the same customer, retry later".
      return finish(errorAnswer(521, 521, 'Multiple actions running for the same customer, retry later'));
    }
    const answer = withBusinessStatus(await route(req, url, call.query));
    if (fault?.kind === 'fail-after-write') return finish(errorAnswer(500, 500, 'Internal error after write'));
    finish(answer);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, errorAnswer(500, 500, 'Simulator error'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const api: CapillarySimulator = {
    baseUrl: `http://127.0.0.1:${port}`,
    customers: () => [...book.customers.values()].map((customer) => structuredClone(customer)),
    customer: (id) => {
      const c = book.customers.get(id);
      return c ? structuredClone(c) : undefined;
    },
    seedCustomer: (input) => book.seed(input),
    mergeCustomers: (survivorId, mergedId) => book.mergeCustomers(survivorId, mergedId),
    deleteCustomerPii: (customerId) => book.deleteCustomerPii(customerId),
    calls,
    callCount: (match) =>
      match === undefined ? calls.length : calls.filter((c) => `${c.method} ${c.path}`.includes(match)).length,
    config: () => structuredClone(org),
    configure: (change) => {
      if (configureOrg(org, change)) throttle.clear();
    },
    injectFault: (fault) => {
      faults.inject(fault);
    },
    clearFaults: () => faults.clear(),
    tokensIssued: () => auth.tokensIssued(),
    revokeTokens: () => auth.revokeTokens(),
    reset: () => {
      book.reset();
      throttle.clear();
      faults.clear();
      calls.length = 0;
      for (const extension of extensions) extension.reset();
    },
    loyalty: loyalty.api,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}

// `node --import tsx local/capillary-simulator.ts [port]` runs it on its own (key sim-key / secret sim-secret).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sim = await startCapillarySimulator({ port: Number(process.argv[2] ?? 0) });
  console.log(`Capillary simulator on ${sim.baseUrl} (OAuth key sim-key, secret sim-secret)`);
}
