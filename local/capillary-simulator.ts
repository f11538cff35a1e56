// A Capillary v2 customer API simulator on loopback for tests and the local stack, as strict as the published
// reference (each rule names the documented code it follows, from docs.capillarytech.com/reference): the OAuth token
// endpoint, lookup, customerDetails, add, get, update and changeIdentifier with per-source profiles,
// identifier uniqueness per source+account, Capillary's envelope and codes, X-Cap-Requestid on every
// answer, fault injection and an inspection API. Codes come from per-family tables (capillary-sim/codes.ts);
// where the reference is silent or contradicts itself, every reading is a switch (capillary-sim/readings.ts).
// Never deploy it.
import { sleep } from '../shared/lang/sleep.js';
import { isRecord } from '../shared/lang/is-record.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { readJsonBody } from './http/read-body.js';
import { PII_DELETED_MESSAGE } from '../shared/capillary/capillary-codes.js';
import { CustomerV2, type SimCode } from './capillary-sim/codes.js';
import { canonicalMobile } from './capillary-sim/mobiles.js';
import { SimRateLimits, simApiOf } from './capillary-sim/rate-limits.js';
import type { SimCore, SimExtension } from './capillary-sim/extension.js';
import { createLoyaltySimulation, type LoyaltySimOptions, type LoyaltySimulator } from './capillary-sim/loyalty.js';

import { SimReadings } from './capillary-sim/readings.js';

export { simReadingDefaults } from './capillary-sim/readings.js';

interface SimIdentifier {
  type: string;
  value: string;
}

interface SimProfile {
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
type SimFault = {
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
  /**
   * Holds each matching call until `count` of them have arrived, then answers them all normally: calls sent
   * together overlap at the simulator whatever the machine's load (a latency only makes that likely).
   */
  | { kind: 'together' }
  /** Performs the call, then answers 500 anyway (a crash after the write). */
  | { kind: 'fail-after-write' }
  /** Answers this instead, without performing the call (e.g. a warning the simulator does not produce itself). */
  | { kind: 'answer'; status: number; body: unknown }
);

type SimFieldType = 'string' | 'number' | 'boolean' | 'date';
interface SimFieldDefinition {
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
  /** How a get of (or a write to) a merged-away id answers: 8069 error, survivor + 8069 warning, survivor alone. */
  mergedCustomer: 'error' | 'warning' | 'silent';
  /** Dual eligibility: secondary identifiers may be shared, and a lookup by one of them alone answers 8015. */
  dualEligibility: boolean;
  /** CONF_REGISTRATION_PRIMARY_KEY (matters with dual eligibility). */
  primaryIdentifier: 'mobile' | 'email' | 'externalId';
  /** Which holder `source=ALL` answers when several customers hold one identifier (undocumented). */
  allSourceMatch: 'first' | 'last';
  /** 8015 everywhere, or 8065 for a one-source lookup and 816 for an unknown id. */
  notFoundCodes: 'uniform' | 'per-source';
  /** A write with an account not in `sourceAccounts`: 8127, or accepted. */
  unknownAccountWrites: 'refused' | 'accepted';
  /** An expired or unknown token: HTTP 401, or code 401 in `errors[]` of an HTTP 500. */
  expiredTokenAnswer: 'http401' | 'envelope401';
  /** Calls per minute per API (`METHOD /path` with `{id}`, or `*`) and per API key; over it: HTTP 429. */
  rateLimits: Record<string, number>;
  /** The throttled answer: 429 with Retry-After, or without. */
  throttleAnswer: 'retry-after' | 'bare';
  /** The org's base country (ISO 3166-1 alpha-2). */
  baseCountry: string;
  /** Mobiles compared as sent, or national numbers completed with the base country. */
  mobileMatch: 'as-sent' | 'base-country';
  /** Digits of a national mobile number in the base country (the org's mobile length rule). */
  nationalMobileLength: number;
  /** A read of a PII-erased customer: a bare `message`, or an `errors[]` item (8015) with that message. */
  piiDeletedAnswer: 'message' | 'error';
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

/** An answer with one documented code of a family table (capillary-sim/codes.ts). */
function fail(status: number, code: SimCode, message: string = code.message): Answer {
  return errorAnswer(status, code.code, message);
}

function md5Hex(value: string): string {
  return createHash('md5').update(value, 'utf8').digest('hex');
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The simulator's body cap; a larger or malformed body reads as invalid JSON. */
const MAX_BODY_BYTES = 1_000_000;

function readBody(req: IncomingMessage): Promise<unknown> {
  return readJsonBody(req, MAX_BODY_BYTES);
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
    mergedCustomer: options.mergedCustomer ?? 'error',
    dualEligibility: options.dualEligibility ?? false,
    primaryIdentifier: options.primaryIdentifier ?? 'mobile',
    allSourceMatch: options.allSourceMatch ?? 'first',
    notFoundCodes: options.notFoundCodes ?? 'uniform',
    unknownAccountWrites: options.unknownAccountWrites ?? 'refused',
    expiredTokenAnswer: options.expiredTokenAnswer ?? 'http401',
    rateLimits: options.rateLimits ?? {},
    throttleAnswer: options.throttleAnswer ?? 'retry-after',
    baseCountry: options.baseCountry ?? 'IN',
    mobileMatch: options.mobileMatch ?? 'as-sent',
    nationalMobileLength: options.nationalMobileLength ?? 10,
    piiDeletedAnswer: options.piiDeletedAnswer ?? 'message',
  };
  let nextId = 1000;
  let customers = new Map<number, SimCustomer>();
  /** Merged-away id -> the customer it was merged into. */
  let mergedInto = new Map<number, number>();
  /** Ids erased by a PII deletion, and the identifiers they held (a new add of one answers 8026). */
  let erased = new Set<number>();
  let erasedIdentifiers: SimIdentifier[] = [];
  const throttle = new SimRateLimits();
  const tokens = new Map<string, { expiresAt: number; key: string }>();
  let issued = 0;
  let faults: (SimFault & { used: number; seen: number })[] = [];
  const calls: SimCall[] = [];
  let seq = 0;
  const hanging = new Set<ServerResponse>();
  /** The calls a `together` fault holds, released all at once when its `count` have arrived. */
  const gathering = new Map<SimFault, (() => void)[]>();
  function gathered(fault: SimFault): Promise<void> {
    const waiting = gathering.get(fault) ?? [];
    gathering.set(fault, waiting);
    return new Promise((release) => {
      waiting.push(release);
      if (waiting.length >= (fault.count ?? 1)) for (const go of waiting.splice(0)) go();
    });
  }

  const sameAccount = (p: SimProfile, source: string, accountId: string) =>
    p.source === source && (SINGLE_ACCOUNT_SOURCES.has(source) || p.accountId === accountId);

  /**
   * A secondary identifier of a dual-eligibility org: several customers may hold it, it never merges them, and
   * a lookup by it alone finds nobody (reference/get-customer-details, "Using Multiple Identifiers"). The cuid
   * is the OAUTH_EXTERNAL profile's key, not a customer identifier of the registration configuration.
   */
  function isShareable(identifier: SimIdentifier): boolean {
    return org.dualEligibility && identifier.type !== org.primaryIdentifier && identifier.type !== 'cuid';
  }

  /** The org's spelling of an identifier (mobiles per `mobileMatch`). */
  function canonical(identifier: SimIdentifier): SimIdentifier {
    if (identifier.type !== 'mobile') return identifier;
    const value = canonicalMobile(identifier.value, org.mobileMatch, org.baseCountry, org.nationalMobileLength);
    return { type: 'mobile', value };
  }

  function holderInSource(source: string, accountId: string, identifier: SimIdentifier): SimCustomer | undefined {
    if (isShareable(identifier)) return undefined;
    for (const customer of customers.values()) {
      for (const p of customer.profiles) {
        if (!sameAccount(p, source, accountId)) continue;
        if (p.identifiers.some((i) => sameIdentifier(i, identifier))) return customer;
      }
    }
    return undefined;
  }

  /** Every customer holding the identifier on any source, oldest first (none for a dual org's secondary one). */
  function holdersAnywhere(identifier: SimIdentifier): SimCustomer[] {
    if (isShareable(identifier)) return [];
    return [...customers.values()].filter((customer) =>
      customer.profiles.some((p) => p.identifiers.some((i) => sameIdentifier(i, identifier))),
    );
  }

  /** Source/account checks shared by lookups and writes; undefined when they pass. */
  function checkAccount(source: string, accountId: string | undefined, use: 'lookup' | 'write'): Answer | undefined {
    if (SINGLE_ACCOUNT_SOURCES.has(source)) return undefined;
    // 8045 "account id is not passed" (lookup codes, reference/customer-1).
    if (!accountId) return fail(400, CustomerV2.ACCOUNT_ID_MISSING);
    const known = org.sourceAccounts[source];
    if (!known || known.includes(accountId)) return undefined;
    // 8011 "invalid source account passed" on lookups; on writes 8127 "invalid source or accountId passed",
    // unless the org takes unknown accounts on writes (the `unknownAccountWrites` reading).
    if (use === 'lookup') return fail(400, CustomerV2.INVALID_SOURCE_ACCOUNT);
    return org.unknownAccountWrites === 'refused' ? fail(400, CustomerV2.INVALID_SOURCE_OR_ACCOUNT) : undefined;
  }

  /** "Not found" in the org's reading: 8015, or 8065 for a lookup on one source (`notFoundCodes: per-source`). */
  function notFound(scope: 'all' | 'source' | 'id'): Answer {
    if (org.notFoundCodes === 'per-source' && scope === 'source') return fail(200, CustomerV2.NOT_FOUND_IN_SOURCE);
    if (org.notFoundCodes === 'per-source' && scope === 'id') return fail(400, CustomerV2.NOT_FOUND_FOR_ORG);
    // 8015, answered 200 with errors[] in the reference's lookup example.
    return fail(scope === 'id' ? 400 : 200, CustomerV2.NOT_FOUND);
  }

  function lookup(query: Record<string, string>): SimCustomer | Answer {
    const source = query.source ?? '';
    // 8001 "lookup failed, no source passed"; 8003 "invalid source passed" (get customer id, reference/customer-1).
    if (!source) return fail(400, CustomerV2.LOOKUP_NO_SOURCE);
    if (!LOOKUP_SOURCES.has(source)) return fail(400, CustomerV2.INVALID_SOURCE);
    const accountProblem = checkAccount(source, query.accountId, 'lookup');
    if (accountProblem) return accountProblem;
    const names = (query.identifierName ?? '').split(',');
    const values = (query.identifierValue ?? '').split(',');
    // Several comma-separated pairs are accepted with dual eligibility only; the primary one is looked up
    // (reference/get-customer-details, "Using Multiple Identifiers").
    if (names.length !== values.length || (names.length > 1 && !org.dualEligibility)) {
      return fail(400, CustomerV2.INVALID_IDENTIFIER);
    }
    const pairs = names.map((name, i) => ({ type: name, value: values[i] ?? '' }));
    // 8013 "invalid identifier passed": the documented identifierName enum has no cuid.
    for (const { type, value } of pairs) {
      const allowed = LOOKUP_IDENTIFIERS.has(type) || (type === 'cuid' && org.cuidLookup === 'permissive');
      if (!allowed || !value) return fail(400, CustomerV2.INVALID_IDENTIFIER);
    }
    const pair = pairs.length > 1 ? pairs.find((p) => p.type === org.primaryIdentifier) : pairs[0];
    const scope = source === 'ALL' ? 'all' : 'source';
    // "If you provide only one identifier that is not the primary identifier, the system will return an error,
    // 8015" (dual eligibility); the same when none of several pairs is the primary one.
    if (!pair || isShareable(pair)) return notFound(scope);
    const identifier = canonical(pair);
    if (source !== 'ALL') return holderInSource(source, query.accountId ?? '', identifier) ?? notFound(scope);
    const holders = holdersAnywhere(identifier);
    // Several holders (identifiers are unique per source or account only): which one ALL answers is undocumented.
    return (org.allSourceMatch === 'last' ? holders.at(-1) : holders[0]) ?? notFound(scope);
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
    if (!identifier.type || !identifier.value) return fail(400, CustomerV2.NO_VALID_IDENTIFIERS);
    if (identifier.type === 'mobile' && !/^[1-9]\d{7,14}$/.test(identifier.value)) {
      return fail(400, CustomerV2.INVALID_MOBILE);
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
        return fail(400, CustomerV2.INVALID_CUSTOM_FIELD, `Provided custom field is invalid: ${name}`);
      }
    }
    for (const [name, value] of Object.entries(extendedFields)) {
      const definition = org.extendedFields.find((field) => field.name === name);
      // CONF_REJECT_EMPTY_OR_NULL_EF_VALUES is on by default: empty or null values are refused.
      if (!definition || value === null || value === '' || !fitsType(value, definition.type)) {
        return fail(400, CustomerV2.INVALID_EXTENDED_FIELD, `Extended field is invalid: ${name}`);
      }
    }
    return undefined;
  }

  /**
   * The customer an id names now: itself; for a merged-away id the survivor (with the 8069 warning in the
   * `warning` reading) or the 8069 error (`error` reading, the older status-code page); an erased id answers
   * the PII-deleted message; an unknown id "not found".
   */
  function live(id: number): { customer: SimCustomer; warnings: StatusItem[] } | Answer {
    const customer = customers.get(id);
    if (customer) return { customer, warnings: [] };
    const survivorId = mergedInto.get(id);
    const survivor = survivorId === undefined ? undefined : customers.get(survivorId);
    if (survivor) {
      if (org.mergedCustomer === 'error') return fail(400, CustomerV2.MERGED);
      const warnings =
        org.mergedCustomer === 'warning' ? [item(CustomerV2.MERGED_FOUND.code, CustomerV2.MERGED_FOUND.message)] : [];
      return { customer: survivor, warnings };
    }
    if (erased.has(id)) {
      // "If you attempt to retrieve data of any deleted customer after a successful PII deletion, you will
      // receive the following response: "message": "Customer is deleted after PII delete request"".
      if (org.piiDeletedAnswer === 'message') return { status: 200, body: { message: PII_DELETED_MESSAGE } };
      return fail(400, CustomerV2.NOT_FOUND, PII_DELETED_MESSAGE);
    }
    return notFound('id');
  }

  function merge(survivor: SimCustomer, merged: SimCustomer): void {
    survivor.profiles.push(...merged.profiles);
    survivor.extendedFields = { ...merged.extendedFields, ...survivor.extendedFields };
    customers.delete(merged.id);
    mergedInto.set(merged.id, survivor.id);
    for (const [from, to] of mergedInto) if (to === merged.id) mergedInto.set(from, survivor.id);
  }

  /** Whether an identifier was held by a customer erased on a PII deletion request. */
  function wasErased(identifier: SimIdentifier): boolean {
    return identifier.type !== 'cuid' && erasedIdentifiers.some((i) => sameIdentifier(i, identifier));
  }

  function addCustomer(body: unknown): Answer {
    // 8004 "no source".
    if (!isRecord(body) || !Array.isArray(body.profiles) || body.profiles.length === 0) {
      return fail(400, CustomerV2.NO_SOURCE);
    }
    const profiles = body.profiles.filter(isRecord).map(toProfile);
    const warnings: StatusItem[] = [];
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = checkFields(Object.assign({}, ...profiles.map((p) => p.fields)), extendedFields);
    if (invalidFields) return invalidFields;
    let target: SimCustomer | undefined;
    let conflicting = false;
    for (const profile of profiles) {
      if (!profile.source) return fail(400, CustomerV2.NO_SOURCE);
      // 3217 "source invalid" (add customer page).
      if (!PROFILE_SOURCES.has(profile.source)) return fail(400, CustomerV2.SOURCE_INVALID);
      const accountProblem = checkAccount(profile.source, profile.accountId, 'write');
      if (accountProblem) return accountProblem;
      const kept: SimIdentifier[] = [];
      for (const identifier of profile.identifiers) {
        const problem = checkIdentifier(identifier);
        if (problem === 'drop') {
          // 8055 "invalid email id" is a warning: the identifier is left out.
          warnings.push(item(CustomerV2.INVALID_EMAIL.code, CustomerV2.INVALID_EMAIL.message));
          continue;
        }
        if (problem) return problem;
        kept.push(canonical(identifier));
      }
      profile.identifiers = kept;
      // 8005 "no valid identifiers".
      if (kept.length === 0) return fail(400, CustomerV2.NO_VALID_IDENTIFIERS);
      for (const identifier of kept) {
        // 8026 "same customer was deleted for PII feature, could not add".
        if (wasErased(identifier)) return fail(400, CustomerV2.PII_DELETED_ADD);
        // 8006 "customer already exists for same source".
        if (holderInSource(profile.source, profile.accountId, identifier)) {
          return fail(400, CustomerV2.EXISTS_IN_SOURCE);
        }
        for (const other of holdersAnywhere(identifier)) {
          if (target && other.id !== target.id) conflicting = true;
          target ??= other;
        }
      }
      // 8008 "same source different profile for identifiers".
      if (target?.profiles.some((p) => sameAccount(p, profile.source, profile.accountId))) {
        return fail(400, CustomerV2.SAME_SOURCE_OTHER_PROFILE);
      }
    }
    if (target && !conflicting) {
      target.profiles.push(...profiles);
      Object.assign(target.extendedFields, extendedFields);
      // 8050 warning on the survivor: "Same Customer found in other sources,Combining".
      warnings.push(item(CustomerV2.MERGED_COMBINING.code, CustomerV2.MERGED_COMBINING.message));
      return { status: 200, body: { createdId: target.id, warnings, sideEffects: [] } };
    }
    // 8052 is a warning: the identifiers point at several customers, so nothing is combined.
    if (conflicting)
      warnings.push(item(CustomerV2.CONFLICTING_CUSTOMERS.code, CustomerV2.CONFLICTING_CUSTOMERS.message));
    if (org.requireInstoreProfile && !profiles.some((p) => p.source === 'INSTORE')) {
      // 8090 "unable to create profile as instore profile doesn't exist" (reference/status-codes-customer).
      return fail(400, CustomerV2.INSTORE_REQUIRED);
    }
    const loyaltyType = isRecord(body.loyaltyInfo) ? str(body.loyaltyInfo.loyaltyType) || 'loyalty' : 'loyalty';
    const customer: SimCustomer = { id: nextId++, profiles, extendedFields, loyaltyInfo: { loyaltyType } };
    customers.set(customer.id, customer);
    // 8107 "Default customer status label not set": a warning beside the createdId on orgs without one.
    if (!org.defaultStatusLabel) {
      warnings.push(item(CustomerV2.DEFAULT_STATUS_LABEL.code, CustomerV2.DEFAULT_STATUS_LABEL.message));
    }
    return { status: 200, body: { createdId: customer.id, warnings, sideEffects: [] } };
  }

  function profileOf(customer: SimCustomer, query: Record<string, string>): SimProfile | Answer {
    const source = query.source ?? '';
    if (!source) return fail(400, CustomerV2.NO_SOURCE);
    const accountProblem = checkAccount(source, query.accountId, 'write');
    if (accountProblem) return accountProblem;
    const profile = customer.profiles.find((p) => sameAccount(p, source, query.accountId ?? ''));
    // 8127 "invalid source or accountId".
    return profile ?? fail(400, CustomerV2.INVALID_SOURCE_OR_ACCOUNT);
  }

  /** The answer of a write to `target`, with the merged-customer warning when the id asked for was merged away. */
  function written(target: { customer: SimCustomer; warnings: StatusItem[] }, warnings: StatusItem[] = []): Answer {
    return {
      status: 200,
      body: { createdId: target.customer.id, warnings: [...target.warnings, ...warnings], sideEffects: [] },
    };
  }

  function updateCustomer(id: number, query: Record<string, string>, body: unknown): Answer {
    const target = live(id);
    if ('body' in target) return target;
    const { customer } = target;
    const profile = profileOf(customer, query);
    if ('body' in profile) return profile;
    if (!isRecord(body)) return fail(400, CustomerV2.NO_SOURCE, 'Invalid body');
    const input = Array.isArray(body.profiles) && isRecord(body.profiles[0]) ? body.profiles[0] : {};
    if ('identifiers' in input)
      return fail(400, CustomerV2.UPDATE_EXISTS_IN_SOURCE, 'Identifiers cannot be updated here');
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = checkFields(isRecord(input.fields) ? input.fields : {}, extendedFields);
    if (invalidFields) return invalidFields;
    if (typeof input.firstName === 'string') profile.firstName = input.firstName.trim();
    if (typeof input.lastName === 'string') profile.lastName = input.lastName.trim();
    if (isRecord(input.fields)) Object.assign(profile.fields, input.fields);
    if (Array.isArray(input.commChannels)) profile.commChannels = input.commChannels.filter(isRecord);
    Object.assign(customer.extendedFields, extendedFields);
    return written(target);
  }

  /** changeIdentifier reports refusals as warnings 8070-8075 beside the createdId (reference/update-identifiersissue-card). */
  function changeIdentifier(id: number, query: Record<string, string>, body: unknown): Answer {
    const target = live(id);
    if ('body' in target) return target;
    const { customer } = target;
    const profile = profileOf(customer, query);
    if ('body' in profile) return profile;
    const refused = (code: SimCode): Answer => ({
      status: 200,
      body: { createdId: customer.id, warnings: [...target.warnings, item(code.code, code.message)] },
    });
    const add = isRecord(body) ? toIdentifiers(body.add).map(canonical) : [];
    const remove = isRecord(body) ? toIdentifiers(body.remove).map(canonical) : [];
    const removable = remove.every((r) => profile.identifiers.some((i) => sameIdentifier(i, r)));
    // 8070 "no valid change identifiers detected" (nothing to do: the change may already be in place).
    const noop = add.every((a) => profile.identifiers.some((i) => sameIdentifier(i, a))) && remove.length === 0;
    if ((add.length === 0 && remove.length === 0) || !removable || noop) return refused(CustomerV2.NO_VALID_CHANGE);
    // Validate everything first: a refused change leaves the customer untouched.
    const toMerge = new Map<number, SimCustomer>();
    for (const identifier of add) {
      const problem = checkIdentifier(identifier);
      if (problem === 'drop') return refused(CustomerV2.NO_VALID_CHANGE);
      if (problem) return problem;
      const sameSource = holderInSource(profile.source, profile.accountId, identifier);
      if (sameSource && sameSource.id !== customer.id) {
        // 8071/8072/8073 "mobile / email / external id already attached".
        if (identifier.type === 'mobile') return refused(CustomerV2.MOBILE_ATTACHED);
        if (identifier.type === 'email') return refused(CustomerV2.EMAIL_ATTACHED);
        if (identifier.type === 'externalId') return refused(CustomerV2.EXTERNAL_ID_ATTACHED);
        return refused(CustomerV2.IN_MULTIPLE_CUSTOMERS);
      }
      for (const other of holdersAnywhere(identifier)) if (other.id !== customer.id) toMerge.set(other.id, other);
    }
    const clash = [...toMerge.values()].some((other) =>
      other.profiles.some((p) => customer.profiles.some((q) => sameAccount(q, p.source, p.accountId))),
    );
    // 8074 "change failed, identifier found in multiple sources and user ids".
    if (toMerge.size > 1 || clash) return refused(CustomerV2.IN_MULTIPLE_CUSTOMERS);
    profile.identifiers = profile.identifiers.filter((i) => !remove.some((r) => sameIdentifier(r, i)));
    for (const identifier of add) {
      if (!profile.identifiers.some((i) => sameIdentifier(i, identifier))) profile.identifiers.push(identifier);
    }
    // Adding an identifier another source holds merges the two customers: the existing holder survives, the
    // changed customer is merged into it and answers 8069 from then on (reference/update-identifiersissue-card).
    const survivor = [...toMerge.values()][0];
    if (survivor) {
      merge(survivor, customer);
      return written({ customer: survivor, warnings: target.warnings }, [
        item(CustomerV2.MERGED_COMBINING.code, CustomerV2.MERGED_COMBINING.message),
      ]);
    }
    return written(target);
  }

  function getCustomer(id: number, query: Record<string, string>): Answer {
    const source = query.source ?? '';
    // 8016 "GET failed, no source passed" (reference/get-customer-details-v2).
    if (!source) return fail(400, CustomerV2.GET_NO_SOURCE);
    if (!GET_SOURCES.has(source)) return fail(400, CustomerV2.INVALID_SOURCE);
    // 8091 "GET failed, no account id passed" for a multi-account source.
    if (!SINGLE_ACCOUNT_SOURCES.has(source) && !query.accountId) return fail(400, CustomerV2.GET_NO_ACCOUNT);
    const target = live(id);
    if ('body' in target) return target;
    const { customer } = target;
    // source=ALL fetches every profile, each with its source and accountId; another source only its own.
    const profiles =
      source === 'ALL'
        ? customer.profiles
        : customer.profiles.filter((p) => sameAccount(p, source, query.accountId ?? ''));
    return { status: 200, body: { ...clone(customer), profiles: clone(profiles), warnings: target.warnings } };
  }

  /**
   * "Get org extended fields" (reference/get-org-extended-fields): the extended fields enabled for the org, grouped by
   * entity type, each with its name and Capillary data type.
   */
  function extendedFieldsOfOrg(): Answer {
    const dataTypes: Record<SimFieldType, string> = {
      string: 'STRING',
      number: 'DOUBLE',
      boolean: 'BOOLEAN',
      date: 'DATETIME',
    };
    const customer = org.extendedFields.map((field, index) => ({
      id: index + 1,
      name: field.name,
      label: field.name,
      entityType: 'CUSTOMER',
      dataType: dataTypes[field.type],
    }));
    return { status: 200, body: { entity: { CUSTOMER: customer }, warnings: [], errors: [], success: true } };
  }

  /** The API key or till a request authenticates as (rate limits count per API key), or undefined. */
  function caller(req: IncomingMessage): string | undefined {
    const token = req.headers['x-cap-api-oauth-token'];
    if (typeof token === 'string') {
      const issued = tokens.get(token);
      return issued !== undefined && issued.expiresAt > Date.now() ? `key:${issued.key}` : undefined;
    }
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!basic) return undefined;
    const [tillId, hash] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    return tills.some((t) => t.tillId === tillId && md5Hex(t.password) === hash) ? `till:${tillId}` : undefined;
  }

  /** An expired or unknown token: "401 Authentication failed" as HTTP 401, or in the body of an HTTP 500. */
  function unauthenticated(): Answer {
    return fail(org.expiredTokenAnswer === 'http401' ? 401 : 500, CustomerV2.AUTH_FAILED);
  }

  // Endpoint families beyond the v2 customer API (local/capillary-sim/): asked first for every call.
  const core: SimCore = {
    // The families read the customer an id names now: a merged-away id is the survivor's under the readings that
    // answer it (its v2 warning is the customer API's), else the same 8069 / 8015 answer.
    live: (id) => {
      const found = live(id);
      return 'customer' in found ? found.customer : found;
    },
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
        authorized: caller(req) !== undefined,
      });
      if (answer) return answer;
    }
    if (method === 'POST' && path === '/v3/oauth/token/generate') {
      const ok = isRecord(body) && clients.some((c) => c.key === body.key && c.secret === body.secret);
      if (!ok) return { status: 401, body: { data: null, errors: [{ code: 1001, message: 'Invalid key or secret' }] } };
      const key = String(body.key);
      const throttled = throttled429(`key:${key}`, method, path);
      if (throttled) return throttled;
      const accessToken = randomBytes(24).toString('base64url');
      tokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, key });
      issued++;
      return { status: 200, body: { data: { accessToken, ttlSeconds: ttl }, errors: null } };
    }
    if (!path.startsWith('/v2/')) return errorAnswer(404, 404, 'Not found');
    const who = caller(req);
    if (!who) return unauthenticated();
    const throttled = throttled429(who, method, path);
    if (throttled) return throttled;
    if (method === 'GET' && (path === '/v2/customers/lookup' || path === '/v2/customers/lookup/customerDetails')) {
      const found = lookup(query);
      if ('body' in found) return found;
      if (path.endsWith('/customerDetails')) return { status: 200, body: { ...clone(found), warnings: [] } };
      return { status: 200, body: { entity: found.id, warnings: [] } };
    }
    if (method === 'POST' && path === '/v2/customers') return addCustomer(body);
    if (method === 'GET' && path === '/v2/extendedFields') return extendedFieldsOfOrg();
    const byId = /^\/v2\/customers\/(\d+)(\/changeIdentifier)?$/.exec(path);
    if (byId) {
      const id = Number(byId[1]);
      if (method === 'GET' && !byId[2]) return getCustomer(id, query);
      if (method === 'PUT' && !byId[2]) return updateCustomer(id, query, body);
      if (method === 'POST' && byId[2]) return changeIdentifier(id, query, body);
    }
    return errorAnswer(405, 405, 'Method not allowed');
  }

  /** The org's rate limit per API and API key: HTTP 429, with Retry-After in the `retry-after` reading. */
  function throttled429(who: string, method: string, path: string): Answer | undefined {
    const wait = throttle.take(org.rateLimits, who, simApiOf(method, path), Date.now());
    if (wait === undefined) return undefined;
    return {
      ...errorAnswer(429, 429, 'Too many requests'),
      ...(org.throttleAnswer === 'retry-after' ? { headers: { 'retry-after': String(wait) } } : {}),
    };
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
    if (method === 'POST' && path === '/__sim/pii-delete' && isRecord(body)) {
      api.deleteCustomerPii(Number(body.customerId));
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
      options.onHang?.(req);
      return;
    }
    if (fault?.kind === 'together') await gathered(fault);
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
    deleteCustomerPii: (customerId) => {
      const customer = customers.get(customerId);
      if (!customer) throw new Error('deleteCustomerPii needs a live customer');
      // The customer moves to deleted; its reads answer the PII-deleted message and its identifiers cannot be
      // registered again (8026) (reference/add-a-pii-deletion-request, reference/status-codes-customer).
      customers.delete(customerId);
      erased.add(customerId);
      erasedIdentifiers.push(...customer.profiles.flatMap((p) => p.identifiers));
      for (const [from, to] of mergedInto) if (to === customerId) erased.add(from);
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
      // Every reading switch takes one of its documented values (capillary-sim/readings.ts).
      for (const reading of SimReadings as readonly { key: string; values: readonly (string | boolean)[] }[]) {
        const value = (change as Record<string, unknown>)[reading.key];
        if (reading.values.includes(value as string | boolean))
          (org as unknown as Record<string, unknown>)[reading.key] = value;
      }
      if (typeof change.baseCountry === 'string' && /^[A-Z]{2}$/.test(change.baseCountry)) {
        org.baseCountry = change.baseCountry;
      }
      if (isRecord(change.rateLimits)) {
        // New limits start counting afresh.
        org.rateLimits = clone(change.rateLimits) as Record<string, number>;
        throttle.clear();
      }
      if (typeof change.nationalMobileLength === 'number') org.nationalMobileLength = change.nationalMobileLength;
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
      erased = new Set();
      erasedIdentifiers = [];
      throttle.clear();
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
