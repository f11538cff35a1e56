// Strict JWS compact parsing: size caps before any decoding, canonical base64url only, UTF-8 JSON
// objects without duplicate keys or `__proto__`, bounded nesting. Untrusted input never throws
// anything but a TokenError from here.
import { isUtf8 } from 'node:buffer';
import { TokenError, TokenErrorReasons } from './token-error.js';

/** Largest accepted compact token, in characters (checked before decoding anything). */
export const MAX_TOKEN_LENGTH = 8192;
/** Largest accepted decoded header, in bytes. */
const MAX_HEADER_BYTES = 1024;
/** Deepest JSON nesting accepted in a header or claims set. */
const MAX_JSON_DEPTH = 16;

export type JsonObject = Record<string, unknown>;

export interface ParsedJws {
  header: JsonObject;
  claims: JsonObject;
  /** The ASCII bytes of `header.payload`, the JWS signing input. */
  signingInput: Buffer;
  signature: Buffer;
}

const malformed = (message: string) => new TokenError(TokenErrorReasons.TOKEN_MALFORMED, message);

const B64URL_VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) {
  B64URL_VALUE[c.charCodeAt(0)] = i;
}

/**
 * Decodes canonical unpadded base64url; padding, `+`/`/`, whitespace, a length of 4n+1 and non-zero
 * trailing bits are refused (one token string has exactly one spelling).
 */
export function decodeBase64UrlStrict(input: string, start = 0, end = input.length): Buffer {
  const length = end - start;
  if (length % 4 === 1) throw malformed('base64url length is impossible');
  const segment = start === 0 && end === input.length ? input : input.slice(start, end);
  const bytes = Buffer.from(segment, 'base64url');
  // Node's decoder skips, or stops at, every ASCII character outside both base64 alphabets (padding included),
  // so any such character yields fewer bytes than the length implies. It keeps only the low byte of a
  // character above U+00FF ('\u014A' decodes as 'J'), so the UTF-8 length must equal the length (ASCII only).
  // The standard alphabet's '+' and '/' decode like '-' and '_' and are searched for. Native passes instead of
  // a character scan (test/unit/auth/compact-jws.test.ts pins this against a character-by-character reference
  // on each runtime CI runs).
  if (
    bytes.length !== (length * 3) >> 2 ||
    Buffer.byteLength(segment, 'utf8') !== length ||
    segment.includes('+') ||
    segment.includes('/')
  ) {
    throw malformed('not base64url');
  }
  if (length % 4 !== 0) {
    const last = B64URL_VALUE[input.charCodeAt(end - 1)] ?? 0;
    if ((length % 4 === 2 && (last & 0x0f) !== 0) || (length % 4 === 3 && (last & 0x03) !== 0)) {
      throw malformed('non-canonical base64url');
    }
  }
  return bytes;
}

const QUOTE_COLON = /"[ \t\n\r]*:/g;

/** Counts `"` + optional JSON whitespace + `:` sequences (an upper bound on the keys the text names). */
function countQuoteColons(text: string): number {
  let count = 0;
  QUOTE_COLON.lastIndex = 0;
  while (QUOTE_COLON.test(text)) count++;
  return count;
}

/** Scans JSON text for nesting depth and the number of object keys (valid JSON assumed afterwards). */
function scanJson(text: string): number {
  let depth = 0;
  let keys = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i += 2;
        else if (d === 34) break;
        else i++;
      }
      let j = i + 1;
      while (j < n) {
        const w = text.charCodeAt(j);
        if (w !== 32 && w !== 9 && w !== 10 && w !== 13) break;
        j++;
      }
      if (text.charCodeAt(j) === 58 /* : */) keys++;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > MAX_JSON_DEPTH) throw malformed('JSON nested too deeply');
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  return keys;
}

/** Counts the own keys of a parsed JSON value; refuses `__proto__` anywhere and nesting over the cap. */
function countKeys(value: unknown, depth: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (depth > MAX_JSON_DEPTH) throw malformed('JSON nested too deeply');
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countKeys(item, depth + 1);
    return count;
  }
  for (const key in value) {
    if (key === '__proto__') throw malformed('forbidden key __proto__');
    count += 1 + countKeys((value as JsonObject)[key], depth + 1);
  }
  // JSON.parse defines "__proto__" as an own property; for..in sees it, but be explicit.
  if (Object.hasOwn(value, '__proto__')) throw malformed('forbidden key __proto__');
  return count;
}

/** Parses UTF-8 bytes that must hold one JSON object with unique keys and no `__proto__`. */
export function parseJsonObjectStrict(bytes: Buffer): JsonObject {
  const text = bytes.toString('utf8');
  // The decoder writes U+FFFD for every invalid sequence, so a text without one came from valid UTF-8 (a search
  // that ends at once on a one-byte string); only a text holding U+FFFD needs the exact check.
  if (text.includes('\uFFFD') && !isUtf8(bytes)) throw malformed('not UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw malformed('not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed('not a JSON object');
  // Duplicate keys collapse in JSON.parse, so the parsed object has fewer keys than the text names.
  // Every key is a quote followed by optional whitespace and a colon; so are escaped quotes followed by a
  // colon inside strings. Equal counts therefore prove there is no duplicate; otherwise scan exactly.
  const parsedKeys = countKeys(value, 1);
  if (countQuoteColons(text) !== parsedKeys && scanJson(text) !== parsedKeys) throw malformed('duplicate JSON key');
  return value as JsonObject;
}

/** Splits and decodes a compact JWS; no signature or claim is checked here. */
export function parseCompactJws(token: string): ParsedJws {
  if (typeof token !== 'string' || token.length === 0) throw new TokenError(TokenErrorReasons.TOKEN_MISSING);
  if (token.length > MAX_TOKEN_LENGTH) throw new TokenError(TokenErrorReasons.TOKEN_TOO_LARGE);
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (second < 0 || token.indexOf('.', second + 1) >= 0) throw malformed('a JWS has exactly three parts');
  if (first === 0 || second === first + 1) throw malformed('empty header or payload');
  if (second === token.length - 1) throw malformed('empty signature');
  if (first > ((MAX_HEADER_BYTES + 2) / 3) * 4) throw malformed('header too large');
  const header = parseJsonObjectStrict(decodeBase64UrlStrict(token, 0, first));
  const claims = parseJsonObjectStrict(decodeBase64UrlStrict(token, first + 1, second));
  const signature = decodeBase64UrlStrict(token, second + 1);
  return { header, claims, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature };
}
