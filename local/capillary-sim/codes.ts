// The simulator's status codes, keyed by endpoint family as Capillary's reference keys them: the same number
// means different things in different APIs (8003 is "invalid source passed" on the v2 customer APIs and "Unable
// to issue user reward" on the mobile Marvel APIs, ../../../shared/CAPILLARY.md §10.0.7). Each entry carries the
// message the reference gives and, where the gateway acts on it, the meaning the gateway's table
// (shared/capillary/capillary-codes.ts) must give it: test/unit/local/capillary-sim-codes.test.ts holds the two
// together. A new family (points, coupons, rewards) is a new table in its own module.
import type { CodeMeaning } from '../../shared/capillary/capillary-codes.js';

export interface SimCode {
  readonly code: number;
  readonly message: string;
  /** What the gateway must understand by it (absent: a refusal the gateway passes on as 502). */
  readonly meaning?: CodeMeaning;
}

/** A family's codes by name, each as the reference documents it. */
export type SimCodeTable = Readonly<Record<string, SimCode>>;

/**
 * The v2 customer APIs (add, get, update, lookup, customerDetails, changeIdentifier): the status-code page
 * https://docs.capillarytech.com/reference/status-codes-customer and the pages of each call.
 */
export const CustomerV2 = {
  // Lookup (reference/customer-1, "Get customer ID").
  LOOKUP_NO_SOURCE: { code: 8001, message: 'Lookup failed, No source passed' },
  INVALID_SOURCE: { code: 8003, message: 'Invalid source passed', meaning: 'lookup-refused' },
  INVALID_SOURCE_ACCOUNT: { code: 8011, message: 'Invalid source account passed', meaning: 'account-unknown' },
  INVALID_IDENTIFIER: { code: 8013, message: 'Lookup, Invalid identifier passed', meaning: 'lookup-refused' },
  NOT_FOUND: { code: 8015, message: 'Customer not found for the given identifiers', meaning: 'not-found' },
  NOT_FOUND_IN_SOURCE: {
    code: 8065,
    message: 'No customer found in the given source with the given identifier',
    meaning: 'not-found',
  },
  NOT_FOUND_FOR_ORG: { code: 816, message: 'Customer not found for organization.', meaning: 'not-found' },
  ACCOUNT_ID_MISSING: { code: 8045, message: 'Account id is not passed', meaning: 'account-unknown' },
  // Get (reference/get-customer-details-v2).
  GET_NO_SOURCE: { code: 8016, message: 'GET failed, No source passed' },
  GET_NO_ACCOUNT: { code: 8091, message: 'GET failed, No account id passed', meaning: 'account-unknown' },
  MERGED: { code: 8069, message: 'The customer is merged into another account', meaning: 'merged' },
  // Add (reference/v2-add-customer).
  NO_SOURCE: { code: 8004, message: 'Add failed, No source passed' },
  NO_VALID_IDENTIFIERS: { code: 8005, message: 'Add failed, No valid identifiers passed' },
  EXISTS_IN_SOURCE: { code: 8006, message: 'Add failed, Customer already exists for same source', meaning: 'conflict' },
  UPDATE_EXISTS_IN_SOURCE: {
    code: 8007,
    message: 'Update failed, Customer already exists for same source',
    meaning: 'conflict',
  },
  SAME_SOURCE_OTHER_PROFILE: {
    code: 8008,
    message: 'Update failed, Same source different profile found for given identifiers',
    meaning: 'conflict',
  },
  INVALID_MOBILE: { code: 8014, message: 'Error in customer registration: Invalid Primary Id' },
  PII_DELETED_ADD: {
    code: 8026,
    message: 'Same customer was deleted for PII feature, could not add',
    meaning: 'deleted',
  },
  INSTORE_REQUIRED: {
    code: 8090,
    message: "Unable to create profile as instore profile doesn't exist",
    meaning: 'instore-required',
  },
  INVALID_SOURCE_OR_ACCOUNT: { code: 8127, message: 'Invalid source or accountId passed', meaning: 'account-unknown' },
  SOURCE_INVALID: { code: 3217, message: 'Source is invalid' },
  INVALID_CUSTOM_FIELD: { code: 1017, message: 'Provided Custom Field is invalid.' },
  INVALID_EXTENDED_FIELD: { code: 91015, message: 'Extended field is invalid' },
  // Warnings beside a success.
  MERGED_COMBINING: { code: 8050, message: 'Same Customer found in other sources, Combining' },
  CONFLICTING_CUSTOMERS: { code: 8052, message: 'Add customer, Conflicting Customers found', meaning: 'conflict' },
  INVALID_EMAIL: { code: 8055, message: 'Invalid email id' },
  MERGED_FOUND: { code: 8069, message: 'Merged customer found', meaning: 'merged' },
  DEFAULT_STATUS_LABEL: { code: 8107, message: 'Default customer status label not set', meaning: 'informational' },
  // changeIdentifier refusals, warnings beside the createdId (reference/update-identifiersissue-card).
  NO_VALID_CHANGE: { code: 8070, message: 'No valid change identifiers detected' },
  MOBILE_ATTACHED: { code: 8071, message: 'Mobile already attached with this user' },
  EMAIL_ATTACHED: { code: 8072, message: 'Email already attached with this user' },
  EXTERNAL_ID_ATTACHED: { code: 8073, message: 'External id already attached with this user' },
  IN_MULTIPLE_CUSTOMERS: { code: 8074, message: 'Change Failed, Identifier found in multiple sources and userIds' },
  // Global (v2 status table, Capillary/api-documentation source/index.html.md).
  AUTH_FAILED: { code: 401, message: 'Authentication failed', meaning: 'auth-refused' },
  CONCURRENT_ACTION: {
    code: 521,
    message: 'Multiple actions running for the same customer, Please try after some time',
    meaning: 'retry-later',
  },
} as const satisfies SimCodeTable;
