// Capillary's v2 envelope, decided from the body first: success is a created id / entity / the resource with
// no `errors[]`; a business code (8xxx ...) is a final answer whatever the HTTP status says (Capillary sends
// them with 500 as well, "500: requests have failed due to errors"); only a 5xx/429 without a business code,
// 521 and timeouts are worth a retry.
import {
  CONCURRENT_ACTION_CODE,
  type CapillaryCallError,
  type CapillaryFailureInfo,
  isBusinessCode,
  toCapillaryError,
} from './capillary-errors.js';
import { type CapillaryEnvelope, EnvelopeSchema } from './capillary-types.js';

/** One HTTP answer as the transport read it. */
export interface RawAnswer {
  status: number;
  requestId: string | undefined;
  json: unknown;
  retryAfterHeader: string | null;
}

/** What a successful call carries: `id` (createdId / entity) or the customer `resource`. */
export type Expectation = 'id' | 'resource';

export type Verdict<T> =
  | { kind: 'done'; value: T }
  | { kind: 'retry' }
  /** 401 with OAuth: renew the token once, then try again. */
  | { kind: 'renew-auth' }
  | { kind: 'fail'; error: Error };

export interface EnvelopeAnswer {
  envelope: CapillaryEnvelope;
  json: unknown;
  requestId: string | undefined;
}

function parseEnvelope(json: unknown): CapillaryEnvelope | undefined {
  const parsed = EnvelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function errorCodes(json: unknown): number[] {
  return (parseEnvelope(json)?.errors ?? []).map((item) => item.code);
}

export function failureInfo(answer: RawAnswer): CapillaryFailureInfo {
  return { codes: errorCodes(answer.json), httpStatus: answer.status, requestId: answer.requestId };
}

function succeeded(envelope: CapillaryEnvelope, json: unknown, expect: Expectation): boolean {
  if ((envelope.errors?.length ?? 0) > 0) return false;
  if (expect === 'resource') return json !== null && typeof json === 'object' && 'id' in json;
  return typeof envelope.createdId === 'number' || typeof envelope.entity === 'number';
}

/** A 5xx/429/521 without a business code: Capillary may answer differently next time. */
export function isRetryable(status: number, codes: readonly number[]): boolean {
  if (codes.some(isBusinessCode)) return false;
  return status >= 500 || status === 429 || codes.includes(CONCURRENT_ACTION_CODE);
}

/** Classifies one answer of a v2 customer call (the body's codes before the HTTP status). */
export function judgeApiAnswer(
  operation: string,
  answer: RawAnswer,
  expect: Expectation,
  renewableAuth: 'renewable' | 'fixed',
): Verdict<EnvelopeAnswer> {
  const envelope = parseEnvelope(answer.json);
  if (envelope && succeeded(envelope, answer.json, expect)) {
    return { kind: 'done', value: { envelope, json: answer.json, requestId: answer.requestId } };
  }
  const info = failureInfo(answer);
  if (info.codes.some(isBusinessCode)) return { kind: 'fail', error: toCapillaryError(operation, info) };
  if (answer.status === 401 && renewableAuth === 'renewable') return { kind: 'renew-auth' };
  if (isRetryable(answer.status, info.codes)) return { kind: 'retry' };
  return { kind: 'fail', error: toCapillaryError(operation, info) satisfies CapillaryCallError };
}
