// Reads the one bearer token of a REQUEST authorizer event (RFC 6750 §2.1): exactly one Authorization
// value, scheme Bearer, one token with no whitespace or commas. Anything else is a reason code.
import { MAX_TOKEN_LENGTH } from './compact-jws.js';

export type BearerResult = { token: string } | { reason: BearerRefusal };
export type BearerRefusal =
  | 'AUTHORIZATION_MISSING'
  | 'AUTHORIZATION_MULTIPLE'
  | 'AUTHORIZATION_SCHEME'
  | 'TOKEN_TOO_LARGE'
  | 'TOKEN_MALFORMED';

type HeaderMap = Record<string, string | undefined> | null | undefined;
type MultiHeaderMap = Record<string, string[] | undefined> | null | undefined;

/** Every value of header `lowerName` across both header maps (names compared case-insensitively). */
export function headerValues(headers: HeaderMap, multi: MultiHeaderMap, lowerName: string): string[] {
  const values: string[] = [];
  let multiSeen = false;
  if (multi) {
    for (const name in multi) {
      if (name.toLowerCase() !== lowerName) continue;
      const list = multi[name];
      if (Array.isArray(list)) {
        multiSeen = true;
        for (const item of list) values.push(String(item));
      }
    }
  }
  // API Gateway fills both maps from the same request; the single-value map only adds when multi is absent.
  if (!multiSeen && headers) {
    for (const name in headers) {
      if (name.toLowerCase() !== lowerName) continue;
      const value = headers[name];
      if (value !== undefined && value !== null) values.push(String(value));
    }
  }
  return values;
}

// A character no bearer token may hold. Searching for one is about half the cost of matching the ~1 KB token
// against /^Bearer ([^\s,]+)$/i, with the same accept/reject (the scheme is checked before).
const NOT_IN_TOKEN = /[\s,]/;

/** The bearer token of a request, or why there is none. */
export function extractBearerToken(headers: HeaderMap, multi: MultiHeaderMap): BearerResult {
  const values = headerValues(headers, multi, 'authorization');
  if (values.length === 0) return { reason: 'AUTHORIZATION_MISSING' };
  if (values.length > 1) return { reason: 'AUTHORIZATION_MULTIPLE' };
  const value = values[0] ?? '';
  if (value.length > MAX_TOKEN_LENGTH + 7) return { reason: 'TOKEN_TOO_LARGE' };
  if (!/^bearer /i.test(value))
    return { reason: value.trim() === '' ? 'AUTHORIZATION_MISSING' : 'AUTHORIZATION_SCHEME' };
  const token = value.slice(7);
  if (token.length === 0 || NOT_IN_TOKEN.test(token)) return { reason: 'TOKEN_MALFORMED' };
  return { token };
}
