// Least-privilege matrix: which table and SSM access each function gets. The stack turns every entry into IAM
// grants (and nothing else), so this table is the one place to review who may touch what.
import type { FunctionName } from '../shared/routes.js';
import type { TableKey } from '../shared/storage/tables.js';

/** The API functions plus the authorizer (which is not behind a route). */
export type GatewayFunctionName = FunctionName | 'authorizer';

export type TableAccess = 'read' | 'readwrite';

/** `read`: GetParameter on the brands' SSM path (+ kms:Decrypt through SSM); `write`: Put/Delete there too. */
export type SecretAccess = 'read' | 'write';

export interface FunctionAccess {
  tables: Partial<Record<TableKey, TableAccess>>;
  secrets?: SecretAccess;
}

const postAuth: FunctionAccess = {
  tables: { brands: 'read', links: 'readwrite', revocations: 'read' },
  secrets: 'read',
};

export const FunctionAccessMatrix: Readonly<Record<GatewayFunctionName, FunctionAccess>> = {
  authorizer: { tables: { brands: 'read', revocations: 'read' } },
  health: { tables: {} },
  session: postAuth,
  me: postAuth,
  profile: postAuth,
  registration: postAuth,
  identifiers: postAuth,
  logout: { tables: { brands: 'read', revocations: 'readwrite' } },
  'backchannel-logout': { tables: { brands: 'read', revocations: 'readwrite' } },
  // links: a deleted brand's links are removed with it; an issuer change checks for links first.
  admin: { tables: { brands: 'readwrite', links: 'readwrite' }, secrets: 'write' },
  // The member API: links written only to repair a link to a merged customer; the reward issue and Neo keep
  // their idempotency records and per-member write windows in the links table too.
  member: postAuth,
  'reward-issue': postAuth,
  neo: postAuth,
};
