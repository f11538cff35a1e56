// Least-privilege matrix: for each function, its group (concurrency budget, release alarms) and the exact
// DynamoDB actions per table and the SSM access its code calls. The stack turns every entry into IAM grants (and
// nothing else); test/infra/iam-derived.test.ts derives the actions from the adapters each function's code
// reaches and fails when this table grants one the code never calls, or misses one it does. A new function is
// declared here like the others and gets its alias, deployment group, budget, alarms and grants from it.
import type { FunctionName } from '../shared/routes.js';
import type { EnvironmentSettings } from './environment-settings.js';
import type { TableKey } from '../shared/storage/tables.js';

/** The API functions plus the authorizer (which is not behind a route). */
export type GatewayFunctionName = FunctionName | 'authorizer';

/** Functions that share a concurrency budget (settings `concurrencyBudgets`; the authorizer's is its own). */
type FunctionGroup = 'authorizer' | 'postAuth' | 'logout' | 'admin' | 'health' | 'member';

/** DynamoDB data-plane actions (IAM names without the `dynamodb:` prefix). */
type DynamoAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'ConditionCheckItem';

/** `read`: GetParameter on the brands' SSM path (+ kms:Decrypt through SSM); `write`: Put/Delete there too. */
type SecretAccess = 'read' | 'write';

export interface FunctionAccess {
  group: FunctionGroup;
  tables: Partial<Record<TableKey, readonly DynamoAction[]>>;
  secrets?: SecretAccess;
  /** Reads the stage's subject-hash key (every function that writes hashed subjects to its logs). */
  subjectKey?: boolean;
}

/** The brand directory's reads: GetItem by id, Query on the issuer index, the background Scan of the index. */
const brandDirectory: readonly DynamoAction[] = ['GetItem', 'Query', 'Scan'];
/** The revocation check: one BatchGetItem (GetItem for a single key). */
const revocationCheck: readonly DynamoAction[] = ['GetItem', 'BatchGetItem'];

/** The brands' Capillary rate-limit counters (links table, TTL items): a read and a conditional block reservation. */
const rateWindow: readonly DynamoAction[] = ['GetItem', 'UpdateItem'];

const postAuth = (links: readonly DynamoAction[]): FunctionAccess => ({
  group: 'postAuth',
  tables: { brands: brandDirectory, links: [...new Set([...links, ...rateWindow])], revocations: revocationCheck },
  secrets: 'read',
  subjectKey: true,
});
/** Get the link, put it (first session, re-link, lease) and release the first-session lease. */
const linkSession: readonly DynamoAction[] = ['GetItem', 'PutItem', 'DeleteItem'];

/**
 * The member API's functions, in a budget of their own: the link read (PutItem re-links a merged customer) and the
 * per-member write windows; the reward issue also releases its idempotency record when Capillary refused the issue.
 */
const memberApi = (links: readonly DynamoAction[]): FunctionAccess => ({ ...postAuth(links), group: 'member' });
const memberReads: readonly DynamoAction[] = ['GetItem', 'PutItem', 'UpdateItem'];

export const FunctionAccessMatrix: Readonly<Record<GatewayFunctionName, FunctionAccess>> = {
  authorizer: {
    group: 'authorizer',
    tables: { brands: brandDirectory, revocations: revocationCheck },
    subjectKey: true,
  },
  health: { group: 'health', tables: {} },
  session: postAuth(linkSession),
  // Reads the link; re-links a merged customer (PutItem), never takes the first-session lease.
  me: postAuth(['GetItem', 'PutItem']),
  profile: postAuth(linkSession),
  registration: postAuth(linkSession),
  identifiers: postAuth(['GetItem', 'PutItem']),
  logout: {
    group: 'logout',
    tables: { brands: brandDirectory, revocations: [...revocationCheck, 'PutItem', 'UpdateItem'] },
    // The CIAM client secret of a confidential app, to revoke its refresh token at logout (RFC 7009).
    secrets: 'read',
    subjectKey: true,
  },
  'backchannel-logout': {
    group: 'logout',
    // PutItem/UpdateItem revoke, the replay marker is a conditional PutItem, DeleteItem forgets it after a failure.
    tables: { brands: brandDirectory, revocations: [...revocationCheck, 'PutItem', 'UpdateItem', 'DeleteItem'] },
    subjectKey: true,
  },
  admin: {
    group: 'admin',
    // brands: versioned puts and deletes with their selector items; links: a deleted brand's links are removed
    // with it (Scan + BatchWriteItem), an issuer change checks for links first, prelink --apply writes links
    // (the session link's lease included); revocations: the token diagnosis reads them as the authorizer does.
    tables: {
      // The brand and its selector items in one TransactWriteItems (Put/Update/Delete/ConditionCheck); the selector
      // items a save claims or releases are read in one BatchGetItem.
      brands: ['GetItem', 'BatchGetItem', 'Query', 'Scan', 'PutItem', 'UpdateItem', 'DeleteItem', 'ConditionCheckItem'],
      links: ['GetItem', 'PutItem', 'DeleteItem', 'Scan', 'BatchWriteItem'],
      revocations: revocationCheck,
    },
    secrets: 'write',
    subjectKey: true,
  },
  // The member API: links read (and written only to repair a link to a merged customer); the reward issue and Neo
  // keep their idempotency records and per-member write windows in the links table too.
  member: memberApi(memberReads),
  'reward-issue': memberApi([...memberReads, 'DeleteItem']),
  neo: memberApi(memberReads),
};

/** The reserved concurrency of one function: its group's budget (the authorizer's own setting), or null. */
export function reservedConcurrencyOf(settings: EnvironmentSettings, name: GatewayFunctionName): number | null {
  const group = FunctionAccessMatrix[name].group;
  return group === 'authorizer' ? settings.authorizer.reservedConcurrency : settings.concurrencyBudgets[group];
}

/** The member API's functions (group `member`). */
export const MemberApiFunctionNames = (Object.keys(FunctionAccessMatrix) as GatewayFunctionName[]).filter(
  (name) => FunctionAccessMatrix[name].group === 'member',
);
