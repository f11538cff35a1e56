// The one place request headers are read: names compared case-insensitively across API Gateway's
// single-value and multi-value maps, and the one Authorization parser (RFC 7235 scheme, case-insensitive;
// RFC 6750 b64token). The authorizer, every handler and the local emulator read headers through here, so
// a header the authorizer accepts is accepted by the handlers behind it, and the other way round.
import { MAX_TOKEN_LENGTH } from '../auth/compact-jws.js';
import { UnauthorizedError } from '../errors.js';

type HeaderMap = Readonly<Record<string, string | undefined | null>> | null | undefined;
type MultiHeaderMap = Readonly<Record<string, readonly string[] | undefined | null>> | null | undefined;

/** Anything carrying API Gateway's two header maps (authorizer events, proxy events, the emulator). */
export interface HeaderSource {
  headers?: HeaderMap;
  multiValueHeaders?: MultiHeaderMap;
}

/** Largest Authorization value read: the token cap plus the scheme (checked before any parsing). */
const MAX_AUTHORIZATION_LENGTH = MAX_TOKEN_LENGTH + 7;

/**
 * `text` holds `lower` (lower-case ASCII) at `start` in any letter case. Header names and the auth scheme are
 * ASCII tokens (RFC 9110 §5.1, §11.1), so only ASCII letters fold, and no lower-cased copy is made.
 */
function holdsIgnoringCase(text: string, lower: string, start = 0): boolean {
  if (text.length < start + lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    const want = lower.charCodeAt(i);
    const got = text.charCodeAt(start + i);
    // OR-ing 0x20 lower-cases an ASCII capital, and only a capital or the letter itself gives a letter.
    if (got !== want && !(want >= 97 && want <= 122 && (got | 0x20) === want)) return false;
  }
  return true;
}

/** `key` names the header `lowerName` in any letter case. */
const sameName = (key: string, lowerName: string) =>
  key.length === lowerName.length && holdsIgnoringCase(key, lowerName);

/** Every value of header `name` (any letter case) across both maps. */
export function headerValues(source: HeaderSource, name: string): string[] {
  const lowerName = name.toLowerCase();
  const values: string[] = [];
  let multiSeen = false;
  const multi = source.multiValueHeaders;
  if (multi) {
    for (const key in multi) {
      if (!sameName(key, lowerName)) continue;
      const list = multi[key];
      if (Array.isArray(list)) {
        multiSeen = true;
        for (const item of list) values.push(String(item));
      }
    }
  }
  // API Gateway fills both maps from the same request; the single-value map only counts when multi is absent.
  const single = source.headers;
  if (!multiSeen && single) {
    for (const key in single) {
      if (!sameName(key, lowerName)) continue;
      const value = single[key];
      if (value !== undefined && value !== null) values.push(String(value));
    }
  }
  return values;
}

/** The value of a header that may appear at most once: undefined when absent, `{ multiple: true }` when repeated. */
export function singleHeader(source: HeaderSource, name: string): string | undefined | { multiple: true } {
  const values = headerValues(source, name);
  if (values.length > 1) return { multiple: true };
  return values[0];
}

/** The first value of a header (for headers where repeats are harmless, e.g. Content-Type, Origin). */
export function firstHeader(source: HeaderSource, name: string): string | undefined {
  return headerValues(source, name)[0];
}

type BearerRefusal =
  | 'AUTHORIZATION_MISSING'
  | 'AUTHORIZATION_MULTIPLE'
  | 'AUTHORIZATION_SCHEME'
  | 'TOKEN_TOO_LARGE'
  | 'TOKEN_MALFORMED';
export type BearerResult = { token: string } | { reason: BearerRefusal };

// RFC 7235 §2.1: credentials = auth-scheme 1*SP token68; RFC 6750 §2.1: b64token, scheme case-insensitive.
const NOT_B64TOKEN = /[^A-Za-z0-9\-._~+/]/;

/** RFC 6750 b64token (`1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`). */
function isB64Token(token: string): boolean {
  let end = token.length;
  while (end > 0 && token.charCodeAt(end - 1) === 61 /* = */) end--;
  if (end === 0) return false;
  const bad = token.search(NOT_B64TOKEN);
  return bad === -1 || bad >= end;
}

/** Length of the `Bearer` scheme and its spaces at the start of `value` (any letter case), 0 when absent. */
function bearerSchemeLength(value: string): number {
  if (!holdsIgnoringCase(value, 'bearer')) return 0;
  let end = 6;
  while (value.charCodeAt(end) === 32) end++;
  return end === 6 ? 0 : end;
}

/**
 * The credential after `Bearer ` of a request's one Authorization header, without its character check: for
 * callers that parse it with a stricter grammar at once (the authorizer's verifier takes base64url segments
 * and dots only, a subset of b64token, and refuses anything else as TOKEN_MALFORMED), so the ~1 KB token is
 * not scanned twice. Everyone else reads `readBearerToken`.
 */
export function readBearerCredential(source: HeaderSource): BearerResult {
  const values = headerValues(source, 'authorization');
  if (values.length === 0) return { reason: 'AUTHORIZATION_MISSING' };
  if (values.length > 1) return { reason: 'AUTHORIZATION_MULTIPLE' };
  const value = values[0] ?? '';
  if (value.length > MAX_AUTHORIZATION_LENGTH) return { reason: 'TOKEN_TOO_LARGE' };
  const schemeLength = bearerSchemeLength(value);
  if (schemeLength === 0) return { reason: value.trim() === '' ? 'AUTHORIZATION_MISSING' : 'AUTHORIZATION_SCHEME' };
  if (schemeLength === value.length) return { reason: 'TOKEN_MALFORMED' };
  return { token: value.slice(schemeLength) };
}

/** Reads the one bearer token of a request, or says why there is none (a reason code, never an exception). */
export function readBearerToken(source: HeaderSource): BearerResult {
  const credential = readBearerCredential(source);
  if ('token' in credential && !isB64Token(credential.token)) return { reason: 'TOKEN_MALFORMED' };
  return credential;
}

/** The bearer token of a request the authorizer already allowed; 401 when it is somehow not readable. */
export function requireBearerToken(source: HeaderSource): string {
  const result = readBearerToken(source);
  if ('reason' in result) throw new UnauthorizedError();
  return result.token;
}
