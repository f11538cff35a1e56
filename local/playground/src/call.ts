// Every request the page makes goes through here, so each one can be shown with its request, status and
// JSON response, and every failure becomes one readable message with its code.
import { describeFailure, type Failure, networkFailure } from './failure.js';

export interface CallInput {
  /** What the call is for, e.g. "Session link". */
  label: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  /** A JSON body. */
  json?: unknown;
  /** A form-encoded body (token endpoint). */
  form?: Record<string, string>;
}

export interface CallRecord {
  id: number;
  label: string;
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  /** Absent when no answer arrived. */
  status?: number;
  ok: boolean;
  durationMs: number;
  /** The response headers a developer cares about (content type, caching, the local authorizer's debug headers). */
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
  failure?: Failure;
}

const SHOWN_RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'retry-after',
  'www-authenticate',
  'x-local-authorizer-cache',
  'x-local-authorizer-context',
  'x-local-authorizer-reason',
];

let nextId = 1;

/** Numbers new calls after those kept from before a redirect. */
export function continueAfter(id: number): void {
  nextId = Math.max(nextId, id + 1);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Makes the request, records it (whatever happens) and hands the record to `onRecord`. */
export async function performCall(input: CallInput, onRecord: (record: CallRecord) => void): Promise<CallRecord> {
  const headers: Record<string, string> = { accept: 'application/json', ...input.headers };
  let body: string | undefined;
  if (input.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(input.json);
  } else if (input.form !== undefined) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(input.form).toString();
  }
  const record: CallRecord = {
    id: nextId++,
    label: input.label,
    method: input.method,
    url: input.url,
    requestHeaders: headers,
    ok: false,
    durationMs: 0,
    responseHeaders: {},
  };
  const requestBody = input.json ?? input.form;
  if (requestBody !== undefined) record.requestBody = requestBody;
  const started = performance.now();
  try {
    const response = await fetch(input.url, {
      method: input.method,
      headers,
      ...(body === undefined ? {} : { body }),
      credentials: 'omit',
      cache: 'no-store',
    });
    record.status = response.status;
    record.ok = response.ok;
    for (const name of SHOWN_RESPONSE_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) record.responseHeaders[name] = value;
    }
    const responseBody = await readBody(response);
    if (responseBody !== undefined) record.responseBody = responseBody;
    if (!response.ok) record.failure = describeFailure(response.status, responseBody);
  } catch (error) {
    record.failure = networkFailure(error);
  }
  record.durationMs = Math.round(performance.now() - started);
  onRecord(record);
  return record;
}
