// Capillary's status codes belong to an endpoint family: the same number means different things in different
// APIs (8003 is "invalid source passed" on the v2 customer APIs and "Unable to issue user reward" on the mobile
// Marvel APIs; 804 differs between the points list and points/reverse: ../CAPILLARY.md §10.0.7). So every call
// names the family whose table classifies its answer, and a family is data: code -> what it means to the
// gateway. A new family (points, coupons, rewards ...) is a new `CodeFamily` value in its own module, passed to
// `CapillaryClient.request`; nothing here changes.

/** What a code means to the gateway, whichever family it comes from. */
export type CodeMeaning =
  /** No customer for these identifiers / this id (lookups answer `undefined`, gets throw CapillaryNotFoundError). */
  | 'not-found'
  /** The customer was merged into another one (follow it to the survivor). */
  | 'merged'
  /** The customer was erased on a PII deletion request. */
  | 'deleted'
  /** The org does not answer this lookup (e.g. the undocumented `identifierName=cuid`). */
  | 'lookup-refused'
  /** The source account is not one of the org's (OAUTH_EXTERNAL account not configured in Intouch). */
  | 'account-unknown'
  /** A duplicate identifier or profile, or a merge the org refuses. */
  | 'conflict'
  /** The org needs an INSTORE profile before any other. */
  | 'instore-required'
  /** Another action runs for the same customer: retry later (honouring Retry-After). */
  | 'retry-later'
  /** The gateway's credentials (an expired or revoked token): renew the token once, then retry. */
  | 'auth-refused'
  /** A warning that says nothing about the data of the answer. */
  | 'informational';

export interface CodeFamily {
  /** Shown in logs: which table classified the answer. */
  readonly name: string;
  /** Meanings of codes found in `errors[]`. A code at or above 1000 that is not listed is a final refusal (502). */
  readonly errors: ReadonlyMap<number, CodeMeaning>;
  /** Meanings of codes found in `warnings[]` beside a successful answer. */
  readonly warnings: ReadonlyMap<number, CodeMeaning>;
  /** Answers documented by their message alone (no code): matched against every `message` of the body. */
  readonly messages: readonly { readonly text: string; readonly meaning: CodeMeaning }[];
}

/** Builds a family from plain lists (a table per meaning reads like the reference page). */
export function defineCodeFamily(
  name: string,
  table: {
    errors?: Partial<Record<CodeMeaning, readonly number[]>>;
    warnings?: Partial<Record<CodeMeaning, readonly number[]>>;
    messages?: readonly { text: string; meaning: CodeMeaning }[];
  },
): CodeFamily {
  const toMap = (groups: Partial<Record<CodeMeaning, readonly number[]>> = {}) => {
    const map = new Map<number, CodeMeaning>();
    for (const [meaning, codes] of Object.entries(groups) as [CodeMeaning, readonly number[]][]) {
      for (const code of codes) map.set(code, meaning);
    }
    return map;
  };
  return { name, errors: toMap(table.errors), warnings: toMap(table.warnings), messages: table.messages ?? [] };
}

/** The v1.1/v2 authentication failure, sent as HTTP 401 or as code 401 in the body ("401 Authentication failed"). */
const AUTH_FAILED_CODE = 401;
/** "Multiple actions running for the same customer, retry later" (v2 status table, status-codes-customer). */
export const CONCURRENT_ACTION_CODE = 521;
/** The message of a read of a customer erased on a PII deletion request (reference/get-customer-details-v2). */
export const PII_DELETED_MESSAGE = 'Customer is deleted after PII delete request';

/**
 * The v2 customer APIs (add, get, update, lookup, customerDetails, changeIdentifier): the status-code page
 * https://docs.capillarytech.com/reference/status-codes-customer, with the reading of ../CAPILLARY.md §9.
 */
export const CustomerV2Codes: CodeFamily = defineCodeFamily('customer-v2', {
  errors: {
    // 8015 "customer not found for the given identifiers"; 8009 "update failed, customer not found"; 8065 "user
    // not found for given source" / "no customer found in the given source with the given identifier"; 816
    // "customer not found for organization".
    'not-found': [8015, 8009, 8065, 816],
    // 8069 "the customer is merged into another account" (the older page lists it as an error on fetch).
    merged: [8069],
    // 8026 "same customer was deleted for PII feature, could not add".
    deleted: [8026],
    // 8013 "invalid identifier passed"; 8003 "invalid source passed"; 8012 "get, invalid source passed".
    'lookup-refused': [8013, 8003, 8012],
    // 8011 "invalid source account passed" (its other row reads "look up, invalid source passed": the cuid
    // lookup on OAUTH_EXTERNAL treats it as a refused lookup, see capillary-client.ts); 8127 "invalid source or
    // accountId passed"; 8045 / 8091 "account id is not passed".
    'account-unknown': [8011, 8127, 8045, 8091],
    // 8006 exists in same source; 8007/8008 update conflicts; 8028 already registered; 8052/8053 conflicting
    // customers; 8066/8067 merge conflicts.
    conflict: [8006, 8007, 8008, 8028, 8052, 8053, 8066, 8067],
    // 8090 "unable to create profile as instore profile doesn't exist".
    'instore-required': [8090],
    'retry-later': [CONCURRENT_ACTION_CODE],
    'auth-refused': [AUTH_FAILED_CODE],
  },
  warnings: {
    // 8107 "default customer status label not set": the published success example of add customer.
    informational: [8107],
    // 8069 "merged customer found": a warning on the current page, beside the survivor's data.
    merged: [8069],
  },
  messages: [{ text: PII_DELETED_MESSAGE, meaning: 'deleted' }],
});

/** Business codes are Capillary's own (8xxx, 1017, 91015, 3217 ...); below 1000 they echo HTTP statuses. */
export function isBusinessCode(code: number): boolean {
  return code >= 1000;
}

/** The meaning of the first code of `codes` the family knows, in the order the table gives priority. */
export function meaningOf(
  family: CodeFamily,
  kind: 'errors' | 'warnings',
  codes: readonly number[],
): CodeMeaning | undefined {
  const table = family[kind];
  const meanings = codes.map((code) => table.get(code)).filter((m): m is CodeMeaning => m !== undefined);
  // A merge or a deletion outranks a not-found that may travel with it.
  for (const preferred of ['merged', 'deleted'] as const) if (meanings.includes(preferred)) return preferred;
  return meanings[0];
}

/** A meaning carried by a documented message (the PII-deleted read has no documented code). */
export function meaningOfMessages(family: CodeFamily, messages: readonly string[]): CodeMeaning | undefined {
  return family.messages.find((entry) => messages.some((message) => message.includes(entry.text)))?.meaning;
}
