// JSON parsing for untrusted input: size-capped, prototype-pollution safe, objects only where asked.
import { BadRequestError, ErrorCodes } from '../errors.js';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Parses JSON and refuses keys that could pollute prototypes. */
export function safeJsonParse(text: string): unknown {
  return JSON.parse(text, (key, value) => {
    if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError(`forbidden key "${key}"`);
    return value;
  });
}

/** Parses a request body that must be a JSON object (empty body = `{}`); 400 with a stable code otherwise. */
export function parseJsonObjectBody(
  body: string | null | undefined,
  isBase64Encoded: boolean,
  maxBytes = 16_384,
): Record<string, unknown> {
  if (body === null || body === undefined || body === '') return {};
  const text = isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body;
  if (Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new BadRequestError(ErrorCodes.BODY_TOO_LARGE, `Request body exceeds ${maxBytes} bytes`);
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
