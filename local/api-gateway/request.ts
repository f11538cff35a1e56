// Reading an incoming request as API Gateway sees it: headers in the client's case, query parameters in
// single- and multi-value form, and the body under its size cap.
import type { IncomingMessage } from 'node:http';

export interface RequestHeaders {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
}

export interface RequestQuery {
  queryStringParameters: Record<string, string> | null;
  multiValueQueryStringParameters: Record<string, string[]> | null;
}

/** Headers from Node's `rawHeaders` (name, value, name, value, ...): the last value wins in `headers`. */
export function collectHeaders(rawHeaders: readonly string[]): RequestHeaders {
  // API Gateway keeps the header names as the client sent them; rawHeaders preserves that case.
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] ?? '';
    const value = rawHeaders[i + 1] ?? '';
    headers[name] = value;
    const values = multiValueHeaders[name] ?? [];
    values.push(value);
    multiValueHeaders[name] = values;
  }
  return { headers, multiValueHeaders };
}

/** Query parameters; both forms are null when there are none, as in API Gateway's events. */
export function collectQuery(url: URL): RequestQuery {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [key, value] of url.searchParams) {
    single[key] = value;
    const values = multi[key] ?? [];
    values.push(value);
    multi[key] = values;
  }
  const empty = Object.keys(single).length === 0;
  return {
    queryStringParameters: empty ? null : single,
    multiValueQueryStringParameters: empty ? null : multi,
  };
}

export class BodyTooLarge extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLarge';
  }
}

/** Reads the body; BodyTooLarge as soon as the declared or the received size passes `max`. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
