// The context the authorizer hands to every integration (API Gateway allows strings, numbers and
// booleans only), and its parser on the handler side: handlers trust nothing they did not parse.
import { UnauthorizedError } from '../errors.js';

/** What a verified token says of its principal and itself: the verifier's answer and the context alike. */
export interface TokenFacts {
  /** CIAM subject; for client-credentials tokens, the client id. */
  sub: string;
  /** `user` for end-user tokens, `client` for client-credentials (application) tokens. */
  principalType: 'user' | 'client';
  /** Session id from the token, '' when absent. */
  sid: string;
  /** Token id from the token, '' when absent. */
  jti: string;
  /** Token issued-at and expiry, epoch seconds. */
  iat: number;
  exp: number;
}

export interface AuthorizerContext extends TokenFacts {
  brandId: string;
  orgId: number;
  /** The brand's issuer the token was verified against (handlers refuse it once the brand's issuer changed). */
  iss: string;
  /** The brand's clock skew (seconds) at decision time: handlers refuse the token from `exp + clockSkew` on. */
  clockSkew: number;
  /** Short SHA-256 prefix of the token: correlates logs without exposing the token. */
  tokenHash: string;
  /** The user's keyed hash (shared/audit/subject-hasher.ts), for the handlers' log and audit lines; '' when unknown. */
  subjectHash: string;
  /**
   * Set when the token is on the revocation list (SESSION_REVOKED, TOKEN_REVOKED, USER_REVOKED): every
   * authenticated handler answers it 401 TOKEN_REVOKED, so the gateway and the handlers refuse it alike.
   */
  revoked?: string;
  /**
   * The brand revision the decision was made under. API Gateway may serve this context from its cache for the
   * whole TTL: a handler that finds the brand at another revision verifies the token again under its current
   * rules (shared/auth/current-rules.ts). Absent (a context from before it existed) counts as another revision.
   */
  brandRevision?: string;
  /** `access`, or `id` for an ID token a brand accepts as bearer (`acceptIdTokens`). Absent: access. */
  tokenKind?: 'access' | 'id';
  /** The client the token was issued to (`azp`, else `client_id`, else an ID token's single `aud`), when known. */
  client?: string;
}

/** What API Gateway stores and passes on: every value a string, number or boolean. */
export type AuthorizerContextWire = Record<string, string | number | boolean>;

export function toWireContext(context: AuthorizerContext): AuthorizerContextWire {
  return { ...context };
}

function readString(raw: Record<string, unknown>, key: string): string {
  const value = raw[key];
  if (typeof value !== 'string') throw new UnauthorizedError();
  return value;
}

function readNumber(raw: Record<string, unknown>, key: string): number {
  const value = raw[key];
  // API Gateway passes numbers through as numbers for Lambda, but as strings in some event versions.
  const n = typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new UnauthorizedError();
  return n;
}

/** Parses `event.requestContext.authorizer`; a missing or malformed context is a 401, never a crash. */
export function parseAuthorizerContext(raw: unknown): AuthorizerContext {
  if (raw === null || typeof raw !== 'object') throw new UnauthorizedError();
  const record = raw as Record<string, unknown>;
  const principalType = readString(record, 'principalType');
  if (principalType !== 'user' && principalType !== 'client') throw new UnauthorizedError();
  return {
    brandId: readString(record, 'brandId'),
    orgId: readNumber(record, 'orgId'),
    iss: readString(record, 'iss'),
    sub: readString(record, 'sub'),
    principalType,
    sid: readString(record, 'sid'),
    jti: readString(record, 'jti'),
    iat: readNumber(record, 'iat'),
    exp: readNumber(record, 'exp'),
    clockSkew: readNumber(record, 'clockSkew'),
    tokenHash: readString(record, 'tokenHash'),
    // Absent from an Allow cached before the field existed: the lines are then written without it.
    subjectHash: typeof record.subjectHash === 'string' ? record.subjectHash : '',
    ...(record.revoked === undefined || record.revoked === '' ? {} : { revoked: readString(record, 'revoked') }),
    ...(record.brandRevision === undefined ? {} : { brandRevision: readString(record, 'brandRevision') }),
    ...(record.tokenKind === 'id' ? { tokenKind: 'id' as const } : {}),
    ...(typeof record.client === 'string' && record.client !== '' ? { client: record.client } : {}),
  };
}
