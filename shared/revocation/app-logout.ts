// App-initiated logout (POST /v1/auth/logout): revokes the caller's session, or its token, or every session
// of the user, long enough that no token it covers can outlive the revocation. An access token without `sid`
// cannot name its session: the app may then send the login's ID token (`id_token_hint`), verified like any
// token of the brand, and its `sid` is revoked too.
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-event.js';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import { MAX_TOKEN_LENGTH } from '../auth/compact-jws.js';
import type { JwksProvider } from '../auth/jwks-cache.js';
import { TokenError } from '../auth/token-error.js';
import { verifyIdToken } from '../auth/verify-id-token.js';
import { type BrandConfig, toFieldIssues } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { ErrorCodes, ForbiddenError, ValidationError } from '../errors.js';
import type { ProviderRevocationOutcome, RefreshTokenRevoker } from './provider-revocation.js';
import type { RevocationStore } from './revocation-checker.js';

/**
 * Body of POST /v1/auth/logout: empty, `{ "allSessions": true }`, `{ "id_token_hint": "<ID token>" }` and/or
 * `{ "refresh_token": "<the login's refresh token>" }` (revoked at the CIAM, RFC 7009).
 */
export const AppLogoutBodySchema = z.strictObject({
  allSessions: z.boolean().optional(),
  id_token_hint: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
  refresh_token: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
});

/** Used when the brand cannot be read: the longest lifetime and skew any brand may configure. */
const FALLBACK_MAX_LIFETIME_SECONDS = 7 * 86_400;
const FALLBACK_SKEW_SECONDS = 300;

export interface AppLogoutDeps {
  store: RevocationStore;
  brands: BrandDirectory;
  audit: AuditLog;
  /** Epoch milliseconds. */
  now: () => number;
  /** JWKS caches for `id_token_hint` (default: the process-wide registry). */
  jwks?: JwksProvider;
  /** Revokes a refresh token the app hands over at the brand's CIAM (RFC 7009); absent: never attempted. */
  refreshTokens?: RefreshTokenRevoker;
}

export interface AppLogoutOptions {
  allSessions: boolean;
  /** The login's ID token, naming the session when the access token has no `sid`. */
  idTokenHint?: string;
  /** The login's refresh token, to revoke at the CIAM. */
  refreshToken?: string;
}

/**
 * What was revoked. `LOGIN_AT_LOGOUT`: a brand that accepts ID tokens, whose login's other credential the
 * logout could not name by session: the user's tokens issued up to now are revoked (both credentials of the
 * login, and the user's other sessions on the brand, which must sign in or refresh again).
 */
type AppLogoutScope =
  | 'SESSION'
  | 'TOKEN'
  | 'ALL_SESSIONS'
  | 'USER_BEFORE_TOKEN'
  | 'LOGIN_AT_LOGOUT'
  | 'ALREADY_REVOKED';

export interface AppLogoutResult {
  scope: AppLogoutScope;
  /** Present when the app sent a refresh token: whether the CIAM revoked it, and why not. */
  refreshToken?: ProviderRevocationOutcome;
}

/** Parses the logout body; 400 VALIDATION_FAILED naming each unknown or mistyped field. */
export function parseAppLogoutBody(body: unknown): AppLogoutOptions {
  const result = AppLogoutBodySchema.safeParse(body);
  if (!result.success) throw new ValidationError('Request body is invalid', toFieldIssues(result.error));
  const { allSessions, id_token_hint: idTokenHint, refresh_token: refreshToken } = result.data;
  return {
    allSessions: allSessions ?? false,
    ...(idTokenHint ? { idTokenHint } : {}),
    ...(refreshToken ? { refreshToken } : {}),
  };
}

const badHint = (message: string) =>
  new ValidationError('id_token_hint is invalid', [{ field: 'id_token_hint', message }]);

/** The session id an `id_token_hint` names: verified for the caller's brand and subject (expired is fine). */
async function hintedSession(
  deps: AppLogoutDeps,
  brand: BrandConfig | undefined,
  auth: AuthorizerContext,
  hint: string,
): Promise<string> {
  if (brand === undefined) throw badHint('cannot be checked: the brand is unknown');
  let verified: Awaited<ReturnType<typeof verifyIdToken>>;
  try {
    verified = await verifyIdToken(
      hint,
      brand,
      { now: deps.now, ...(deps.jwks ? { jwks: deps.jwks } : {}) },
      {
        allowExpired: true,
      },
    );
  } catch (error) {
    if (error instanceof TokenError) throw badHint(`does not verify for this brand (${error.reason})`);
    throw error;
  }
  if (verified.sub !== auth.sub) throw badHint('belongs to another user');
  return verified.sid;
}

/**
 * Logs the caller out. A session (`sid`) is revoked until every token of it issued so far has expired
 * (now + the brand's max token lifetime + clock skew); a token without sid is revoked by `jti` until its
 * own `exp` + skew; `allSessions` revokes every token of the user issued up to now. When the brand accepts ID
 * tokens, both credentials of the login stop working: by the session they share, or else by the user's
 * cut-off at this moment. Idempotent: a token that is already revoked changes nothing (and gets no power to
 * log other sessions out). A refresh token the app sends is then revoked at the CIAM (RFC 7009), and the
 * result says whether that worked.
 */
export async function logoutCaller(
  deps: AppLogoutDeps,
  auth: AuthorizerContext,
  options: AppLogoutOptions,
): Promise<AppLogoutResult> {
  const brand = await deps.brands.getBrand(auth.brandId);
  const scope = await revokeAtGateway(deps, brand, auth, options);
  if (options.refreshToken === undefined) return { scope };
  return { scope, refreshToken: await revokeRefreshToken(deps, brand, auth, options.refreshToken) };
}

/** RFC 7009 at the brand's CIAM, as the app the login belongs to (the token's client when it is the brand's). */
async function revokeRefreshToken(
  deps: AppLogoutDeps,
  brand: BrandConfig | undefined,
  auth: AuthorizerContext,
  refreshToken: string,
): Promise<ProviderRevocationOutcome> {
  if (brand === undefined || deps.refreshTokens === undefined)
    return { revoked: false, reason: 'NO_REVOCATION_ENDPOINT' };
  const client = auth.client !== undefined && brand.clientIds.includes(auth.client) ? auth.client : brand.clientId;
  const outcome = await deps.refreshTokens.revokeRefreshToken(brand, client, refreshToken);
  deps.audit.record({
    type: 'logout',
    outcome: outcome.revoked ? 'success' : 'failure',
    reason: outcome.revoked ? 'APP_REFRESH_TOKEN' : outcome.reason,
    brandId: auth.brandId,
    ...(auth.subjectHash ? { subjectHash: auth.subjectHash } : {}),
    details: { channel: 'app', principalType: auth.principalType, providerRevoked: outcome.revoked },
  });
  return outcome;
}

async function revokeAtGateway(
  deps: AppLogoutDeps,
  brand: BrandConfig | undefined,
  auth: AuthorizerContext,
  options: AppLogoutOptions,
): Promise<AppLogoutScope> {
  if (options.allSessions && auth.principalType !== 'user') {
    throw new ForbiddenError(ErrorCodes.USER_TOKEN_REQUIRED, 'allSessions needs an end-user token');
  }
  const nowSeconds = Math.floor(deps.now() / 1000);
  const audit = (reason: AppLogoutScope) =>
    deps.audit.record({
      type: 'logout',
      outcome: 'success',
      reason: `APP_${reason}`,
      brandId: auth.brandId,
      ...(auth.subjectHash ? { subjectHash: auth.subjectHash } : {}),
      details: { channel: 'app', principalType: auth.principalType },
    });

  // The hint is checked before anything is written: a bad hint changes nothing.
  const hintSid = options.idTokenHint === undefined ? '' : await hintedSession(deps, brand, auth, options.idTokenHint);
  const skew = brand?.clockSkewSeconds ?? FALLBACK_SKEW_SECONDS;
  const coversAllIssued = nowSeconds + (brand?.maxTokenLifetimeSeconds ?? FALLBACK_MAX_LIFETIME_SECONDS) + skew;

  const already = await deps.store.check({
    brandId: auth.brandId,
    sub: auth.sub,
    sid: auth.sid,
    jti: auth.jti,
    iat: auth.iat,
  });
  if (already !== undefined) {
    audit('ALREADY_REVOKED');
    return 'ALREADY_REVOKED';
  }
  const revokeHinted = hintSid !== '' && hintSid !== auth.sid && !options.allSessions;
  if (revokeHinted) {
    // Every token of that login carrying the sid (the ID token itself included) stops working.
    await deps.store.revokeSession(auth.brandId, hintSid, Math.max(coversAllIssued, auth.exp + skew));
  }
  let scope: AppLogoutScope;
  if (options.allSessions) {
    // Our clock may lag the CIAM's: never revoke less than the calling token itself.
    await deps.store.revokeUserBefore(auth.brandId, auth.sub, Math.max(nowSeconds, auth.iat), coversAllIssued);
    scope = 'ALL_SESSIONS';
  } else if (auth.sid !== '') {
    await deps.store.revokeSession(auth.brandId, auth.sid, Math.max(coversAllIssued, auth.exp + skew));
    scope = 'SESSION';
  } else if (auth.jti !== '') {
    await deps.store.revokeToken(auth.brandId, auth.jti, Math.max(auth.exp, nowSeconds) + skew);
    scope = 'TOKEN';
  } else {
    // Nothing names this token alone: revoke it and every older token of the user.
    await deps.store.revokeUserBefore(auth.brandId, auth.sub, auth.iat, Math.max(coversAllIssued, auth.exp + skew));
    scope = 'USER_BEFORE_TOKEN';
  }
  if (revokeHinted) scope = 'SESSION';
  if (!options.allSessions && brand?.acceptIdTokens === true && !sessionCoversLogin(auth, hintSid)) {
    // The brand accepts both credentials of a login and this logout cannot name the other one by session:
    // every token of the user issued up to now stops working (the CIAM's clock may run ahead: never before iat).
    await deps.store.revokeUserBefore(auth.brandId, auth.sub, Math.max(nowSeconds, auth.iat), coversAllIssued);
    scope = 'LOGIN_AT_LOGOUT';
  }
  audit(scope);
  return scope;
}

/**
 * True when the sessions revoked cover both credentials of the login: an access token whose `sid` the login's
 * ID token carries too, or an access token whose ID token the app sent as `id_token_hint` (its session
 * revoked, the access token by its own sid, jti or iat). An ID token as bearer cannot name the access tokens
 * of its login, which often carry no `sid` (oidc-provider, Auth0, Cognito).
 */
function sessionCoversLogin(auth: AuthorizerContext, hintSid: string): boolean {
  return auth.tokenKind !== 'id' && (auth.sid !== '' || hintSid !== '');
}
