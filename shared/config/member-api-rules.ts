// The rules of a brand's `memberApi` setting that both brand parsers share (the full zod schema in
// member-api-config.ts and the zod/mini read path in brand-item-parser.ts), and the resolved view the member
// handlers read. Kept free of zod so the functions' read path imports it cheaply.

/** The member API's route names, as a brand's `memberApi.routes` keys them. */
export const MemberRouteNames = [
  'loyalty',
  'pointsHistory',
  'transactions',
  'coupons',
  'rewards',
  'rewardIssue',
  'rewardsIssued',
  'neo',
] as const;
export type MemberRouteName = (typeof MemberRouteNames)[number];

/** HTTP methods a Neo dataflow's trigger can use (CAPILLARY.md 10.7: "GET, POST or PUT"). */
export const NeoMethods = ['GET', 'POST', 'PUT'] as const;
type NeoMethod = (typeof NeoMethods)[number];

/** RFC 6749 §3.3 scope-token: printable ASCII without space, `"` and `\`. */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/;
export const SCOPE_TOKEN_MESSAGE = 'must be an OAuth scope token (printable ASCII, no space, quote or backslash)';

/** An `acr` value as RFC 9470's `acr_values` carries it (space-separated, so no spaces or quotes inside). */
export const ACR_VALUE_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]{1,200}$/;
export const ACR_VALUE_MESSAGE = 'must be an acr value (printable ASCII, no space, quote or backslash)';

/** Neo API names: the `{name}` segment of `/v1/me/neo/{name}`. */
export const NEO_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const NEO_NAME_MESSAGE = 'must be 1-63 lowercase letters, digits or dashes, starting with a letter or digit';

/** `/x/neo/` and path segments of unreserved characters, `{customerId}` allowed as a whole segment. */
const NEO_PATH_PATTERN = /^\/x\/neo(\/([A-Za-z0-9._~-]+|\{customerId\}))+$/;
export const NEO_PATH_MESSAGE =
  'must be a Capillary Neo path: /x/neo/ then segments of letters, digits, ".", "_", "~" or "-", and {customerId} as a whole segment';

/** `path`, `query:<parameter>` or `body:<JSON pointer>`: where the server puts the member's customer id. */
const NEO_CUSTOMER_ID_PATTERN = /^(path|query:[A-Za-z][A-Za-z0-9_.-]{0,63}|body:(\/([^/~]|~[01]){1,64}){1,8})$/;
export const NEO_CUSTOMER_ID_MESSAGE =
  'must be "path", "query:<parameter>" or "body:<JSON pointer>" (e.g. body:/data/customerId, at most 8 levels)';

/** The member's customer id segment in a Neo path. */
export const CUSTOMER_ID_PLACEHOLDER = '{customerId}';

export function isNeoPath(path: string): boolean {
  return NEO_PATH_PATTERN.test(path) && !path.split('/').some((segment) => segment === '.' || segment === '..');
}

export function isNeoCustomerIdPlace(place: string): boolean {
  return NEO_CUSTOMER_ID_PATTERN.test(place);
}

/** One Neo entry as both parsers read it. */
export interface NeoEntryInput {
  name: string;
  method: NeoMethod;
  path: string;
  customerId: string;
}

/** Cross-field problems of the Neo list (placeholder use, GET bodies, duplicate names); field paths under `memberApi`. */
export function neoEntryIssues(entries: readonly NeoEntryInput[]): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    if (seen.has(entry.name)) issues.push({ path: ['neo', index, 'name'], message: 'is listed twice' });
    seen.add(entry.name);
    const placeholders = entry.path.split('/').filter((segment) => segment === CUSTOMER_ID_PLACEHOLDER).length;
    if (entry.customerId === 'path' && placeholders !== 1) {
      issues.push({
        path: ['neo', index, 'path'],
        message: 'must hold {customerId} exactly once when customerId is "path"',
      });
    }
    if (entry.customerId !== 'path' && placeholders > 0) {
      issues.push({ path: ['neo', index, 'path'], message: 'holds {customerId} but customerId is not "path"' });
    }
    if (entry.method === 'GET' && entry.customerId.startsWith('body:')) {
      issues.push({
        path: ['neo', index, 'customerId'],
        message: 'a GET has no body: use "path" or "query:<parameter>"',
      });
    }
  });
  return issues;
}

/** A step-up requirement needs an accepted `acr` or a maximum authentication age (or both). */
export const STEP_UP_EMPTY_MESSAGE = 'needs acrValues, maxAgeSeconds or both';

/** The per-member write limit when a brand sets none: 10 writes a minute. */
export const DEFAULT_WRITE_LIMIT = { maxWrites: 10, windowSeconds: 60 } as const;

/** What a brand sets for one route (every key optional). */
interface MemberRouteSettings {
  enabled?: boolean | undefined;
  requiredScopes?: string[] | undefined;
  stepUp?: { acrValues?: string[] | undefined; maxAgeSeconds?: number | undefined } | undefined;
}

/** A brand's `memberApi` as stored (both parsers produce this shape). */
export interface MemberApiSettings {
  routes?: { [R in MemberRouteName]?: MemberRouteSettings | undefined } | undefined;
  neo?: NeoEntryInput[] | undefined;
  rewards?: { brand: string; till: string; programId?: number | undefined } | undefined;
  writeLimit?: { maxWrites: number; windowSeconds: number } | undefined;
}

/** What a member route requires of the caller, with every default applied. */
export interface RouteRequirements {
  enabled: boolean;
  requiredScopes: string[];
  stepUp: { acrValues: string[]; maxAgeSeconds: number | undefined } | undefined;
}

/** The requirements of `route` under a brand's settings (absent: on, no scope, no step-up). */
export function routeRequirements(settings: MemberApiSettings | undefined, route: MemberRouteName): RouteRequirements {
  const own = settings?.routes?.[route];
  const stepUp = own?.stepUp;
  return {
    enabled: own?.enabled ?? true,
    requiredScopes: own?.requiredScopes ?? [],
    stepUp: stepUp ? { acrValues: stepUp.acrValues ?? [], maxAgeSeconds: stepUp.maxAgeSeconds } : undefined,
  };
}
