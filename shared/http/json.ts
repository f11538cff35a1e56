// JSON parsing for untrusted input: size-capped, prototype-pollution safe, objects only where asked.
import {
  BadRequestError,
  DEFAULT_MAX_BODY_BYTES,
  ErrorCodes,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses JSON and refuses keys that could pollute prototypes. */
export function safeJsonParse(text: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}"`);
    return value;
  });
}

/** `application/json` or any `+json` type, parameters allowed. */
const JSON_MEDIA_TYPE = /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * A JSON route refuses a body declared as something else (415). A body without a Content-Type is read
 * as JSON (curl and many clients leave it out); an empty body needs none.
 */
export function assertJsonContentType(contentType: string | undefined, body: string | null | undefined): void {
  if (body === null || body === undefined || body === '' || contentType === undefined) return;
  if (!JSON_MEDIA_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      ErrorCodes.UNSUPPORTED_MEDIA_TYPE,
      'Send the body as application/json (Content-Type: application/json)',
    );
  }
}

/**
 * Parses a request body that must be a JSON object (empty body = `{}`): 413 BODY_TOO_LARGE over
 * `maxBytes`, 400 INVALID_JSON otherwise.
 */
export function parseJsonObjectBody(
  body: string | null | undefined,
  isBase64Encoded: boolean,
  maxBytes = DEFAULT_MAX_BODY_BYTES,
): Record<string, unknown> {
  if (body === null || body === undefined || body === '') return {};
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new PayloadTooLargeError(ErrorCodes.BODY_TOO_LARGE, `Request body exceeds ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = safeJsonParse(text);
  } catch {
    throw new BadRequestError(ErrorCodes.INVALID_JSON, 'Request body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(ErrorCodes.INVALID_JSON, 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
