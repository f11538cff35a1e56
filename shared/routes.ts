// The API's route table: the one list the CDK stack, the local API Gateway emulator and the OpenAPI
// contract test all read, so they cannot drift apart.

/** Lambda functions behind the API (folder names under functions/). */
export const FunctionNames = [
  'health',
  'session',
  'me',
  'profile',
  'registration',
  'identifiers',
  'logout',
  'backchannel-logout',
  'admin',
  'member',
  'reward-issue',
  'neo',
] as const;
export type FunctionName = (typeof FunctionNames)[number];

/** `ciam`: the Lambda authorizer (bearer token); `iam`: SigV4 in AWS, admin key locally; `none`: public. */
type RouteAuth = 'ciam' | 'iam' | 'none';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  path: string;
  functionName: FunctionName;
  auth: RouteAuth;
  summary: string;
}

// Deliberately alike (the duplicate check pairs its entries): one table, one entry per route, read by the stack,
// the emulator and the OpenAPI test; a helper building entries would hide the table it is.
export const Routes: readonly RouteDefinition[] = [
  { method: 'GET', path: '/health', functionName: 'health', auth: 'none', summary: 'Liveness check' },
  {
    method: 'POST',
    path: '/v1/auth/session',
    functionName: 'session',
    auth: 'ciam',
    summary: 'Link the signed-in CIAM user to a Capillary customer (login, registration, profile update)',
  },
  {
    method: 'POST',
    path: '/v1/auth/logout',
    functionName: 'logout',
    auth: 'ciam',
    summary: 'Revoke the caller session (or all sessions of the user)',
  },
  {
    method: 'POST',
    path: '/v1/auth/backchannel-logout/{brandId}',
    functionName: 'backchannel-logout',
    auth: 'none',
    summary: 'OpenID Connect Back-Channel Logout receiver for one brand',
  },
  { method: 'GET', path: '/v1/me', functionName: 'me', auth: 'ciam', summary: 'The linked Capillary customer' },
  {
    method: 'POST',
    path: '/v1/me/profile/sync',
    functionName: 'profile',
    auth: 'ciam',
    summary: 'Copy changed CIAM profile claims (names) to Capillary',
  },
  {
    method: 'POST',
    path: '/v1/me/registration',
    functionName: 'registration',
    auth: 'ciam',
    summary: 'INSTORE registration with extra loyalty fields',
  },
  {
    method: 'POST',
    path: '/v1/me/identifiers/sync',
    functionName: 'identifiers',
    auth: 'ciam',
    summary: 'Identifier change, step two: apply the CIAM mobile/email change in Capillary',
  },
  { method: 'GET', path: '/v1/admin/brands', functionName: 'admin', auth: 'iam', summary: 'List brands' },
  { method: 'GET', path: '/v1/admin/brands/{brandId}', functionName: 'admin', auth: 'iam', summary: 'Read a brand' },
  {
    method: 'PUT',
    path: '/v1/admin/brands/{brandId}',
    functionName: 'admin',
    auth: 'iam',
    summary: 'Create or update a brand (validated, versioned)',
  },
  {
    method: 'DELETE',
    path: '/v1/admin/brands/{brandId}',
    functionName: 'admin',
    auth: 'iam',
    summary: 'Delete a brand',
  },
  {
    method: 'POST',
    path: '/v1/admin/brands/{brandId}/validate',
    functionName: 'admin',
    auth: 'iam',
    summary: 'Run every save-time check without saving',
  },
  {
    method: 'POST',
    path: '/v1/admin/brands/{brandId}/doctor',
    functionName: 'admin',
    auth: 'iam',
    summary: "Live, read-only checks of the brand's CIAM and Capillary org (the brand doctor)",
  },
  {
    method: 'POST',
    path: '/v1/admin/brands/{brandId}/diagnose',
    functionName: 'admin',
    auth: 'iam',
    summary: "Why the authorizer allows or refuses one token (the authorizer's decision, traced)",
  },
  {
    method: 'POST',
    path: '/v1/admin/brands/{brandId}/prelink',
    functionName: 'admin',
    auth: 'iam',
    summary: "A batch of the CIAM's users: what each first session would do; with apply, link existing members",
  },
  // The member API (docs/member-api.md): the signed-in member's loyalty account, always their own customer.
  {
    method: 'GET',
    path: '/v1/me/loyalty',
    functionName: 'member',
    auth: 'ciam',
    summary: 'Points per program, expiring points, tier and the next tier',
  },
  {
    method: 'GET',
    path: '/v1/me/points/history',
    functionName: 'member',
    auth: 'ciam',
    summary: 'Points earned, redeemed and expired, newest first',
  },
  {
    method: 'GET',
    path: '/v1/me/transactions',
    functionName: 'member',
    auth: 'ciam',
    summary: "The member's transactions",
  },
  { method: 'GET', path: '/v1/me/coupons', functionName: 'member', auth: 'ciam', summary: "The member's coupons" },
  {
    method: 'GET',
    path: '/v1/me/rewards',
    functionName: 'member',
    auth: 'ciam',
    summary: 'The rewards catalog this member may get, with points prices',
  },
  {
    method: 'GET',
    path: '/v1/me/rewards/issued',
    functionName: 'member',
    auth: 'ciam',
    summary: 'Rewards this member got',
  },
  {
    method: 'POST',
    path: '/v1/me/rewards/{rewardId}/issue',
    functionName: 'reward-issue',
    auth: 'ciam',
    summary: 'Exchange points for a reward (Idempotency-Key required)',
  },
  { method: 'GET', path: '/v1/me/neo/{name}', functionName: 'neo', auth: 'ciam', summary: "A brand's Neo API (GET)" },
  { method: 'POST', path: '/v1/me/neo/{name}', functionName: 'neo', auth: 'ciam', summary: "A brand's Neo API (POST)" },
  { method: 'PUT', path: '/v1/me/neo/{name}', functionName: 'neo', auth: 'ciam', summary: "A brand's Neo API (PUT)" },
];

/** Compiles a route path with `{param}` segments into a matcher returning the decoded parameters (admin router, local emulator). */
export function compileRoutePath(path: string): (requestPath: string) => Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = path
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z0-9_]+)\+?\}$/.exec(segment);
      if (!param?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return '([^/]+)';
    })
    .join('/');
  const regex = new RegExp(`^${pattern}/?$`);
  return (requestPath) => {
    const match = regex.exec(requestPath);
    if (!match) return undefined;
    const params: Record<string, string> = {};
    names.forEach((name, index) => {
      const raw = match[index + 1] ?? '';
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw; // a malformed %-escape is kept as sent; the handler's validation refuses it
      }
    });
    return params;
  };
}

export type RouteMatch =
  | { kind: 'found'; route: RouteDefinition; params: Record<string, string> }
  /** The path exists, the method does not (405 METHOD_NOT_ALLOWED); `allowed` lists the methods it has. */
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

/** A router over some of the routes: which one a method and path name, with its path parameters. */
export function createRouter(routes: readonly RouteDefinition[]): (method: string, path: string) => RouteMatch {
  const compiled = routes.map((route) => ({ route, match: compileRoutePath(route.path) }));
  return (method, path) => {
    const allowed: HttpMethod[] = [];
    for (const { route, match } of compiled) {
      const params = match(path);
      if (!params) continue;
      if (route.method === method) return { kind: 'found', route, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  };
}
