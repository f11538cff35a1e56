// OpenID Connect Back-Channel Logout 1.0 receiver: reads the form body, verifies the logout token with the
// brand's keys (shared/auth/verify-logout-token.ts), refuses a replayed jti, then revokes the session and
// the user's earlier tokens. Every failure is one BackchannelLogoutError with a stable reason code.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { AuditLog } from '../audit/audit-event.js';
import { processSubjectHasher, type SubjectHasher } from '../audit/subject-hasher.js';
import { TokenError } from '../auth/token-error.js';
import type { LogoutTokenClaims } from '../auth/verify-logout-token.js';
import { type BrandConfig, BrandIdSchema } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { firstHeader } from '../http/headers.js';
import type { RevocationStore } from './revocation-checker.js';

/** Largest form body accepted (a logout token is well under 4 KiB). */
export const MAX_LOGOUT_FORM_BYTES = 16_384;
/** Oldest logout token accepted (iat), before the brand's clock skew; OPs should send them at once. */
export const LOGOUT_TOKEN_MAX_AGE_SECONDS = 120;

/** A refused back-channel logout: `reason` is logged and audited, `description` goes to the OP. */
export class BackchannelLogoutError extends Error {
  readonly reason: string;
  readonly description: string;

  constructor(reason: string, description: string, options?: { cause?: unknown }) {
    super(`${reason}: ${description}`, options);
    this.name = 'BackchannelLogoutError';
    this.reason = reason;
    this.description = description;
  }
}

/** Reads `logout_token` from an `application/x-www-form-urlencoded` POST body (size-capped, exactly one). */
export function readLogoutTokenForm(event: APIGatewayProxyEvent): string {
  if (event.httpMethod !== 'POST') throw new BackchannelLogoutError('METHOD_NOT_ALLOWED', 'use POST');
  const contentType = (firstHeader(event, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (contentType !== 'application/x-www-form-urlencoded') {
    throw new BackchannelLogoutError('CONTENT_TYPE', 'body must be application/x-www-form-urlencoded');
  }
  const raw = event.body ?? '';
  if (raw.length > (event.isBase64Encoded ? Math.ceil((MAX_LOGOUT_FORM_BYTES * 4) / 3) + 4 : MAX_LOGOUT_FORM_BYTES)) {
    throw new BackchannelLogoutError('BODY_TOO_LARGE', 'body too large');
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_LOGOUT_FORM_BYTES) {
    throw new BackchannelLogoutError('BODY_TOO_LARGE', 'body too large');
  }
  const tokens = new URLSearchParams(text).getAll('logout_token');
  if (tokens.length !== 1 || tokens[0] === undefined || tokens[0] === '') {
    throw new BackchannelLogoutError('LOGOUT_TOKEN_MISSING', 'exactly one logout_token is required');
  }
  return tokens[0];
}

export interface BackchannelLogoutDeps {
  store: RevocationStore;
  brands: BrandDirectory;
  audit: AuditLog;
  /** Epoch milliseconds. */
  now: () => number;
  /** verifyLogoutToken bound to the brand's JWKS cache and `now`. */
  verify: (token: string, brand: BrandConfig) => Promise<LogoutTokenClaims>;
  /**
   * When the token names a session and a user, also revoke the user's tokens issued up to the logout
   * (default true: access tokens often carry no sid, so a sid-only revocation would not reach them).
   */
  sessionLogoutRevokesUser?: boolean;
  /** The stage's keyed subject hash of the audit line; defaults to a key of this process only. */
  subjectHasher?: SubjectHasher;
}

const fallbackSubjectHasher = processSubjectHasher();

export interface BackchannelLogoutResult {
  brandId: string;
  sessionRevoked: boolean;
  userRevoked: boolean;
}

/**
 * Processes one logout token for the brand in the path.
 * @throws BackchannelLogoutError for an unknown brand, an invalid or replayed token, or a failed revocation.
 */
export async function processBackchannelLogout(
  deps: BackchannelLogoutDeps,
  brandId: string | undefined,
  token: string,
): Promise<BackchannelLogoutResult> {
  const fail = (reason: string, description: string, cause?: unknown): never => {
    deps.audit.record({
      type: 'logout',
      outcome: 'failure',
      reason,
      ...(brandId !== undefined && BrandIdSchema.safeParse(brandId).success ? { brandId } : {}),
      details: { channel: 'backchannel' },
    });
    throw new BackchannelLogoutError(reason, description, { cause });
  };
  if (brandId === undefined || !BrandIdSchema.safeParse(brandId).success) return fail('BRAND_UNKNOWN', 'unknown brand');
  const brand = await deps.brands.getBrand(brandId);
  if (brand === undefined) return fail('BRAND_UNKNOWN', 'unknown brand');
  if (brand.status !== 'active') return fail('BRAND_DISABLED', 'brand is disabled');

  let claims: LogoutTokenClaims;
  try {
    claims = await deps.verify(token, brand);
  } catch (error) {
    return fail(error instanceof TokenError ? error.reason : 'VERIFY_FAILED', 'invalid logout token', error);
  }

  const nowSeconds = Math.floor(deps.now() / 1000);
  const skew = brand.clockSkewSeconds;
  // The marker must outlive every moment the same token could still be accepted.
  const markerUntil = Math.max(claims.iat + LOGOUT_TOKEN_MAX_AGE_SECONDS, claims.exp ?? 0) + skew + 60;
  let fresh: boolean;
  try {
    fresh = await deps.store.markLogoutTokenUsed(brandId, claims.jti, markerUntil);
  } catch (error) {
    return fail('LOGOUT_FAILED', 'logout failed', error);
  }
  if (!fresh) return fail('REPLAYED', 'logout token already used');
  const until = nowSeconds + brand.maxTokenLifetimeSeconds + skew;
  try {
    if (claims.sid !== undefined) await deps.store.revokeSession(brandId, claims.sid, until);
    // Access tokens often carry no sid, so the user's tokens issued up to the logout (iat, on the CIAM's own
    // clock like every token's iat) are revoked too; the user's other sessions just refresh their tokens.
    if (claims.sub !== undefined && (claims.sid === undefined || (deps.sessionLogoutRevokesUser ?? true))) {
      await deps.store.revokeUserBefore(brandId, claims.sub, claims.iat, until);
    }
  } catch (error) {
    // Let the CIAM's retry through: the token was not used after all.
    await deps.store.forgetLogoutToken(brandId, claims.jti).catch(() => undefined);
    return fail('LOGOUT_FAILED', 'logout failed', error);
  }
  const subjectHash =
    claims.sub !== undefined ? await (deps.subjectHasher ?? fallbackSubjectHasher)(brandId, claims.sub) : undefined;
  const result = {
    brandId,
    sessionRevoked: claims.sid !== undefined,
    userRevoked: claims.sub !== undefined && (claims.sid === undefined || (deps.sessionLogoutRevokesUser ?? true)),
  };
  deps.audit.record({
    type: 'logout',
    outcome: 'success',
    reason: 'BACKCHANNEL',
    brandId,
    ...(subjectHash ? { subjectHash } : {}),
    details: { channel: 'backchannel', sessionRevoked: result.sessionRevoked, userRevoked: result.userRevoked },
  });
  return result;
}
