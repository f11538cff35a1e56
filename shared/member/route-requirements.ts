// Per-route requirements of the member API, checked in the handlers (the authorizer's cached, stage-wide Allow
// stays as it is): the route switched on for the brand, the OAuth scopes it needs (RFC 6750 §3.1:
// 403 insufficient_scope) and the step-up it needs (RFC 9470: 401 insufficient_user_authentication with the
// `acr_values` and `max_age` to sign in again with). Pure: the token's claims and the clock are passed in.
import type { BrandConfig } from '../config/brand-config.js';
import { type MemberRouteName, routeRequirements } from '../config/member-api-rules.js';
import { ErrorCodes, GatewayError, NotFoundError } from '../errors.js';

/** The claims of the (already verified) access token the requirements read. */
export interface MemberTokenClaims {
  scopes: ReadonlySet<string>;
  acr: string | undefined;
  amr: string[];
  /** Epoch seconds of the user's authentication. */
  authTime: number | undefined;
}

/** `scope` (space-separated, RFC 8693/9068) and `scp` (a list or a string, Okta/Entra) together. */
export function tokenClaimsOf(claims: Record<string, unknown>): MemberTokenClaims {
  const scopes = new Set<string>();
  for (const value of [claims.scope, claims.scp]) {
    if (typeof value === 'string') for (const scope of value.split(' ')) if (scope) scopes.add(scope);
    if (Array.isArray(value)) for (const scope of value) if (typeof scope === 'string' && scope) scopes.add(scope);
  }
  const amr = Array.isArray(claims.amr) ? claims.amr.filter((item): item is string => typeof item === 'string') : [];
  return {
    scopes,
    acr: typeof claims.acr === 'string' ? claims.acr : undefined,
    amr,
    authTime: typeof claims.auth_time === 'number' && Number.isFinite(claims.auth_time) ? claims.auth_time : undefined,
  };
}

/** Quoted-string per RFC 9110 §5.6.4 (the values are checked tokens, so only `"` and `\` would need escaping). */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Why a route refused a token before any Capillary call (the audit reason). */
export type RouteRefusal = 'ROUTE_DISABLED' | 'INSUFFICIENT_SCOPE' | 'STEP_UP_REQUIRED';

/** A refusal of the route checks: the error to answer and the reason to audit. */
export class RouteRequirementError extends Error {
  readonly refusal: RouteRefusal;
  readonly answer: GatewayError;
  constructor(refusal: RouteRefusal, answer: GatewayError) {
    super(answer.message);
    this.name = 'RouteRequirementError';
    this.refusal = refusal;
    this.answer = answer;
  }
}

/**
 * Checks one route for one token: off for the brand (404 ROUTE_DISABLED), a missing scope (403
 * INSUFFICIENT_SCOPE), a too weak or too old sign-in (401 STEP_UP_REQUIRED). `nowSeconds` is epoch seconds.
 */
export function checkRouteRequirements(
  brand: Pick<BrandConfig, 'memberApi'>,
  route: MemberRouteName,
  claims: MemberTokenClaims,
  nowSeconds: number,
): void {
  const required = routeRequirements(brand.memberApi, route);
  if (!required.enabled) {
    throw new RouteRequirementError(
      'ROUTE_DISABLED',
      new NotFoundError(ErrorCodes.ROUTE_DISABLED, `The ${route} route is switched off for this brand`),
    );
  }
  const missing = required.requiredScopes.filter((scope) => !claims.scopes.has(scope));
  if (missing.length > 0) {
    const scope = required.requiredScopes.join(' ');
    throw new RouteRequirementError(
      'INSUFFICIENT_SCOPE',
      new GatewayError(403, ErrorCodes.INSUFFICIENT_SCOPE, `The token lacks the scope ${missing.join(' ')}`, {
        wwwAuthenticate: `Bearer error="insufficient_scope", error_description="The token lacks a required scope", scope=${quoted(scope)}`,
      }),
    );
  }
  const stepUp = required.stepUp;
  if (!stepUp) return;
  const acrOk = stepUp.acrValues.length === 0 || (claims.acr !== undefined && stepUp.acrValues.includes(claims.acr));
  const ageOk =
    stepUp.maxAgeSeconds === undefined ||
    (claims.authTime !== undefined && nowSeconds - claims.authTime <= stepUp.maxAgeSeconds);
  if (acrOk && ageOk) return;
  const challenge = ['Bearer error="insufficient_user_authentication"'];
  challenge.push(
    `error_description=${quoted(acrOk ? 'A more recent authentication is required' : 'A different authentication level is required')}`,
  );
  if (stepUp.acrValues.length > 0) challenge.push(`acr_values=${quoted(stepUp.acrValues.join(' '))}`);
  if (stepUp.maxAgeSeconds !== undefined) challenge.push(`max_age=${stepUp.maxAgeSeconds}`);
  const why = acrOk ? 'is too old' : 'is not strong enough';
  throw new RouteRequirementError(
    'STEP_UP_REQUIRED',
    new GatewayError(401, ErrorCodes.STEP_UP_REQUIRED, `The sign-in behind this token ${why} for ${route}`, {
      wwwAuthenticate: challenge.join(', '),
    }),
  );
}
