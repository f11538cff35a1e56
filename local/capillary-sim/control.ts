// The simulator's inspection and control API over HTTP (`/__sim/...`) for the local stack and the tools: its
// customers, calls and org settings, seeding, merges, PII deletions, faults and reset. Never counted as calls.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isRecord } from '../../shared/lang/is-record.js';
import { type SimCustomer, toProfile } from './customers.js';
import type { SimExtension } from './extension.js';
import type { SimFault } from './faults.js';
import type { SimOrgConfig } from './org-config.js';

/** What the control routes read and drive (the simulator's own API). */
export interface SimControlTarget {
  customers(): Iterable<SimCustomer>;
  calls: unknown[];
  org: SimOrgConfig;
  extensions: readonly SimExtension[];
  readBody(req: IncomingMessage): Promise<unknown>;
  seedCustomer(input: { profiles: ReturnType<typeof toProfile>[] }): SimCustomer;
  configure(change: Partial<SimOrgConfig>): void;
  mergeCustomers(survivorId: number, mergedId: number): void;
  deleteCustomerPii(customerId: number): void;
  /** Arms a fault; answers how many are armed. */
  injectFault(fault: SimFault): number;
  clearFaults(): void;
  reset(): void;
}

/** Answers one `/__sim/...` request. */
export async function simControl(
  sim: SimControlTarget,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (method === 'GET' && path === '/__sim/customers') return reply(200, { customers: [...sim.customers()] });
  if (method === 'GET' && path === '/__sim/calls') return reply(200, { count: sim.calls.length, calls: sim.calls });
  if (method === 'GET' && path === '/__sim/config') return reply(200, sim.org);
  const body = method === 'GET' || method === 'DELETE' ? undefined : await sim.readBody(req).catch(() => undefined);
  if (method === 'POST' && path === '/__sim/customers' && isRecord(body) && Array.isArray(body.profiles)) {
    return reply(201, sim.seedCustomer({ profiles: body.profiles.filter(isRecord).map(toProfile) }));
  }
  if (method === 'POST' && path === '/__sim/config' && isRecord(body)) {
    sim.configure(body as Partial<SimOrgConfig>);
    return reply(200, sim.org);
  }
  if (method === 'POST' && path === '/__sim/merge' && isRecord(body)) {
    sim.mergeCustomers(Number(body.survivorId), Number(body.mergedId));
    return reply(200, {});
  }
  if (method === 'POST' && path === '/__sim/pii-delete' && isRecord(body)) {
    sim.deleteCustomerPii(Number(body.customerId));
    return reply(200, {});
  }
  if (method === 'POST' && path === '/__sim/faults' && isRecord(body) && typeof body.kind === 'string') {
    return reply(201, { faults: sim.injectFault(body as SimFault) });
  }
  if (method === 'DELETE' && path === '/__sim/faults') {
    sim.clearFaults();
    return reply(200, { faults: 0 });
  }
  if (method === 'DELETE' && path === '/__sim/calls') {
    sim.calls.length = 0;
    return reply(200, { count: 0 });
  }
  if (method === 'POST' && path === '/__sim/reset') {
    sim.reset();
    return reply(200, {});
  }
  for (const extension of sim.extensions) {
    const answer = extension.control(method, path, body);
    if (answer) return reply(answer.status, answer.body);
  }
  return reply(404, { error: 'unknown simulator control route' });
}
