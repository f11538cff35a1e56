// How endpoint families beyond the v2 customer API plug into the Capillary simulator (local/capillary-simulator.ts):
// the core hands each extension its customers and its checks, and asks it first for every API call and control
// route. Kept apart so the families live in their own modules (local/capillary-sim/loyalty.ts).
import type { IncomingHttpHeaders } from 'node:http';
import type { SimCustomer } from './customers.js';

/** One answer of the simulator. */
export interface SimAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** One API call as an extension sees it (the body already parsed; undefined for GET or an empty body). */
export interface SimRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** The call carries a valid server-to-server credential (OAuth token or till Basic auth). */
  authorized: boolean;
}

/** What the core shares with its extensions. */
export interface SimCore {
  /** The live customer, or the v2 answer for an id merged away (8069) or unknown (8015). */
  live(id: number): SimCustomer | SimAnswer;
  /** The v2 `GET /v2/customers/{id}` answer (source rules, 8016, 8069, 8015 included). */
  getCustomer(id: number, query: Record<string, string>): SimAnswer;
  /** Every live customer holding this identifier on any source. */
  holders(identifier: { type: string; value: string }): SimCustomer[];
  /** Epoch milliseconds (the simulator's clock). */
  now(): number;
  random(): number;
}

export interface SimExtension {
  /** Answers an API call of its family, or undefined to leave it to the core. */
  route(request: SimRequest): Promise<SimAnswer | undefined> | SimAnswer | undefined;
  /** Answers a `/__sim/...` control route, or undefined. */
  control(method: string, path: string, body: unknown): { status: number; body: unknown } | undefined;
  /** Forgets its data (the simulator's reset). */
  reset(): void;
}

/** Narrows an answer from what was found instead (a customer, a customer with its account...). */
export function isAnswer<T extends object>(value: T | SimAnswer): value is SimAnswer {
  return 'body' in value && 'status' in value;
}
