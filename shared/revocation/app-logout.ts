// App-initiated logout (POST /v1/auth/logout): revokes the caller's session, or its token, or every session
// of the user, long enough that no token it covers can outlive the revocation.
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-event.js';
import { hashSubject } from '../audit/redaction.js';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import { toFieldIssues } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { ErrorCodes, ForbiddenError, ValidationError } from '../errors.js';
import type { RevocationStore } from './revocation-checker.js';

/** Body of POST /v1/auth/logout: empty, or `{ "allSessions": true }`; unknown fields are refused. */
export const AppLogoutBodySchema = z.strictObject({ allSessions: z.boolean().optional() });

/** Used when the brand cannot be read: the longest lifetime and skew any brand may configure. */
const FALLBACK_MAX_LIFETIME_SECONDS = 7 * 86_400;
const FALLBACK_SKEW_SECONDS = 300;

export interface AppLogoutDeps {
  store: RevocationStore;
  brands: BrandDirectory;
  audit: AuditLog;
  /** Epoch milliseconds. */
  now: () => number;
}

export type AppLogoutScope = 'SESSION' | 'TOKEN' | 'ALL_SESSIONS' | 'USER_BEFORE_TOKEN' | 'ALREADY_REVOKED';

/** Parses the logout body; 400 VALIDATION_FAILED naming each unknown or mistyped field. */
export function parseAppLogoutBody(body: unknown): { allSessions: boolean } {
  const result = AppLogoutBodySchema.safeParse(body);
  if (!result.success) throw new ValidationError('Request body is invalid', toFieldIssues(result.error));
  return { allSessions: result.data.allSessions ?? false };
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
  options: { allSessions: boolean },
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
      subjectHash: hashSubject(auth.brandId, auth.sub),
      details: { channel: 'app', principalType: auth.principalType },
    });

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
  const brand = await deps.brands.getBrand(auth.brandId);
  const skew = brand?.clockSkewSeconds ?? FALLBACK_SKEW_SECONDS;
  const coversAllIssued = nowSeconds + (brand?.maxTokenLifetimeSeconds ?? FALLBACK_MAX_LIFETIME_SECONDS) + skew;

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
  audit(scope);
  return scope;
}
