// Turns any failed response into one readable message with its stable code: the gateway's error body,
// an OAuth error (CIAM, back-channel logout), API Gateway's bare `{message}` or a network failure.
import { isRecord } from '../../../shared/lang/is-record.js';

export interface Failure {
  code: string;
  message: string;
  details: { field: string; message: string }[];
  requestId?: string;
}

function readDetails(value: unknown): Failure['details'] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isRecord)
    .map((item) => ({ field: String(item.field ?? ''), message: String(item.message ?? '') }));
}

/** Describes a non-2xx response; `body` is the parsed JSON (or text) the server sent. */
export function describeFailure(status: number, body: unknown): Failure {
  if (isRecord(body) && isRecord(body.error) && typeof body.error.code === 'string') {
    const failure: Failure = {
      code: body.error.code,
      message: String(body.error.message ?? ''),
      details: readDetails(body.error.details),
    };
    if (typeof body.error.requestId === 'string') failure.requestId = body.error.requestId;
    return failure;
  }
  if (isRecord(body) && typeof body.error === 'string') {
    return { code: body.error, message: String(body.error_description ?? ''), details: [] };
  }
  const fallback = status === 401 ? 'UNAUTHORIZED' : status === 403 ? 'FORBIDDEN' : `HTTP_${status}`;
  const message = isRecord(body) && typeof body.message === 'string' ? body.message : '';
  return { code: fallback, message: message || `The server answered ${status}`, details: [] };
}

/** A request that never got an answer (server down, CORS refused, offline). */
export function networkFailure(error: unknown): Failure {
  return { code: 'NETWORK_ERROR', message: error instanceof Error ? error.message : String(error), details: [] };
}
