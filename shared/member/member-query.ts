// The query parameters of the member routes and their opaque cursors. Parameters a route does not know are
// ignored (never used: no parameter can select a customer); known ones are validated, 400 VALIDATION_FAILED
// naming each. A cursor is base64url JSON naming its route, so a cursor of another route or a forged one is a 400.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { z } from 'zod';
import { toFieldIssues } from '../config/brand-rules.js';
import { ValidationError } from '../errors.js';
import { isRecord } from '../lang/is-record.js';

/** The last value of each query parameter (API Gateway's single-value map). */
export function queryOf(event: Pick<APIGatewayProxyEvent, 'queryStringParameters'>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {}))
    if (typeof value === 'string') query[key] = value;
  return query;
}

/** Parses the known parameters of a route (unknown ones pass unread); 400 naming `query.<name>` on a bad value. */
export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, string>): z.output<T> {
  const result = schema.safeParse(query);
  if (!result.success) throw new ValidationError('Query parameters are invalid', toFieldIssues(result.error, 'query'));
  return result.data;
}

/** A page size `limit` between 1 and `max` (default `fallback`). */
export function limitParam(fallback: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,4}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(max))
    .optional()
    .transform((value) => value ?? fallback);
}

export const CursorParam = z.string().max(2048).optional();

/** An opaque cursor: `{route, ...state}` as base64url JSON. */
export function encodeCursor(route: string, state: Record<string, number | string>): string {
  return Buffer.from(JSON.stringify({ r: route, ...state }), 'utf8').toString('base64url');
}

/** Reads a cursor of `route` with the state `schema` describes; a foreign or malformed cursor is a 400. */
export function decodeCursor<T extends z.ZodType>(route: string, cursor: string, schema: T): z.output<T> {
  const refuse = () =>
    new ValidationError('Query parameters are invalid', [
      { field: 'query.cursor', message: 'is not a cursor of this route' },
    ]);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!isRecord(raw) || raw.r !== route) throw refuse();
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw refuse();
  return parsed.data;
}
