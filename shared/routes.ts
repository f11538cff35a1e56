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
] as const;
export type FunctionName = (typeof FunctionNames)[number];

/** `ciam`: the Lambda authorizer (bearer token); `iam`: SigV4 in AWS, admin key locally; `none`: public. */
export type RouteAuth = 'ciam' | 'iam' | 'none';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteDefinition {
  method: HttpMethod;
  /** API Gateway resource path, with `{param}` placeholders. */
  path: string;
  functionName: FunctionName;
  auth: RouteAuth;
  summary: string;
}

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
];
