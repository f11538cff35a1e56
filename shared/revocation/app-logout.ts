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
import type { RevocationStore } from './revocation-checker.js';

/** Body of POST /v1/auth/logout: empty, `{ "allSessions": true }` and/or `{ "id_token_hint": "<ID token>" }`. */
export const AppLogoutBodySchema = z.strictObject({
  allSessions: z.boolean().optional(),
  id_token_hint: z.string().min(1).max(MAX_TOKEN_LENGTH).optional(),
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
}

export interface AppLogoutOptions {
  allSessions: boolean;
  /** The login's ID token, naming the session when the access token has no `sid`. */
  idTokenHint?: string;
}

export type AppLogoutScope = 'SESSION' | 'TOKEN' | 'ALL_SESSIONS' | 'USER_BEFORE_TOKEN' | 'ALREADY_REVOKED';

/** Parses the logout body; 400 VALIDATION_FAILED naming each unknown or mistyped field. */
export function parseAppLogoutBody(body: unknown): AppLogoutOptions {
  const result = AppLogoutBodySchema.safeParse(body);
  if (!result.success) throw new ValidationError('Request body is invalid', toFieldIssues(result.error));
  const { allSessions, id_token_hint: idTokenHint } = result.data;
  return { allSessions: allSessions ?? false, ...(idTokenHint ? { idTokenHint } : {}) };
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
 * own `exp` + skew; `allSessions` revokes every token of the user issued up to now. Idempotent: a token
 * that is already revoked changes nothing (and gets no power to log other sessions out).
 */
export async function logoutCaller(
  deps: AppLogoutDeps,
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
  const brand = await deps.brands.getBrand(auth.brandId);
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
  audit(scope);
  return scope;
}
