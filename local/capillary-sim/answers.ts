// Capillary's answer envelope as the simulator writes it: `errors[]` and `warnings[]` items of documented codes
// (capillary-sim/codes.ts), and the codes an answer carries (for the call log).
import { isRecord } from '../../shared/lang/is-record.js';
import type { SimCode } from './codes.js';
import type { SimAnswer } from './extension.js';

export type Answer = SimAnswer;

export interface StatusItem {
  status: false;
  code: number;
  message: string;
}

export function item(code: number, message: string): StatusItem {
  return { status: false, code, message };
}

export function errorAnswer(status: number, code: number, message: string): Answer {
  return { status, body: { warnings: [], errors: [item(code, message)] } };
}

/** An answer with one documented code of a family table (capillary-sim/codes.ts). */
export function fail(status: number, code: SimCode, message: string = code.message): Answer {
  return errorAnswer(status, code.code, message);
}

export function codesOf(body: unknown): number[] {
  if (!isRecord(body)) return [];
  return [body.errors, body.warnings]
    .flatMap((list) => (Array.isArray(list) ? list : []))
    .filter(isRecord)
    .map((entry) => Number(entry.code))
    .filter(Number.isFinite);
}
