// Reading an incoming request as API Gateway sees it: headers in the client's case, query parameters in
// single- and multi-value form (the body is read under its size cap by local/http/read-body.ts).

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
