// The simulator's customers and the v2 customer API's rules over them (docs.capillarytech.com/reference; each
// rule names the documented code it follows): lookup, add, get, update and changeIdentifier with per-source
// profiles, identifier uniqueness per source+account, merges and PII deletions, under the org's settings and
// readings (org-config.ts, readings.ts).
import { PII_DELETED_MESSAGE } from '../../shared/capillary/capillary-codes.js';
import { isRecord } from '../../shared/lang/is-record.js';
import { type Answer, fail, item, type StatusItem } from './answers.js';
import { CustomerV2, type SimCode } from './codes.js';
import { canonicalMobile } from './mobiles.js';
import type { SimFieldType, SimOrgConfig } from './org-config.js';

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

/**
 * Sources of the "get customer id" lookup (get customer id, reference/customer-1) plus OAUTH_EXTERNAL, the CIAM
 * integration's channel. Not shared with the ledger's source list in loyalty.ts: each is its own endpoint's
 * documented enum, and they differ.
 */
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

const sameAccount = (p: SimProfile, source: string, accountId: string) =>
  p.source === source && (SINGLE_ACCOUNT_SOURCES.has(source) || p.accountId === accountId);

export function toProfile(raw: Record<string, unknown>): SimProfile {
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

/** The answer of a write to `target`, with the merged-customer warning when the id asked for was merged away. */
function written(target: { customer: SimCustomer; warnings: StatusItem[] }, warnings: StatusItem[] = []): Answer {
  return {
    status: 200,
    body: { createdId: target.customer.id, warnings: [...target.warnings, ...warnings], sideEffects: [] },
  };
}

/** The org's customers, merges and erasures, and the customer API's answers over them. */
export class SimCustomerBook {
  private nextId = 1000;
  /** Live customers by id (merged-away and erased ones are gone). */
  customers = new Map<number, SimCustomer>();
  /** Merged-away id -> the customer it was merged into. */
  private mergedInto = new Map<number, number>();
  /** Ids erased by a PII deletion, and the identifiers they held (a new add of one answers 8026). */
  private erased = new Set<number>();
  private erasedIdentifiers: SimIdentifier[] = [];

  private readonly org: SimOrgConfig;

  constructor(org: SimOrgConfig) {
    this.org = org;
  }

  /** Forgets customers, merges and erasures. */
  reset(): void {
    this.customers = new Map();
    this.mergedInto = new Map();
    this.erased = new Set();
    this.erasedIdentifiers = [];
  }

  /** Adds a customer directly (e.g. an INSTORE member registered before the CIAM). */
  seed(input: { profiles: Partial<SimProfile>[]; extendedFields?: Record<string, unknown> }): SimCustomer {
    const customer: SimCustomer = {
      id: this.nextId++,
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
    this.customers.set(customer.id, customer);
    return structuredClone(customer);
  }

  /** Merges `mergedId` into `survivorId` as Member Care does: its profiles move over; its id answers 8069. */
  mergeCustomers(survivorId: number, mergedId: number): void {
    const survivor = this.customers.get(survivorId);
    const merged = this.customers.get(mergedId);
    if (!survivor || !merged || survivor === merged) throw new Error('mergeCustomers needs two live customers');
    this.merge(survivor, merged);
  }

  /** Erases a customer as an approved PII deletion request does (reference/add-a-pii-deletion-request). */
  deleteCustomerPii(customerId: number): void {
    const customer = this.customers.get(customerId);
    if (!customer) throw new Error('deleteCustomerPii needs a live customer');
    // The customer moves to deleted; its reads answer the PII-deleted message and its identifiers cannot be
    // registered again (8026) (reference/add-a-pii-deletion-request, reference/status-codes-customer).
    this.customers.delete(customerId);
    this.erased.add(customerId);
    this.erasedIdentifiers.push(...customer.profiles.flatMap((p) => p.identifiers));
    for (const [from, to] of this.mergedInto) if (to === customerId) this.erased.add(from);
  }

  /**
   * A secondary identifier of a dual-eligibility org: several customers may hold it, it never merges them, and
   * a lookup by it alone finds nobody (reference/get-customer-details, "Using Multiple Identifiers"). The cuid
   * is the OAUTH_EXTERNAL profile's key, not a customer identifier of the registration configuration.
   */
  isShareable(identifier: SimIdentifier): boolean {
    return this.org.dualEligibility && identifier.type !== this.org.primaryIdentifier && identifier.type !== 'cuid';
  }

  /** The org's spelling of an identifier (mobiles per `mobileMatch`). */
  canonical(identifier: SimIdentifier): SimIdentifier {
    if (identifier.type !== 'mobile') return identifier;
    const value = canonicalMobile(
      identifier.value,
      this.org.mobileMatch,
      this.org.baseCountry,
      this.org.nationalMobileLength,
    );
    return { type: 'mobile', value };
  }

  holderInSource(source: string, accountId: string, identifier: SimIdentifier): SimCustomer | undefined {
    if (this.isShareable(identifier)) return undefined;
    for (const customer of this.customers.values()) {
      for (const p of customer.profiles) {
        if (!sameAccount(p, source, accountId)) continue;
        if (p.identifiers.some((i) => sameIdentifier(i, identifier))) return customer;
      }
    }
    return undefined;
  }

  /** Every customer holding the identifier on any source, oldest first (none for a dual org's secondary one). */
  holdersAnywhere(identifier: SimIdentifier): SimCustomer[] {
    if (this.isShareable(identifier)) return [];
    return [...this.customers.values()].filter((customer) =>
      customer.profiles.some((p) => p.identifiers.some((i) => sameIdentifier(i, identifier))),
    );
  }

  /** Source/account checks shared by lookups and writes; undefined when they pass. */
  checkAccount(source: string, accountId: string | undefined, use: 'lookup' | 'write'): Answer | undefined {
    if (SINGLE_ACCOUNT_SOURCES.has(source)) return undefined;
    // 8045 "account id is not passed" (lookup codes, reference/customer-1).
    if (!accountId) return fail(400, CustomerV2.ACCOUNT_ID_MISSING);
    const known = this.org.sourceAccounts[source];
    if (!known || known.includes(accountId)) return undefined;
    // 8011 "invalid source account passed" on lookups; on writes 8127 "invalid source or accountId passed",
    // unless the org takes unknown accounts on writes (the `unknownAccountWrites` reading).
    if (use === 'lookup') return fail(400, CustomerV2.INVALID_SOURCE_ACCOUNT);
    return this.org.unknownAccountWrites === 'refused' ? fail(400, CustomerV2.INVALID_SOURCE_OR_ACCOUNT) : undefined;
  }

  /** "Not found" in the org's reading: 8015, or 8065 for a lookup on one source (`notFoundCodes: per-source`). */
  notFound(scope: 'all' | 'source' | 'id'): Answer {
    if (this.org.notFoundCodes === 'per-source' && scope === 'source') return fail(200, CustomerV2.NOT_FOUND_IN_SOURCE);
    if (this.org.notFoundCodes === 'per-source' && scope === 'id') return fail(400, CustomerV2.NOT_FOUND_FOR_ORG);
    // 8015, answered 200 with errors[] in the reference's lookup example.
    return fail(scope === 'id' ? 400 : 200, CustomerV2.NOT_FOUND);
  }

  lookup(query: Record<string, string>): SimCustomer | Answer {
    const source = query.source ?? '';
    // 8001 "lookup failed, no source passed"; 8003 "invalid source passed" (get customer id, reference/customer-1).
    if (!source) return fail(400, CustomerV2.LOOKUP_NO_SOURCE);
    if (!LOOKUP_SOURCES.has(source)) return fail(400, CustomerV2.INVALID_SOURCE);
    const accountProblem = this.checkAccount(source, query.accountId, 'lookup');
    if (accountProblem) return accountProblem;
    const names = (query.identifierName ?? '').split(',');
    const values = (query.identifierValue ?? '').split(',');
    // Several comma-separated pairs are accepted with dual eligibility only; the primary one is looked up
    // (reference/get-customer-details, "Using Multiple Identifiers").
    if (names.length !== values.length || (names.length > 1 && !this.org.dualEligibility)) {
      return fail(400, CustomerV2.INVALID_IDENTIFIER);
    }
    const pairs = names.map((name, i) => ({ type: name, value: values[i] ?? '' }));
    // 8013 "invalid identifier passed": the documented identifierName enum has no cuid.
    for (const { type, value } of pairs) {
      const allowed = LOOKUP_IDENTIFIERS.has(type) || (type === 'cuid' && this.org.cuidLookup === 'permissive');
      if (!allowed || !value) return fail(400, CustomerV2.INVALID_IDENTIFIER);
    }
    const pair = pairs.length > 1 ? pairs.find((p) => p.type === this.org.primaryIdentifier) : pairs[0];
    const scope = source === 'ALL' ? 'all' : 'source';
    // "If you provide only one identifier that is not the primary identifier, the system will return an error,
    // 8015" (dual eligibility); the same when none of several pairs is the primary one.
    if (!pair || this.isShareable(pair)) return this.notFound(scope);
    const identifier = this.canonical(pair);
    if (source !== 'ALL') return this.holderInSource(source, query.accountId ?? '', identifier) ?? this.notFound(scope);
    const holders = this.holdersAnywhere(identifier);
    // Several holders (identifiers are unique per source or account only): which one ALL answers is undocumented.
    return (this.org.allSourceMatch === 'last' ? holders.at(-1) : holders[0]) ?? this.notFound(scope);
  }

  /** Custom fields must be configured for the org (1017); extended fields enabled, typed, not empty (91015). */
  checkFields(fields: Record<string, unknown>, extendedFields: Record<string, unknown>): Answer | undefined {
    for (const [name, value] of Object.entries(fields)) {
      const definition = this.org.customFields.find((field) => field.name === name);
      if (!definition || !fitsType(value, definition.type)) {
        return fail(400, CustomerV2.INVALID_CUSTOM_FIELD, `Provided custom field is invalid: ${name}`);
      }
    }
    for (const [name, value] of Object.entries(extendedFields)) {
      const definition = this.org.extendedFields.find((field) => field.name === name);
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
  live(id: number): { customer: SimCustomer; warnings: StatusItem[] } | Answer {
    const customer = this.customers.get(id);
    if (customer) return { customer, warnings: [] };
    const survivorId = this.mergedInto.get(id);
    const survivor = survivorId === undefined ? undefined : this.customers.get(survivorId);
    if (survivor) {
      if (this.org.mergedCustomer === 'error') return fail(400, CustomerV2.MERGED);
      const warnings =
        this.org.mergedCustomer === 'warning'
          ? [item(CustomerV2.MERGED_FOUND.code, CustomerV2.MERGED_FOUND.message)]
          : [];
      return { customer: survivor, warnings };
    }
    if (this.erased.has(id)) {
      // "If you attempt to retrieve data of any deleted customer after a successful PII deletion, you will
      // receive the following response: "message": "Customer is deleted after PII delete request"".
      if (this.org.piiDeletedAnswer === 'message') return { status: 200, body: { message: PII_DELETED_MESSAGE } };
      return fail(400, CustomerV2.NOT_FOUND, PII_DELETED_MESSAGE);
    }
    return this.notFound('id');
  }

  merge(survivor: SimCustomer, merged: SimCustomer): void {
    survivor.profiles.push(...merged.profiles);
    survivor.extendedFields = { ...merged.extendedFields, ...survivor.extendedFields };
    this.customers.delete(merged.id);
    this.mergedInto.set(merged.id, survivor.id);
    for (const [from, to] of this.mergedInto) if (to === merged.id) this.mergedInto.set(from, survivor.id);
  }

  /** Whether an identifier was held by a customer erased on a PII deletion request. */
  wasErased(identifier: SimIdentifier): boolean {
    return identifier.type !== 'cuid' && this.erasedIdentifiers.some((i) => sameIdentifier(i, identifier));
  }

  addCustomer(body: unknown): Answer {
    // 8004 "no source".
    if (!isRecord(body) || !Array.isArray(body.profiles) || body.profiles.length === 0) {
      return fail(400, CustomerV2.NO_SOURCE);
    }
    const profiles = body.profiles.filter(isRecord).map(toProfile);
    const warnings: StatusItem[] = [];
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = this.checkFields(Object.assign({}, ...profiles.map((p) => p.fields)), extendedFields);
    if (invalidFields) return invalidFields;
    let target: SimCustomer | undefined;
    let conflicting = false;
    for (const profile of profiles) {
      if (!profile.source) return fail(400, CustomerV2.NO_SOURCE);
      // 3217 "source invalid" (add customer page).
      if (!PROFILE_SOURCES.has(profile.source)) return fail(400, CustomerV2.SOURCE_INVALID);
      const accountProblem = this.checkAccount(profile.source, profile.accountId, 'write');
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
        kept.push(this.canonical(identifier));
      }
      profile.identifiers = kept;
      // 8005 "no valid identifiers".
      if (kept.length === 0) return fail(400, CustomerV2.NO_VALID_IDENTIFIERS);
      for (const identifier of kept) {
        // 8026 "same customer was deleted for PII feature, could not add".
        if (this.wasErased(identifier)) return fail(400, CustomerV2.PII_DELETED_ADD);
        // 8006 "customer already exists for same source".
        if (this.holderInSource(profile.source, profile.accountId, identifier)) {
          return fail(400, CustomerV2.EXISTS_IN_SOURCE);
        }
        for (const other of this.holdersAnywhere(identifier)) {
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
    if (this.org.requireInstoreProfile && !profiles.some((p) => p.source === 'INSTORE')) {
      // 8090 "unable to create profile as instore profile doesn't exist" (reference/status-codes-customer).
      return fail(400, CustomerV2.INSTORE_REQUIRED);
    }
    const loyaltyType = isRecord(body.loyaltyInfo) ? str(body.loyaltyInfo.loyaltyType) || 'loyalty' : 'loyalty';
    const customer: SimCustomer = { id: this.nextId++, profiles, extendedFields, loyaltyInfo: { loyaltyType } };
    this.customers.set(customer.id, customer);
    // 8107 "Default customer status label not set": a warning beside the createdId on orgs without one.
    if (!this.org.defaultStatusLabel) {
      warnings.push(item(CustomerV2.DEFAULT_STATUS_LABEL.code, CustomerV2.DEFAULT_STATUS_LABEL.message));
    }
    return { status: 200, body: { createdId: customer.id, warnings, sideEffects: [] } };
  }

  profileOf(customer: SimCustomer, query: Record<string, string>): SimProfile | Answer {
    const source = query.source ?? '';
    if (!source) return fail(400, CustomerV2.NO_SOURCE);
    const accountProblem = this.checkAccount(source, query.accountId, 'write');
    if (accountProblem) return accountProblem;
    const profile = customer.profiles.find((p) => sameAccount(p, source, query.accountId ?? ''));
    // 8127 "invalid source or accountId".
    return profile ?? fail(400, CustomerV2.INVALID_SOURCE_OR_ACCOUNT);
  }

  /** The customer a write names (as `live` finds it) and its profile of the query's source and account. */
  writeTarget(
    id: number,
    query: Record<string, string>,
  ): { target: { customer: SimCustomer; warnings: StatusItem[] }; profile: SimProfile } | Answer {
    const target = this.live(id);
    if ('body' in target) return target;
    const profile = this.profileOf(target.customer, query);
    if ('body' in profile) return profile;
    return { target, profile };
  }

  updateCustomer(id: number, query: Record<string, string>, body: unknown): Answer {
    const found = this.writeTarget(id, query);
    if ('body' in found) return found;
    const { target, profile } = found;
    const { customer } = target;
    if (!isRecord(body)) return fail(400, CustomerV2.NO_SOURCE, 'Invalid body');
    const input = Array.isArray(body.profiles) && isRecord(body.profiles[0]) ? body.profiles[0] : {};
    if ('identifiers' in input)
      return fail(400, CustomerV2.UPDATE_EXISTS_IN_SOURCE, 'Identifiers cannot be updated here');
    const extendedFields = isRecord(body.extendedFields) ? body.extendedFields : {};
    const invalidFields = this.checkFields(isRecord(input.fields) ? input.fields : {}, extendedFields);
    if (invalidFields) return invalidFields;
    if (typeof input.firstName === 'string') profile.firstName = input.firstName.trim();
    if (typeof input.lastName === 'string') profile.lastName = input.lastName.trim();
    if (isRecord(input.fields)) Object.assign(profile.fields, input.fields);
    if (Array.isArray(input.commChannels)) profile.commChannels = input.commChannels.filter(isRecord);
    Object.assign(customer.extendedFields, extendedFields);
    return written(target);
  }

  /** changeIdentifier reports refusals as warnings 8070-8075 beside the createdId (reference/update-identifiersissue-card). */
  changeIdentifier(id: number, query: Record<string, string>, body: unknown): Answer {
    const found = this.writeTarget(id, query);
    if ('body' in found) return found;
    const { target, profile } = found;
    const { customer } = target;
    const refused = (code: SimCode): Answer => ({
      status: 200,
      body: { createdId: customer.id, warnings: [...target.warnings, item(code.code, code.message)] },
    });
    const add = isRecord(body) ? toIdentifiers(body.add).map((i) => this.canonical(i)) : [];
    const remove = isRecord(body) ? toIdentifiers(body.remove).map((i) => this.canonical(i)) : [];
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
      const sameSource = this.holderInSource(profile.source, profile.accountId, identifier);
      if (sameSource && sameSource.id !== customer.id) {
        // 8071/8072/8073 "mobile / email / external id already attached".
        if (identifier.type === 'mobile') return refused(CustomerV2.MOBILE_ATTACHED);
        if (identifier.type === 'email') return refused(CustomerV2.EMAIL_ATTACHED);
        if (identifier.type === 'externalId') return refused(CustomerV2.EXTERNAL_ID_ATTACHED);
        return refused(CustomerV2.IN_MULTIPLE_CUSTOMERS);
      }
      for (const other of this.holdersAnywhere(identifier)) if (other.id !== customer.id) toMerge.set(other.id, other);
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
      this.merge(survivor, customer);
      return written({ customer: survivor, warnings: target.warnings }, [
        item(CustomerV2.MERGED_COMBINING.code, CustomerV2.MERGED_COMBINING.message),
      ]);
    }
    return written(target);
  }

  getCustomer(id: number, query: Record<string, string>): Answer {
    const source = query.source ?? '';
    // 8016 "GET failed, no source passed" (reference/get-customer-details-v2).
    if (!source) return fail(400, CustomerV2.GET_NO_SOURCE);
    if (!GET_SOURCES.has(source)) return fail(400, CustomerV2.INVALID_SOURCE);
    // 8091 "GET failed, no account id passed" for a multi-account source.
    if (!SINGLE_ACCOUNT_SOURCES.has(source) && !query.accountId) return fail(400, CustomerV2.GET_NO_ACCOUNT);
    const target = this.live(id);
    if ('body' in target) return target;
    const { customer } = target;
    // source=ALL fetches every profile, each with its source and accountId; another source only its own.
    const profiles =
      source === 'ALL'
        ? customer.profiles
        : customer.profiles.filter((p) => sameAccount(p, source, query.accountId ?? ''));
    return {
      status: 200,
      body: { ...structuredClone(customer), profiles: structuredClone(profiles), warnings: target.warnings },
    };
  }

  /**
   * "Get org extended fields" (reference/get-org-extended-fields): the extended fields enabled for the org, grouped by
   * entity type, each with its name and Capillary data type.
   */
  extendedFieldsOfOrg(): Answer {
    const dataTypes: Record<SimFieldType, string> = {
      string: 'STRING',
      number: 'DOUBLE',
      boolean: 'BOOLEAN',
      date: 'DATETIME',
    };
    const customer = this.org.extendedFields.map((field, index) => ({
      id: index + 1,
      name: field.name,
      label: field.name,
      entityType: 'CUSTOMER',
      dataType: dataTypes[field.type],
    }));
    return { status: 200, body: { entity: { CUSTOMER: customer }, warnings: [], errors: [], success: true } };
  }
}
