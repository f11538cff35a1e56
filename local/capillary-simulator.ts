// A Capillary v2 customer API simulator on loopback for tests and the local stack, as strict as the published
// reference (each rule names the documented code it follows, from docs.capillarytech.com/reference): the OAuth token
// endpoint, lookup, customerDetails, add, get, update and changeIdentifier with per-source profiles,
// identifier uniqueness per source+account, Capillary's envelope and codes, X-Cap-Requestid on every
// answer, fault injection and an inspection API. Never deploy it.
import { sleep } from '../shared/lang/sleep.js';
import { isRecord } from '../shared/lang/is-record.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import type { SimCore, SimExtension } from './capillary-sim/extension.js';
import { createLoyaltySimulation, type LoyaltySimOptions, type LoyaltySimulator } from './capillary-sim/loyalty.js';

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
  /** The full query string as sent (`?source=ALL&...`, empty when none). */
  search: string;
  status: number;
  /** Error and warning codes of the answer (8xxx), for tests and the local stack's inspection. */
  codes: number[];
  /** Order of arrival and of answer on one counter shared by every call: B followed A iff B.startSeq > A.endSeq. */
  startSeq: number;
  endSeq: number;
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
  /** Answers this instead, without performing the call (e.g. a warning the simulator does not produce itself). */
  | { kind: 'answer'; status: number; body: unknown }
);

export type SimFieldType = 'string' | 'number' | 'boolean' | 'date';
export interface SimFieldDefinition {
  name: string;
  type: SimFieldType;
}

/** The org-level settings a real org holds in Intouch; each one changes what the API accepts. */
export interface SimOrgConfig {
  /**
   * `documented`: `identifierName=cuid` on lookups is refused with 8013, as the published lookup enum says
   * (mobile, email, externalId, cardnumber, wechat, martjackId, fbId). `permissive`: answered, as the CIAM
   * integration page implies an org with OAUTH_EXTERNAL may do.
   */
  cuidLookup: 'documented' | 'permissive';
  /**
   * Share (0-1) of business-error answers (8xxx in `errors[]`) sent with HTTP 500 instead of 400/200:
   * "500: requests have failed due to errors" (status table). Drawn with the simulator's `random`.
   */
  businessErrorHttp500Share: number;
  /** 8090 "unable to create profile as instore profile doesn't exist": a new customer needs an INSTORE profile. */
  requireInstoreProfile: boolean;
  /** Custom `fields` the org has configured (others: 1017). */
  customFields: SimFieldDefinition[];
  /** Extended fields enabled for the org, with their types (others, empty or null values: 91015). */
  extendedFields: SimFieldDefinition[];
  /** Fixed delay (ms) before every API answer (token call included), for round-trip measurements. */
  latencyMs: number;
  /** Known accounts per multi-account source; when a source is listed, another accountId answers 8011. */
  sourceAccounts: Record<string, string[]>;
  /**
   * false (the default): the org has no default customer status label, so every customer created answers
   * warning 8107 "Default customer status label not set" beside its createdId, as the published success
   * example of add customer does (reference/v2-add-customer). true: no such warning.
   */
  defaultStatusLabel: boolean;
}

/** The demo org's fields (the local stack's demo brand lists the same ones). */
export const DEFAULT_ORG_FIELDS: Pick<SimOrgConfig, 'customFields' | 'extendedFields'> = {
  customFields: [
    { name: 'dateofbirth', type: 'string' },
    { name: 'gender', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'tier', type: 'string' },
  ],
  extendedFields: [
    { name: 'city', type: 'string' },
    { name: 'gender', type: 'string' },
    { name: 'dob_date', type: 'date' },
    { name: 'vip', type: 'boolean' },
  ],
};

export interface CapillarySimulatorOptions extends Partial<SimOrgConfig> {
  port?: number;
  /** OAuth API clients accepted by /v3/oauth/token/generate. */
  clients?: { key: string; secret: string }[];
  /** Till credentials accepted with Basic auth (password in clear; the client sends its md5). */
  tills?: { tillId: string; password: string }[];
  tokenTtlSeconds?: number;
  /** Seeded random for `rate` faults and the HTTP 500 share. */
  random?: () => number;
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

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

interface StatusItem {
  status: false;
  code: number;
  message: string;
}

const NOT_FOUND_MESSAGE = 'Customer not found for the given identifiers';

/** Sources of the "get customer id" lookup (get customer id, reference/customer-1) plus OAUTH_EXTERNAL, the CIAM integration's channel. */
const LOOKUP_SOURCES = new Set([
  'FACEBOOK',
  'WEB_ENGAGE',
  'WECHAT',
  'INSTORE',
  'MARTJACK',
  'TMALL',
  'TAOBAO',
  'JD',
  'ECOMMERCE',
  'WEBSITE',
  'LINE',
  'ALL',
  'OAUTH_EXTERNAL',
]);
/** `source` of "Get customer details (v2)" (reference/get-customer-details-v2). */
const GET_SOURCES = new Set(['INSTORE', 'MARTJACK', 'WECHAT', 'LINE', 'ALL']);
/** Profile sources of add customer (reference/v2-add-customer) plus OAUTH_EXTERNAL. */
const PROFILE_SOURCES = new Set([...LOOKUP_SOURCES].filter((source) => source !== 'ALL').concat('MOBILE_APP'));
/** `identifierName` of the lookup (get customer id, reference/customer-1); `cuid` only when `cuidLookup` is `permissive`. */
const LOOKUP_IDENTIFIERS = new Set(['mobile', 'email', 'externalId', 'cardnumber', 'wechat', 'martjackId', 'fbId']);
/** Sources with a single account (no accountId). */
const SINGLE_ACCOUNT_SOURCES = new Set(['INSTORE', 'ALL']);

function item(code: number, message: string): StatusItem {
  return { status: false, code, message };
}

function errorAnswer(status: number, code: number, message: string): Answer {
  return { status, body: { warnings: [], errors: [item(code, message)] } };
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

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function toIdentifiers(value: unknown): SimIdentifier[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((item) => ({ type: str(item.type), value: str(item.value) }));
}

function sameIdentifier(a: SimIdentifier, b: SimIdentifier): boolean {
  return a.type === b.type && a.value === b.value;
}

function fitsType(value: unknown, type: SimFieldType): boolean {
  if (type === 'number')
    return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value));
  if (type === 'boolean') return typeof value === 'boolean' || value === 'true' || value === 'false';
  if (type === 'date') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return typeof value === 'string';
}

function codesOf(body: unknown): number[] {
  if (!isRecord(body)) return [];
  return [body.errors, body.warnings]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .filter(isRecord)
    .map((entry) => Number(entry.code))
    .filter(Number.isFinite);
}

/** Starts the simulator on 127.0.0.1. */
export async function startCapillarySimulator(options: CapillarySimulatorOptions = {}): Promise<CapillarySimulator> {
  const clients = options.clients ?? [{ key: 'sim-key', secret: 'sim-secret' }];
  const tills = options.tills ?? [];
  const ttl = options.tokenTtlSeconds ?? 3600;
  const random = options.random ?? Math.random;
  const org: SimOrgConfig = {
    cuidLookup: options.cuidLookup ?? 'documented',
    businessErrorHttp500Share: options.businessErrorHttp500Share ?? 0,
    requireInstoreProfile: options.requireInstoreProfile ?? false,
    customFields: options.customFields ?? DEFAULT_ORG_FIELDS.customFields,
    extendedFields: options.extendedFields ?? DEFAULT_ORG_FIELDS.extendedFields,
    latencyMs: options.latencyMs ?? 0,
    sourceAccounts: options.sourceAccounts ?? {},
    defaultStatusLabel: options.defaultStatusLabel ?? false,
  };
  let nextId = 1000;
  let customers = new Map<number, SimCustomer>();
  /** Merged-away id -> the customer it was merged into. */
  let mergedInto = new Map<number, number>();
  const tokens = new Map<string, number>();
  let issued = 0;
  let faults: (SimFault & { used: number; seen: number })[] = [];
  const calls: SimCall[] = [];
  let seq = 0;
  const hanging = new Set<ServerResponse>();

  const sameAccount = (p: SimProfile, source: string, accountId: string) =>
    p.source === source && (SINGLE_ACCOUNT_SOURCES.has(source) || p.accountId === accountId);

  function holderInSource(source: string, accountId: string, identifier: SimIdentifier): SimCustomer | undefined {
    for (const customer of customers.values()) {
      for (const p of customer.profiles) {
        if (!sameAccount(p, source, accountId)) continue;
        if (p.identifiers.some((i) => sameIdentifier(i, identifier))) return customer;
      }
    }
    return undefined;
  }

  function holdersAnywhere(identifier: SimIdentifier): SimCustomer[] {
    return [...customers.values()].filter((customer) =>
      customer.profiles.some((p) => p.identifiers.some((i) => sameIdentifier(i, identifier))),
    );
  }

  /** Source/account checks shared by lookups and writes; undefined when they pass. */
  function checkAccount(source: string, accountId: string | undefined): Answer | undefined {
    if (SINGLE_ACCOUNT_SOURCES.has(source)) return undefined;
    // 8045 "account id is not passed" (lookup codes, reference/customer-1).
    if (!accountId) return errorAnswer(400, 8045, 'Account id is not passed');
    const known = org.sourceAccounts[source];
    // 8011 "invalid source account passed".
    if (known && !known.includes(accountId)) return errorAnswer(400, 8011, 'Invalid source account passed');
    return undefined;
  }

  function lookup(query: Record<string, string>): SimCustomer | Answer {
    const source = query.source ?? '';
    const name = query.identifierName ?? '';
    const value = query.identifierValue ?? '';
    // 8001 "lookup failed, no source passed"; 8003 "invalid source passed" (get customer id, reference/customer-1).
    if (!source) return errorAnswer(400, 8001, 'Lookup failed, no source passed');
    if (!LOOKUP_SOURCES.has(source)) return errorAnswer(400, 8003, 'Invalid source passed');
    const accountProblem = checkAccount(source, query.accountId);
    if (accountProblem) return accountProblem;
    // 8013 "invalid identifier passed": the documented identifierName enum has no cuid.
    const allowed = LOOKUP_IDENTIFIERS.has(name) || (name === 'cuid' && org.cuidLookup === 'permissive');
    if (!allowed || !value) return errorAnswer(400, 8013, 'Invalid identifier passed');
    const identifier = { type: name, value };
    const found =
      source === 'ALL' ? holdersAnywhere(identifier)[0] : holderInSource(source, query.accountId ?? '', identifier);
    // 8015 "customer not found for given identifiers", answered 200 with errors[] in the reference's example.
    return found ?? errorAnswer(200, 8015, NOT_FOUND_MESSAGE);
  }

  function toProfile(raw: Record<string, unknown>): SimProfile {
    return {
      source: str(raw.source),
      accountId: str(raw.accountId),
      firstName: str(raw.firstName).trim(),
      lastName: str(raw.lastName).trim(),
      identifiers: toIdentifiers(raw.identifiers),
      fields: isRecord(raw.fields) ? raw.fields : {},
      commChannels: Array.isArray(raw.commChannels) ? raw.commChannels.filter(isRecord) : [],
    };
  }

  /** Mobile (8014: base country / length rules) is an error; a bad e-mail is warning 8055 and is dropped. */
  function checkIdentifier(identifier: SimIdentifier): Answer | 'drop' | undefined {
    if (!identifier.type || !identifier.value) return errorAnswer(400, 8005, 'No valid identifiers');
    if (identifier.type === 'mobile' && !/^[1-9]\d{7,14}$/.test(identifier.value)) {
      return errorAnswer(400, 8014, 'Invalid mobile');
    }
    if (identifier.type === 'email' && (identifier.value.length > 255 || !/^[^@\s]+@[^@\s]+$/.test(identifier.value))) {
      return 'drop';
    }
    return undefined;
  }

  /** Custom fields must be configured for the org (1017); extended fields enabled, typed, not empty (91015). */
  function checkFields(fields: Record<string, unknown>, extendedFields: Record<string, unknown>): Answer | undefined {
    for (const [name, value] of Object.entries(fields)) {
      const definition = org.customFields.find((field) => field.name === name);
      if (!definition || !fitsType(value, definition.type)) {
        return errorAnswer(400, 1017, `Provided custom field is invalid: ${name}`);
      }
    }
    for (const [name, value] of Object.entries(extendedFields)) {
      const definition = org.extendedFields.find((field) => field.name === name);
      // CONF_REJECT_EMPTY_OR_NULL_EF_VALUES is on by default: empty or null values are refused.
      if (!definition || value === null || value === '' || !fitsType(value, definition.type)) {
        return errorAnswer(400, 91015, `Extended field is invalid: ${name}`);
      }
    }
    return undefined;
  }

  function live(id: number): SimCustomer | Answer {
    const customer = customers.get(id);
    if (customer) return customer;
    // 8069 "the customer is merged into another account" (reference/status-codes-customer).
    if (mergedInto.has(id)) return errorAnswer(400, 8069, 'The customer is merged into another account');
    return errorAnswer(400, 8015, NOT_FOUND_MESSAGE);
  }

  function merge(survivor: SimCustomer, merged: SimCustomer): void {
    survivor.profiles.push(...merged.profiles);
    survivor.extendedFields = { ...merged.extendedFields, ...survivor.extendedFields };
    customers.delete(merged.id);
    mergedInto.set(merged.id, survivor.id);
    for (const [from, to] of mergedInto) if (to === merged.id) mergedInto.set(from, survivor.id);
  }

  function addCustomer(body: unknown): Answer {
    // 8004 "no source".
    if (!isRecord(body) || !Array.isArray(body.profiles) || body.profiles.length === 0) {
      return errorAnswer(400, 8004, 'No source');
    }
    const profiles = body.profiles.filter(isRecord).map(toProfile);
    const warnings: StatusItem[] = [];
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = checkFields(Object.assign({}, ...profiles.map((p) => p.fields)), extendedFields);
    if (invalidFields) return invalidFields;
    let target: SimCustomer | undefined;
    let conflicting = false;
    for (const profile of profiles) {
      if (!profile.source) return errorAnswer(400, 8004, 'No source');
      // 3217 "source invalid" (add customer page).
      if (!PROFILE_SOURCES.has(profile.source)) return errorAnswer(400, 3217, 'Source is invalid');
      const accountProblem = checkAccount(profile.source, profile.accountId);
      if (accountProblem) return accountProblem;
      const kept: SimIdentifier[] = [];
      for (const identifier of profile.identifiers) {
        const problem = checkIdentifier(identifier);
        if (problem === 'drop') {
          // 8055 "invalid email id" is a warning: the identifier is left out.
          warnings.push(item(8055, 'Invalid email id'));
          continue;
        }
        if (problem) return problem;
        kept.push(identifier);
      }
      profile.identifiers = kept;
      // 8005 "no valid identifiers".
      if (kept.length === 0) return errorAnswer(400, 8005, 'No valid identifiers');
      for (const identifier of kept) {
        // 8006 "customer already exists for same source".
        if (holderInSource(profile.source, profile.accountId, identifier)) {
          return errorAnswer(400, 8006, 'Customer already exists for same source');
        }
        for (const other of holdersAnywhere(identifier)) {
          if (target && other.id !== target.id) conflicting = true;
          target ??= other;
        }
      }
      // 8008 "same source different profile for identifiers".
      if (target?.profiles.some((p) => sameAccount(p, profile.source, profile.accountId))) {
        return errorAnswer(400, 8008, 'Same source different profile for identifiers');
      }
    }
    if (target && !conflicting) {
      target.profiles.push(...profiles);
      Object.assign(target.extendedFields, extendedFields);
      // 8050 warning on the survivor: "Same Customer found in other sources,Combining".
      warnings.push(item(8050, 'Same Customer found in other sources,Combining'));
      return { status: 200, body: { createdId: target.id, warnings, sideEffects: [] } };
    }
    // 8052 is a warning: the identifiers point at several customers, so nothing is combined.
    if (conflicting) warnings.push(item(8052, 'Conflicting customers found, not combining'));
    if (org.requireInstoreProfile && !profiles.some((p) => p.source === 'INSTORE')) {
      // 8090 "unable to create profile as instore profile doesn't exist" (reference/status-codes-customer).
      return errorAnswer(400, 8090, "Unable to create profile as instore profile doesn't exist");
    }
    const loyaltyType = isRecord(body.loyaltyInfo) ? str(body.loyaltyInfo.loyaltyType) || 'loyalty' : 'loyalty';
    const customer: SimCustomer = { id: nextId++, profiles, extendedFields, loyaltyInfo: { loyaltyType } };
    customers.set(customer.id, customer);
    // 8107 "Default customer status label not set": a warning beside the createdId on orgs without one.
    if (!org.defaultStatusLabel) warnings.push(item(8107, 'Default customer status label not set'));
    return { status: 200, body: { createdId: customer.id, warnings, sideEffects: [] } };
  }

  function profileOf(customer: SimCustomer, query: Record<string, string>): SimProfile | Answer {
    const source = query.source ?? '';
    if (!source) return errorAnswer(400, 8004, 'No source');
    const accountProblem = checkAccount(source, query.accountId);
    if (accountProblem) return accountProblem;
    const profile = customer.profiles.find((p) => sameAccount(p, source, query.accountId ?? ''));
    // 8127 "invalid source or accountId".
    return profile ?? errorAnswer(400, 8127, 'Invalid source or accountId');
  }

  function updateCustomer(id: number, query: Record<string, string>, body: unknown): Answer {
    const customer = live(id);
    if ('body' in customer) return customer;
    const profile = profileOf(customer, query);
    if ('body' in profile) return profile;
    if (!isRecord(body)) return errorAnswer(400, 8004, 'Invalid body');
    const input = Array.isArray(body.profiles) && isRecord(body.profiles[0]) ? body.profiles[0] : {};
    if ('identifiers' in input) return errorAnswer(400, 8007, 'Identifiers cannot be updated here');
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = checkFields(isRecord(input.fields) ? input.fields : {}, extendedFields);
    if (invalidFields) return invalidFields;
    if (typeof input.firstName === 'string') profile.firstName = input.firstName.trim();
    if (typeof input.lastName === 'string') profile.lastName = input.lastName.trim();
    if (isRecord(input.fields)) Object.assign(profile.fields, input.fields);
    if (Array.isArray(input.commChannels)) profile.commChannels = input.commChannels.filter(isRecord);
    Object.assign(customer.extendedFields, extendedFields);
    return { status: 200, body: { createdId: customer.id, warnings: [], sideEffects: [] } };
  }

  /** changeIdentifier reports refusals as warnings 8070-8075 beside the createdId (reference/update-identifiersissue-card). */
  function changeIdentifier(id: number, query: Record<string, string>, body: unknown): Answer {
    const customer = live(id);
    if ('body' in customer) return customer;
    const profile = profileOf(customer, query);
    if ('body' in profile) return profile;
    const refused = (code: number, message: string): Answer => ({
      status: 200,
      body: { createdId: customer.id, warnings: [item(code, message)] },
    });
    const add = isRecord(body) ? toIdentifiers(body.add) : [];
    const remove = isRecord(body) ? toIdentifiers(body.remove) : [];
    const removable = remove.every((r) => profile.identifiers.some((i) => sameIdentifier(i, r)));
    // 8070 "no valid change identifiers detected".
    if ((add.length === 0 && remove.length === 0) || !removable)
      return refused(8070, 'No valid change identifiers detected');
    // Validate everything first: a refused change leaves the customer untouched.
    const toMerge = new Map<number, SimCustomer>();
    for (const identifier of add) {
      const problem = checkIdentifier(identifier);
      if (problem === 'drop') return refused(8070, 'No valid change identifiers detected');
      if (problem) return problem;
      const sameSource = holderInSource(profile.source, profile.accountId, identifier);
      if (sameSource && sameSource.id !== id) {
        // 8071/8072/8073 "mobile / email / external id already attached".
        if (identifier.type === 'mobile') return refused(8071, 'Mobile already attached to another customer');
        if (identifier.type === 'email') return refused(8072, 'Email already attached to another customer');
        if (identifier.type === 'externalId') return refused(8073, 'External id already attached to another customer');
        return refused(8074, 'Change failed, identifier found in multiple sources and user ids');
      }
      for (const other of holdersAnywhere(identifier)) if (other.id !== id) toMerge.set(other.id, other);
    }
    const clash = [...toMerge.values()].some((other) =>
      other.profiles.some((p) => customer.profiles.some((q) => sameAccount(q, p.source, p.accountId))),
    );
    // 8074 "change failed, identifier found in multiple sources and user ids".
    if (toMerge.size > 1 || clash)
      return refused(8074, 'Change failed, identifier found in multiple sources and user ids');
    profile.identifiers = profile.identifiers.filter((i) => !remove.some((r) => sameIdentifier(r, i)));
    for (const identifier of add) {
      if (!profile.identifiers.some((i) => sameIdentifier(i, identifier))) profile.identifiers.push(identifier);
    }
    // Adding an identifier another source holds merges the two customers: the existing holder survives, the
    // changed customer is merged into it and answers 8069 from then on (reference/update-identifiersissue-card).
    const survivor = [...toMerge.values()][0];
    if (survivor) {
      merge(survivor, customer);
      return {
        status: 200,
        body: { createdId: survivor.id, warnings: [item(8050, 'Same Customer found in other sources,Combining')] },
      };
    }
    return { status: 200, body: { createdId: customer.id, warnings: [] } };
  }

  function getCustomer(id: number, query: Record<string, string>): Answer {
    const source = query.source ?? '';
    // 8016 "GET failed, no source passed" (reference/get-customer-details-v2).
    if (!source) return errorAnswer(400, 8016, 'GET failed, no source passed');
    if (!GET_SOURCES.has(source)) return errorAnswer(400, 8003, 'Invalid source passed');
    // 8091 "GET failed, no account id passed" for a multi-account source.
    if (!SINGLE_ACCOUNT_SOURCES.has(source) && !query.accountId) {
      return errorAnswer(400, 8091, 'GET failed, no account id passed');
    }
    const customer = live(id);
    if ('body' in customer) return customer;
    // source=ALL fetches every profile, each with its source and accountId; another source only its own.
    const profiles =
      source === 'ALL'
        ? customer.profiles
        : customer.profiles.filter((p) => sameAccount(p, source, query.accountId ?? ''));
    return { status: 200, body: { ...clone(customer), profiles: clone(profiles), warnings: [] } };
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

  // Endpoint families beyond the v2 customer API (local/capillary-sim/): asked first for every call.
  const core: SimCore = {
    live,
    getCustomer,
    holders: holdersAnywhere,
    now: () => Date.now(),
    random,
  };
  const loyalty = createLoyaltySimulation(core, options.loyalty);
  const extensions: SimExtension[] = [loyalty.extension];

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
        authorized: authorized(req),
      });
      if (answer) return answer;
    }
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
      if ('body' in found) return found;
      if (path.endsWith('/customerDetails')) return { status: 200, body: { ...clone(found), warnings: [] } };
      return { status: 200, body: { entity: found.id, warnings: [] } };
    }
    if (method === 'POST' && path === '/v2/customers') return addCustomer(body);
    const byId = /^\/v2\/customers\/(\d+)(\/changeIdentifier)?$/.exec(path);
    if (byId) {
      const id = Number(byId[1]);
      if (method === 'GET' && !byId[2]) return getCustomer(id, query);
      if (method === 'PUT' && !byId[2]) return updateCustomer(id, query, body);
      if (method === 'POST' && byId[2]) return changeIdentifier(id, query, body);
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
    if (method === 'GET' && path === '/__sim/config') return reply(200, org);
    const body = method === 'GET' || method === 'DELETE' ? undefined : await readBody(req).catch(() => undefined);
    if (method === 'POST' && path === '/__sim/customers' && isRecord(body) && Array.isArray(body.profiles)) {
      return reply(201, api.seedCustomer({ profiles: body.profiles.filter(isRecord).map(toProfile) }));
    }
    if (method === 'POST' && path === '/__sim/config' && isRecord(body)) {
      api.configure(body as Partial<SimOrgConfig>);
      return reply(200, org);
    }
    if (method === 'POST' && path === '/__sim/merge' && isRecord(body)) {
      api.mergeCustomers(Number(body.survivorId), Number(body.mergedId));
      return reply(200, {});
    }
    if (method === 'POST' && path === '/__sim/faults' && isRecord(body) && typeof body.kind === 'string') {
      faults.push({ ...(body as SimFault), used: 0, seen: 0 });
      return reply(201, { faults: faults.length });
    }
    if (method === 'DELETE' && path === '/__sim/faults') {
      faults = [];
      return reply(200, { faults: 0 });
    }
    if (method === 'DELETE' && path === '/__sim/calls') {
      calls.length = 0;
      return reply(200, { count: 0 });
    }
    if (method === 'POST' && path === '/__sim/reset') {
      api.reset();
      return reply(200, {});
    }
    for (const extension of extensions) {
      const answer = extension.control(method, path, body);
      if (answer) return reply(answer.status, answer.body);
    }
    return reply(404, { error: 'unknown simulator control route' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (url.pathname.startsWith('/__sim/')) return control(req, res, url.pathname);
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
    const fault = takeFault(`${call.method} ${call.path}`);
    if (fault?.kind === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      req.resume();
      return;
    }
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
    mergeCustomers: (survivorId, mergedId) => {
      const survivor = customers.get(survivorId);
      const merged = customers.get(mergedId);
      if (!survivor || !merged || survivor === merged) throw new Error('mergeCustomers needs two live customers');
      merge(survivor, merged);
    },
    calls,
    callCount: (match) =>
      match === undefined ? calls.length : calls.filter((c) => `${c.method} ${c.path}`.includes(match)).length,
    config: () => clone(org),
    configure: (change) => {
      if (change.cuidLookup === 'documented' || change.cuidLookup === 'permissive') org.cuidLookup = change.cuidLookup;
      if (typeof change.businessErrorHttp500Share === 'number') {
        org.businessErrorHttp500Share = Math.min(1, Math.max(0, change.businessErrorHttp500Share));
      }
      if (typeof change.requireInstoreProfile === 'boolean') org.requireInstoreProfile = change.requireInstoreProfile;
      if (typeof change.latencyMs === 'number' && change.latencyMs >= 0) org.latencyMs = change.latencyMs;
      if (Array.isArray(change.customFields)) org.customFields = clone(change.customFields);
      if (Array.isArray(change.extendedFields)) org.extendedFields = clone(change.extendedFields);
      if (isRecord(change.sourceAccounts)) org.sourceAccounts = clone(change.sourceAccounts);
      if (typeof change.defaultStatusLabel === 'boolean') org.defaultStatusLabel = change.defaultStatusLabel;
    },
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
      mergedInto = new Map();
      faults = [];
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
