// A Capillary v2 customer API simulator on loopback for tests and the local stack: the OAuth token
// endpoint, lookup, customerDetails, add, get, update and changeIdentifier with per-source profiles,
// identifier uniqueness per source+account, Capillary's envelope and codes, X-Cap-Requestid on every
// answer, fault injection and an inspection API. Never deploy it.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface SimIdentifier {
  type: string;
  value: string;
}

export interface SimProfile {
  source: string;
  accountId: string;
  firstName: string;
  lastName: string;
  identifiers: SimIdentifier[];
  fields: Record<string, unknown>;
  commChannels: Record<string, unknown>[];
}

export interface SimCustomer {
  id: number;
  profiles: SimProfile[];
  extendedFields: Record<string, unknown>;
  loyaltyInfo: { loyaltyType: string };
}

export interface SimCall {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
}

/** A fault applies to matching calls, for the next `count` calls or at `rate` (0-1). */
export type SimFault = {
  /** Only calls whose `METHOD path` contains this text (e.g. `POST /v2/customers`). */
  match?: string;
  /** Let this many matching calls through before the fault starts. */
  after?: number;
  count?: number;
  rate?: number;
} & (
  | { kind: 'status'; status: 500 | 502 | 503 | 504 | 429; retryAfterSeconds?: number }
  /** Capillary's "multiple actions running for the same customer, retry later". */
  | { kind: 'concurrent' }
  /** Never answers (the client must time out). */
  | { kind: 'hang' }
  /** Answers normally after a delay. */
  | { kind: 'latency'; ms: number }
  /** Performs the call, then answers 500 anyway (a crash after the write). */
  | { kind: 'fail-after-write' }
);

export interface CapillarySimulatorOptions {
  port?: number;
  /** OAuth API clients accepted by /v3/oauth/token/generate. */
  clients?: { key: string; secret: string }[];
  /** Till credentials accepted with Basic auth (password in clear; the client sends its md5). */
  tills?: { tillId: string; password: string }[];
  tokenTtlSeconds?: number;
  /** Seeded random for `rate` faults. */
  random?: () => number;
}

export interface CapillarySimulator {
  baseUrl: string;
  /** Every customer, deep-copied. */
  customers(): SimCustomer[];
  customer(id: number): SimCustomer | undefined;
  /** Adds a customer directly (e.g. an INSTORE member registered before the CIAM). */
  seedCustomer(input: { profiles: Partial<SimProfile>[]; extendedFields?: Record<string, unknown> }): SimCustomer;
  calls: SimCall[];
  /** Calls matching `METHOD path` text (e.g. `PUT /v2/customers`), or all. */
  callCount(match?: string): number;
  injectFault(fault: SimFault): void;
  clearFaults(): void;
  /** Tokens issued so far. */
  tokensIssued(): number;
  /** Revokes every issued token (the client must get a new one). */
  revokeTokens(): void;
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const NOT_FOUND = { status: false, code: 8015, message: 'Customer not found for the given identifiers' };

function errorAnswer(status: number, code: number, message: string): Answer {
  return { status, body: { warnings: [], errors: [{ status: false, code, message }] } };
}

function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > 1_000_000) throw new Error('body too large');
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toIdentifiers(value: unknown): SimIdentifier[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => ({ type: str(item.type), value: str(item.value) }));
}

/** Starts the simulator on 127.0.0.1. */
export async function startCapillarySimulator(options: CapillarySimulatorOptions = {}): Promise<CapillarySimulator> {
  const clients = options.clients ?? [{ key: 'sim-key', secret: 'sim-secret' }];
  const tills = options.tills ?? [];
  const ttl = options.tokenTtlSeconds ?? 3600;
  const random = options.random ?? Math.random;
  let nextId = 1000;
  let customers = new Map<number, SimCustomer>();
  const tokens = new Map<string, number>();
  let issued = 0;
  let faults: (SimFault & { used: number; seen: number })[] = [];
  const calls: SimCall[] = [];
  const hanging = new Set<ServerResponse>();

  const sameAccount = (p: SimProfile, source: string, accountId: string) =>
    p.source === source && (source === 'INSTORE' || p.accountId === accountId);

  function holderInSource(source: string, accountId: string, identifier: SimIdentifier): SimCustomer | undefined {
    for (const customer of customers.values()) {
      for (const p of customer.profiles) {
        if (!sameAccount(p, source, accountId)) continue;
        if (p.identifiers.some((i) => i.type === identifier.type && i.value === identifier.value)) return customer;
      }
    }
    return undefined;
  }

  function holderAnywhere(identifier: SimIdentifier): SimCustomer | undefined {
    for (const customer of customers.values()) {
      if (
        customer.profiles.some((p) =>
          p.identifiers.some((i) => i.type === identifier.type && i.value === identifier.value),
        )
      ) {
        return customer;
      }
    }
    return undefined;
  }

  function lookup(query: Record<string, string>): SimCustomer | undefined | Answer {
    const source = query.source ?? '';
    const name = query.identifierName ?? '';
    const value = query.identifierValue ?? '';
    if (!source) return errorAnswer(400, 8003, 'Invalid source');
    if (!name || !value) return errorAnswer(400, 8013, 'Invalid identifier');
    const identifier = { type: name, value };
    if (source === 'ALL') return holderAnywhere(identifier);
    if (source !== 'INSTORE' && !query.accountId) return errorAnswer(400, 8054, 'Account id not passed');
    return holderInSource(source, query.accountId ?? '', identifier);
  }

  function toProfile(raw: Record<string, unknown>): SimProfile {
    return {
      source: str(raw.source),
      accountId: str(raw.accountId),
      firstName: str(raw.firstName).trim().slice(0, 100),
      lastName: str(raw.lastName).trim().slice(0, 100),
      identifiers: toIdentifiers(raw.identifiers),
      fields: isRecord(raw.fields) ? raw.fields : {},
      commChannels: Array.isArray(raw.commChannels) ? raw.commChannels.filter(isRecord) : [],
    };
  }

  function validIdentifier(identifier: SimIdentifier): Answer | undefined {
    if (!identifier.type || !identifier.value) return errorAnswer(400, 8005, 'No valid identifiers');
    if (identifier.type === 'mobile' && !/^[1-9]\d{7,14}$/.test(identifier.value)) {
      return errorAnswer(400, 8014, 'Invalid mobile');
    }
    if (identifier.type === 'email' && (identifier.value.length > 255 || !/^[^@\s]+@[^@\s]+$/.test(identifier.value))) {
      return errorAnswer(400, 8055, 'Invalid email');
    }
    return undefined;
  }

  function addCustomer(body: unknown): Answer {
    if (!isRecord(body) || !Array.isArray(body.profiles) || body.profiles.length === 0) {
      return errorAnswer(400, 8004, 'No source');
    }
    const profiles = body.profiles.filter(isRecord).map(toProfile);
    let target: SimCustomer | undefined;
    for (const profile of profiles) {
      if (!profile.source) return errorAnswer(400, 8004, 'No source');
      if (profile.identifiers.length === 0) return errorAnswer(400, 8005, 'No valid identifiers');
      for (const identifier of profile.identifiers) {
        const invalid = validIdentifier(identifier);
        if (invalid) return invalid;
        if (holderInSource(profile.source, profile.accountId, identifier)) {
          return errorAnswer(400, 8006, 'Customer already exists for same source');
        }
        const other = holderAnywhere(identifier);
        if (other && target && other.id !== target.id) {
          return errorAnswer(400, 8052, 'Conflicting customers found in other sources');
        }
        if (other) target = other;
      }
      if (target?.profiles.some((p) => sameAccount(p, profile.source, profile.accountId))) {
        return errorAnswer(400, 8008, 'Same source different profile for identifiers');
      }
    }
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    if (target) {
      target.profiles.push(...profiles);
      Object.assign(target.extendedFields, extendedFields);
      return {
        status: 200,
        body: {
          createdId: target.id,
          warnings: [{ status: false, code: 8050, message: 'Same Customer found in other sources,Combining' }],
          sideEffects: [],
        },
      };
    }
    const loyaltyType = isRecord(body.loyaltyInfo) ? str(body.loyaltyInfo.loyaltyType) || 'loyalty' : 'loyalty';
    const customer: SimCustomer = { id: nextId++, profiles, extendedFields, loyaltyInfo: { loyaltyType } };
    customers.set(customer.id, customer);
    return { status: 200, body: { createdId: customer.id, warnings: [], sideEffects: [] } };
  }

  function updateCustomer(id: number, query: Record<string, string>, body: unknown): Answer {
    const customer = customers.get(id);
    if (!customer) return errorAnswer(400, 8009, 'Customer not found');
    const source = query.source ?? '';
    if (!source) return errorAnswer(400, 8004, 'No source');
    const profile = customer.profiles.find((p) => sameAccount(p, source, query.accountId ?? ''));
    if (!profile) return errorAnswer(400, 8127, 'Invalid source or accountId');
    if (!isRecord(body)) return errorAnswer(400, 8004, 'Invalid body');
    const input = Array.isArray(body.profiles) && isRecord(body.profiles[0]) ? body.profiles[0] : {};
    if ('identifiers' in input) return errorAnswer(400, 8007, 'Identifiers cannot be updated here');
    if (typeof input.firstName === 'string') profile.firstName = input.firstName.trim().slice(0, 100);
    if (typeof input.lastName === 'string') profile.lastName = input.lastName.trim().slice(0, 100);
    if (isRecord(input.fields)) Object.assign(profile.fields, input.fields);
    if (Array.isArray(input.commChannels)) profile.commChannels = input.commChannels.filter(isRecord);
    if (isRecord(body.extendedFields)) Object.assign(customer.extendedFields, body.extendedFields);
    return { status: 200, body: { createdId: customer.id, warnings: [], sideEffects: [] } };
  }

  function changeIdentifier(id: number, query: Record<string, string>, body: unknown): Answer {
    const customer = customers.get(id);
    if (!customer) return errorAnswer(400, 8009, 'Customer not found');
    const source = query.source ?? '';
    const accountId = query.accountId ?? '';
    const profile = customer.profiles.find((p) => sameAccount(p, source, accountId));
    if (!profile) return errorAnswer(400, 8127, 'Invalid source or accountId');
    if (!isRecord(body)) return errorAnswer(400, 8005, 'No valid identifiers');
    const add = toIdentifiers(body.add);
    const remove = toIdentifiers(body.remove);
    // Validate everything first: a refused change leaves the customer untouched.
    for (const identifier of add) {
      const invalid = validIdentifier(identifier);
      if (invalid) return invalid;
      const holder = holderInSource(source, accountId, identifier);
      if (holder && holder.id !== id) return errorAnswer(400, 8008, 'New identifier exists in same source');
    }
    for (const identifier of remove) {
      if (!profile.identifiers.some((i) => i.type === identifier.type && i.value === identifier.value)) {
        return errorAnswer(400, 8013, 'Invalid identifier to remove');
      }
    }
    profile.identifiers = profile.identifiers.filter(
      (i) => !remove.some((r) => r.type === i.type && r.value === i.value),
    );
    for (const identifier of add) {
      if (!profile.identifiers.some((i) => i.type === identifier.type && i.value === identifier.value)) {
        profile.identifiers.push(identifier);
      }
    }
    return { status: 200, body: { createdId: customer.id, warnings: [] } };
  }

  function authorized(req: IncomingMessage): boolean {
    const token = req.headers['x-cap-api-oauth-token'];
    if (typeof token === 'string') {
      const expiresAt = tokens.get(token);
      return expiresAt !== undefined && expiresAt > Date.now();
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!basic) return false;
    const [tillId, hash] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return tills.some((t) => t.tillId === tillId && md5Hex(t.password) === hash);
  }

  function customerView(customer: SimCustomer): unknown {
    return { ...clone(customer), warnings: [] };
  }

  async function route(req: IncomingMessage, url: URL, query: Record<string, string>): Promise<Answer> {
    const method = req.method ?? 'GET';
    const path = url.pathname;
    const body = method === 'GET' ? undefined : await readBody(req).catch(() => Symbol.for('bad'));
    if (typeof body === 'symbol') return errorAnswer(400, 400, 'Invalid JSON');
    if (method === 'POST' && path === '/v3/oauth/token/generate') {
      const ok = isRecord(body) && clients.some((c) => c.key === body.key && c.secret === body.secret);
      if (!ok) return { status: 401, body: { data: null, errors: [{ code: 1001, message: 'Invalid key or secret' }] } };
      const accessToken = randomBytes(24).toString('base64url');
      tokens.set(accessToken, Date.now() + ttl * 1000);
      issued++;
      return { status: 200, body: { data: { accessToken, ttlSeconds: ttl }, errors: null } };
    }
    if (!path.startsWith('/v2/')) return errorAnswer(404, 404, 'Not found');
    if (!authorized(req)) return errorAnswer(401, 401, 'Authentication failed');
    if (method === 'GET' && (path === '/v2/customers/lookup' || path === '/v2/customers/lookup/customerDetails')) {
      const found = lookup(query);
      if (found && 'status' in found && 'body' in found) return found;
      if (!found) return { status: 200, body: { warnings: [], errors: [NOT_FOUND] } };
      const customer = found as SimCustomer;
      if (path.endsWith('/customerDetails')) return { status: 200, body: customerView(customer) };
      return { status: 200, body: { entity: customer.id, warnings: [] } };
    }
    if (method === 'POST' && path === '/v2/customers') return addCustomer(body);
    const byId = /^\/v2\/customers\/(\d+)(\/changeIdentifier)?$/.exec(path);
    if (byId) {
      const id = Number(byId[1]);
      if (method === 'GET' && !byId[2]) {
        const customer = customers.get(id);
        return customer ? { status: 200, body: customerView(customer) } : errorAnswer(200, 8015, NOT_FOUND.message);
      }
      if (method === 'PUT' && !byId[2]) return updateCustomer(id, query, body);
      if (method === 'POST' && byId[2]) return changeIdentifier(id, query, body);
    }
    return errorAnswer(405, 405, 'Method not allowed');
  }

  function takeFault(signature: string): SimFault | undefined {
    for (const fault of faults) {
      if (fault.match && !signature.includes(fault.match)) continue;
      fault.seen++;
      if (fault.after !== undefined && fault.seen <= fault.after) continue;
      if (fault.count !== undefined) {
        if (fault.used >= fault.count) continue;
        fault.used++;
        return fault;
      }
      if (fault.rate !== undefined && random() < fault.rate) return fault;
    }
    return undefined;
  }

  function send(res: ServerResponse, answer: Answer): void {
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      'x-cap-requestid': randomUUID(),
      ...answer.headers,
    });
    res.end(JSON.stringify(answer.body));
  }

  /** The inspection/control API over HTTP (`/__sim/...`) for the local stack; never counted as calls. */
  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (method === 'GET' && path === '/__sim/customers') return reply(200, { customers: [...customers.values()] });
    if (method === 'GET' && path === '/__sim/calls') return reply(200, { count: calls.length, calls });
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readBody(req);
    if (method === 'POST' && path === '/__sim/customers' && isRecord(body) && Array.isArray(body.profiles)) {
      return reply(201, api.seedCustomer({ profiles: body.profiles.filter(isRecord).map(toProfile) }));
    }
    if (method === 'POST' && path === '/__sim/faults' && isRecord(body) && typeof body.kind === 'string') {
      faults.push({ ...(body as SimFault), used: 0, seen: 0 });
      return reply(201, { faults: faults.length });
    }
    if (method === 'DELETE' && path === '/__sim/faults') {
      faults = [];
      return reply(200, { faults: 0 });
    }
    if (method === 'POST' && path === '/__sim/reset') {
      api.reset();
      return reply(200, {});
    }
    return reply(404, { error: 'unknown simulator control route' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim/')) return control(req, res, url.pathname);
    const query = Object.fromEntries(url.searchParams);
    const signature = `${req.method ?? 'GET'} ${url.pathname}`;
    const fault = takeFault(signature);
    const record = (status: number) => calls.push({ method: req.method ?? 'GET', path: url.pathname, query, status });
    if (fault?.kind === 'hang') {
      record(0);
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      req.resume();
      return;
    }
    if (fault?.kind === 'latency') await new Promise((resolve) => setTimeout(resolve, fault.ms));
    if (fault?.kind === 'status') {
      req.resume();
      record(fault.status);
      send(res, {
        ...errorAnswer(fault.status, fault.status, 'Injected failure'),
        ...(fault.retryAfterSeconds ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } } : {}),
      });
      return;
    }
    if (fault?.kind === 'concurrent') {
      req.resume();
      record(521);
      send(res, errorAnswer(521, 521, 'Multiple actions running for the same customer, retry later'));
      return;
    }
    const answer = await route(req, url, query);
    if (fault?.kind === 'fail-after-write') {
      record(500);
      send(res, errorAnswer(500, 500, 'Internal error after write'));
      return;
    }
    record(answer.status);
    send(res, answer);
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
    customers: () => [...customers.values()].map(clone),
    customer: (id) => {
      const c = customers.get(id);
      return c ? clone(c) : undefined;
    },
    seedCustomer: (input) => {
      const customer: SimCustomer = {
        id: nextId++,
        profiles: input.profiles.map((p) => ({
          source: p.source ?? 'INSTORE',
          accountId: p.accountId ?? '',
          firstName: p.firstName ?? '',
          lastName: p.lastName ?? '',
          identifiers: p.identifiers ?? [],
          fields: p.fields ?? {},
          commChannels: p.commChannels ?? [],
        })),
        extendedFields: input.extendedFields ?? {},
        loyaltyInfo: { loyaltyType: 'loyalty' },
      };
      customers.set(customer.id, customer);
      return clone(customer);
    },
    calls,
    callCount: (match) =>
      match === undefined ? calls.length : calls.filter((c) => `${c.method} ${c.path}`.includes(match)).length,
    injectFault: (fault) => {
      faults.push({ ...fault, used: 0, seen: 0 });
    },
    clearFaults: () => {
      faults = [];
    },
    tokensIssued: () => issued,
    revokeTokens: () => tokens.clear(),
    reset: () => {
      customers = new Map();
      faults = [];
      calls.length = 0;
    },
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
