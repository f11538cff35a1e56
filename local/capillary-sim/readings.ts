// Where Capillary's reference is silent or contradicts itself, the simulator offers every reading behind a
// switch: this table names each switch, its values (the first is the default), the environment variable the
// local stack's `npm start` reads it from, and the reference page the question comes from. docs/local-stack.md
// lists them; test/support/post-auth-harness.ts runs the flows under each.

/** One simulator switch whose values are the readings of a question the reference leaves open. */
export interface SimReading<V extends string | boolean = string | boolean> {
  /** The SimOrgConfig key. */
  readonly key: string;
  readonly env: string;
  /** The readings; the first is the default. */
  readonly values: readonly V[];
  /** The reference page(s) the question comes from. */
  readonly reference: string;
  readonly question: string;
}

export const SimReadings = [
  {
    key: 'cuidLookup',
    env: 'CAPILLARY_SIM_CUID_LOOKUP',
    values: ['documented', 'permissive'],
    reference: 'https://docs.capillarytech.com/reference/customer-1',
    question:
      'Is `identifierName=cuid` on OAUTH_EXTERNAL answered? The lookup enum lists neither (documented: 8013), the CIAM integration page implies it (permissive).',
  },
  {
    key: 'mergedCustomer',
    env: 'CAPILLARY_SIM_MERGED_CUSTOMER',
    values: ['error', 'warning', 'silent'],
    reference: 'https://docs.capillarytech.com/reference/status-codes-customer',
    question:
      'How does a get of a merged-away id answer? The older page lists 8069 as an error (error); the current one lists 8069 "Merged customer found" as a warning, beside the survivor\'s data (warning); or the survivor\'s data with no code at all (silent). Writes to the merged id follow the same reading.',
  },
  {
    key: 'dualEligibility',
    env: 'CAPILLARY_SIM_DUAL_ELIGIBILITY',
    values: [false, true],
    reference:
      'https://docs.capillarytech.com/reference/get-customer-details (Using Multiple Identifiers), https://docs.capillarytech.com/docs/setup_customer',
    question:
      'Does the org have dual eligibility? Then customers may share secondary identifiers, a lookup by a non-primary identifier alone answers 8015 and comma-separated pairs are looked up by the primary one.',
  },
  {
    key: 'primaryIdentifier',
    env: 'CAPILLARY_SIM_PRIMARY_IDENTIFIER',
    values: ['mobile', 'email', 'externalId'],
    reference: 'https://docs.capillarytech.com/docs/setup_customer (CONF_REGISTRATION_PRIMARY_KEY)',
    question: "Which identifier is the org's primary one (matters with dual eligibility)?",
  },
  {
    key: 'allSourceMatch',
    env: 'CAPILLARY_SIM_ALL_SOURCE_MATCH',
    values: ['first', 'last'],
    reference: 'https://docs.capillarytech.com/reference/customer-1',
    question:
      'Identifiers are unique only per source or account: which customer does `source=ALL` answer when several hold one? Undocumented: the oldest (first) or the newest (last).',
  },
  {
    key: 'notFoundCodes',
    env: 'CAPILLARY_SIM_NOT_FOUND_CODES',
    values: ['uniform', 'per-source'],
    reference: 'https://docs.capillarytech.com/reference/status-codes-customer',
    question:
      'Which code says "not found"? 8015 everywhere (uniform), or 8065 "no customer found in the given source" for a lookup on one source and 816 "customer not found for organization" for an unknown id (per-source).',
  },
  {
    key: 'unknownAccountWrites',
    env: 'CAPILLARY_SIM_UNKNOWN_ACCOUNT_WRITES',
    values: ['refused', 'accepted'],
    reference:
      'https://docs.capillarytech.com/reference/status-codes-customer (8011, 8127), https://docs.capillarytech.com/docs/api-gateway-integration-with-ciam-platforms',
    question:
      'A lookup with an account the org does not have answers 8011; does a write with one answer 8127 "invalid source or accountId passed" (refused) or create a profile under it (accepted)?',
  },
  {
    key: 'expiredTokenAnswer',
    env: 'CAPILLARY_SIM_EXPIRED_TOKEN_ANSWER',
    values: ['http401', 'envelope401'],
    reference:
      'https://docs.capillarytech.com/reference/oauth, https://github.com/Capillary/api-documentation (source/index.html.md, "401 Authentication failed")',
    question:
      'How is an expired OAuth token refused? HTTP 401 (http401), or code 401 in `errors[]` of an HTTP 500 ("500: requests have failed due to errors"; envelope401).',
  },
  {
    key: 'throttleAnswer',
    env: 'CAPILLARY_SIM_THROTTLE_ANSWER',
    values: ['retry-after', 'bare'],
    reference: 'https://docs.capillarytech.com/reference/rate-limits',
    question:
      'What does a throttled call get? Not documented: HTTP 429 with `Retry-After` (retry-after) or without it (bare). Limits are set with `rateLimits` (CAPILLARY_SIM_RATE_LIMITS).',
  },
  {
    key: 'mobileMatch',
    env: 'CAPILLARY_SIM_MOBILE_MATCH',
    values: ['as-sent', 'base-country'],
    reference: 'https://docs.capillarytech.com/reference/v2-add-customer (8014, base country)',
    question:
      'Are mobiles compared as sent (as-sent: 9800000077 and 919800000077 are two customers), or is a national number completed with the org base country (base-country, CAPILLARY_SIM_BASE_COUNTRY)?',
  },
  {
    key: 'piiDeletedAnswer',
    env: 'CAPILLARY_SIM_PII_DELETED_ANSWER',
    values: ['message', 'error'],
    reference:
      'https://docs.capillarytech.com/reference/get-customer-details-v2, https://docs.capillarytech.com/reference/add-a-pii-deletion-request',
    question:
      'A read of an erased customer answers "Customer is deleted after PII delete request": as a bare `message` (message) or as an `errors[]` item with 8015 (error)? A new add of its identifiers answers 8026 either way.',
  },
] as const satisfies readonly SimReading[];

/** Every reading at its default (the first value: the documented one where the reference says). */
export function simReadingDefaults(): Record<string, string | boolean> {
  const defaults: Record<string, string | boolean> = {};
  for (const reading of SimReadings as readonly SimReading[]) {
    const [first] = reading.values;
    if (first !== undefined) defaults[reading.key] = first;
  }
  return defaults;
}

/**
 * The readings named by `CAPILLARY_SIM_*` variables (plus CAPILLARY_SIM_BASE_COUNTRY and
 * CAPILLARY_SIM_RATE_LIMITS); throws one error naming every bad value.
 */
export function simReadingsFromEnv(env: Record<string, string | undefined>): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const reading of SimReadings as readonly SimReading[]) {
    const raw = env[reading.env];
    if (raw === undefined || raw === '') continue;
    const value = reading.values.find((candidate) => String(candidate) === raw);
    if (value === undefined)
      problems.push(`${reading.env} must be one of ${reading.values.join(', ')}, got ${JSON.stringify(raw)}`);
    else config[reading.key] = value;
  }
  const country = env.CAPILLARY_SIM_BASE_COUNTRY;
  if (country) {
    if (/^[A-Z]{2}$/.test(country)) config.baseCountry = country;
    else problems.push(`CAPILLARY_SIM_BASE_COUNTRY must be an ISO 3166-1 alpha-2 code, got ${JSON.stringify(country)}`);
  }
  const limits = env.CAPILLARY_SIM_RATE_LIMITS;
  if (limits) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(limits);
    } catch {
      parsed = undefined;
    }
    const valid =
      parsed !== null &&
      typeof parsed === 'object' &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((n) => Number.isInteger(n) && (n as number) > 0);
    if (valid) config.rateLimits = parsed;
    else problems.push(`CAPILLARY_SIM_RATE_LIMITS must be JSON like {"POST /v2/customers": 100}, got ${limits}`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  return config;
}
