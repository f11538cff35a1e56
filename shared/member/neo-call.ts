// GET/POST/PUT /v1/me/neo/{name}: the brand's Neo APIs (custom dataflows) by allow-list. Only a name the brand's
// `memberApi.neo` lists routes, with the method it names; the member's customer id (from the link store) goes where
// the entry says (the `{customerId}` path segment, a query parameter or a body field), and a request that sends
// that parameter or field itself is refused. Other query parameters and the JSON object body (size-limited by the
// handler) are passed on; the dataflow's status and JSON body come back, none of Capillary's headers.
import type { NeoAnswer } from '../capillary/loyalty-calls.js';
import { CUSTOMER_ID_PLACEHOLDER, type NeoEntryInput } from '../config/member-api-rules.js';
import { ErrorCodes, MethodNotAllowedError, NotFoundError, ValidationError } from '../errors.js';
import { isRecord } from '../lang/is-record.js';
import { withMemberCustomer } from './member-customer.js';
import { auditMember, loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';
import { admitWrite } from './write-limit.js';

export interface NeoRequest {
  name: string | undefined;
  method: string;
  /** Every value of every query parameter. */
  query: Record<string, readonly string[]>;
  body: Record<string, unknown>;
  /** Whether the request carried a body at all (a GET must not). */
  hasBody: boolean;
}

/** RFC 6901 reference tokens of a `body:` place (`~1` is `/`, `~0` is `~`). */
export function pointerTokens(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const refuse = (field: string, message: string) => new ValidationError('The request is invalid', [{ field, message }]);

/** The body with `value` at `pointer`, objects created on the way; 400 when the client set it or a step is no object. */
export function withBodyValue(body: Record<string, unknown>, pointer: string, value: unknown): Record<string, unknown> {
  const tokens = pointerTokens(pointer);
  const root: Record<string, unknown> = structuredClone(body);
  let node = root;
  tokens.forEach((token, index) => {
    const last = index === tokens.length - 1;
    if (last) {
      if (Object.hasOwn(node, token)) throw refuse(`body${pointer}`, 'is set by the gateway from the signed-in member');
      node[token] = value;
      return;
    }
    const next = Object.hasOwn(node, token) ? node[token] : undefined;
    if (next === undefined) {
      const created: Record<string, unknown> = {};
      node[token] = created;
      node = created;
    } else if (isRecord(next)) {
      node = next;
    } else {
      throw refuse(`body${pointer}`, `cannot be set: ${tokens.slice(0, index + 1).join('.')} is not an object`);
    }
  });
  return root;
}

function entryFor(caller: MemberCaller, request: NeoRequest): NeoEntryInput {
  const entry = (caller.brand.memberApi?.neo ?? []).find((item) => item.name === request.name);
  if (!entry)
    throw new NotFoundError(ErrorCodes.NEO_API_NOT_FOUND, `No Neo API named ${request.name ?? ''} for this brand`);
  if (entry.method !== request.method) {
    throw new MethodNotAllowedError(ErrorCodes.METHOD_NOT_ALLOWED, `The Neo API ${entry.name} takes ${entry.method}`);
  }
  return entry;
}

export async function callNeo(services: MemberServices, caller: MemberCaller, request: NeoRequest): Promise<NeoAnswer> {
  const entry = entryFor(caller, request);
  const method = entry.method;
  if (method === 'GET' && request.hasBody) throw refuse('body', 'a GET Neo API takes no body');
  const place = entry.customerId;
  const queryName = place.startsWith('query:') ? place.slice('query:'.length) : undefined;
  if (queryName !== undefined && Object.hasOwn(request.query, queryName)) {
    throw refuse(`query.${queryName}`, 'is set by the gateway from the signed-in member');
  }
  const pointer = place.startsWith('body:') ? place.slice('body:'.length) : undefined;
  // Checked before anything is spent: the member cannot name the field the gateway fills.
  if (pointer !== undefined) withBodyValue(request.body, pointer, 0);
  if (method !== 'GET') await admitWrite(services, caller, 'neo');
  const answer = await withMemberCustomer(services, caller, (customerId) =>
    loyaltyCallsFor(services, caller).neo({
      method,
      path:
        place === 'path'
          ? entry.path
              .split('/')
              .map((segment) => (segment === CUSTOMER_ID_PLACEHOLDER ? String(customerId) : segment))
              .join('/')
          : entry.path,
      params: queryName === undefined ? request.query : { ...request.query, [queryName]: String(customerId) },
      ...(method === 'GET'
        ? {}
        : { body: pointer === undefined ? request.body : withBodyValue(request.body, pointer, customerId) }),
    }),
  );
  if (method !== 'GET') {
    auditMember(services, caller, {
      type: 'member.write',
      outcome: answer.status < 400 ? 'success' : 'failure',
      reason: 'NEO_CALLED',
      details: { neo: entry.name, status: answer.status },
    });
  }
  return answer;
}
