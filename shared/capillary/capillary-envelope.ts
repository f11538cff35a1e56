// Capillary's v2 envelope, decided from the body first, as the call's code family reads it: success is a
// created id / entity / the resource with no `errors[]`; a business code (8xxx ...) is a final answer whatever
// the HTTP status says (Capillary sends them with 500 as well, "500: requests have failed due to errors"); the
// credentials' refusal (HTTP 401 or code 401 in the body) renews the token once; only a 5xx/429 without a
// business code, 521 and timeouts are worth a retry.
import {
  type CodeFamily,
  CustomerV2Codes,
  isBusinessCode,
  meaningOf,
  meaningOfMessages,
  CONCURRENT_ACTION_CODE,
} from './capillary-codes.js';
import { type CapillaryCallError, type CapillaryFailureInfo, errorForMeaning } from './capillary-errors.js';
import { type CapillaryEnvelope, EnvelopeSchema } from './capillary-types.js';
import { isRecord } from '../lang/is-record.js';

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
  /** The gateway's token was refused (expired or revoked early): renew it once, then try again. */
  | { kind: 'renew-auth' }
  | { kind: 'fail'; error: Error };

export interface EnvelopeAnswer {
  envelope: CapillaryEnvelope;
  json: unknown;
  requestId: string | undefined;
}

export function parseEnvelope(json: unknown): CapillaryEnvelope | undefined {
  const parsed = EnvelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function errorCodes(json: unknown): number[] {
  return (parseEnvelope(json)?.errors ?? []).map((item) => item.code);
}

/** Every message of the body: the top-level `message` and those of `errors[]` and `warnings[]`. */
function messagesOf(json: unknown, envelope: CapillaryEnvelope | undefined): string[] {
  const items = [...(envelope?.errors ?? []), ...(envelope?.warnings ?? [])].map((item) => item.message);
  return isRecord(json) && typeof json.message === 'string' ? [json.message, ...items] : items;
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

/** Classifies one answer of a Capillary call (the body's codes, as `family` reads them, before the HTTP status). */
export function judgeApiAnswer(
  operation: string,
  answer: RawAnswer,
  expect: Expectation,
  renewableAuth: 'renewable' | 'fixed',
  family: CodeFamily = CustomerV2Codes,
): Verdict<EnvelopeAnswer> {
  const envelope = parseEnvelope(answer.json);
  const info = failureInfo(answer);
  // The erased customer's read is documented by its message alone, whatever code or status travels with it.
  if (meaningOfMessages(family, messagesOf(answer.json, envelope)) === 'deleted') {
    return { kind: 'fail', error: errorForMeaning('deleted', operation, info) };
  }
  if (envelope && succeeded(envelope, answer.json, expect)) {
    return { kind: 'done', value: { envelope, json: answer.json, requestId: answer.requestId } };
  }
  const meaning = meaningOf(family, 'errors', info.codes);
  if (answer.status === 401 || meaning === 'auth-refused') {
    return renewableAuth === 'renewable'
      ? { kind: 'renew-auth' }
      : { kind: 'fail', error: errorForMeaning('auth-refused', operation, info) };
  }
  if (info.codes.some(isBusinessCode)) return { kind: 'fail', error: errorForMeaning(meaning, operation, info) };
  if (meaning === 'retry-later' || isRetryable(answer.status, info.codes)) return { kind: 'retry' };
  return { kind: 'fail', error: errorForMeaning(meaning, operation, info) satisfies CapillaryCallError };
}
