// The org-level settings of the simulated Capillary org (what a real org holds in Intouch), their defaults, and
// how `configure` (also `POST /__sim/config`) changes them: each field takes only a value of its documented kind.
import { isRecord } from '../../shared/lang/is-record.js';
import { SimReadings } from './readings.js';

export type SimFieldType = 'string' | 'number' | 'boolean' | 'date';
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

/** The org settings: those given, the documented defaults for the rest. */
export function orgConfigOf(options: Partial<SimOrgConfig>): SimOrgConfig {
  return {
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
}

/** Applies the valid parts of a change to `org`; true when the rate limits changed (they start counting afresh). */
export function configureOrg(org: SimOrgConfig, change: Partial<SimOrgConfig>): boolean {
  let rateLimitsChanged = false;
  if (change.cuidLookup === 'documented' || change.cuidLookup === 'permissive') org.cuidLookup = change.cuidLookup;
  if (typeof change.businessErrorHttp500Share === 'number') {
    org.businessErrorHttp500Share = Math.min(1, Math.max(0, change.businessErrorHttp500Share));
  }
  if (typeof change.requireInstoreProfile === 'boolean') org.requireInstoreProfile = change.requireInstoreProfile;
  if (typeof change.latencyMs === 'number' && change.latencyMs >= 0) org.latencyMs = change.latencyMs;
  if (Array.isArray(change.customFields)) org.customFields = structuredClone(change.customFields);
  if (Array.isArray(change.extendedFields)) org.extendedFields = structuredClone(change.extendedFields);
  if (isRecord(change.sourceAccounts)) org.sourceAccounts = structuredClone(change.sourceAccounts);
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
    org.rateLimits = structuredClone(change.rateLimits) as Record<string, number>;
    rateLimitsChanged = true;
  }
  if (typeof change.nationalMobileLength === 'number') org.nationalMobileLength = change.nationalMobileLength;
  return rateLimitsChanged;
}
