import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { CapillaryClient } from '../../shared/capillary/capillary-client.js';
import { CapillaryConflictError, CapillaryIdentifierChangeError } from '../../shared/capillary/capillary-errors.js';
import { InMemorySecretSource } from '../../shared/config/secret-source.js';

describe('Capillary simulator through the real client', () => {
  let sim: CapillarySimulator;
  let api: CapillaryClient;
  beforeAll(async () => {
    sim = await startCapillarySimulator({
      clients: [{ key: 'k', secret: 's' }],
      tills: [{ tillId: 'till.demo', password: 'pw' }],
    });
    api = new CapillaryClient({
      baseUrl: sim.baseUrl,
      authMode: 'oauth',
      credentialsParameter: '/cap',
      secrets: new InMemorySecretSource({ '/cap': JSON.stringify({ key: 'k', secret: 's' }) }),
      // No call here is meant to time out: the brand default, not a short bound every answer races on a busy machine.
      timeoutMs: 5_000,
      sleep: async () => undefined,
    });
  });
  beforeEach(() => sim.reset());
  afterAll(() => sim.close());

  it('puts X-Cap-Requestid on every answer and refuses calls without valid credentials', async () => {
    const anonymous = await fetch(`${sim.baseUrl}/v2/customers/1`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-cap-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    const badToken = await fetch(`${sim.baseUrl}/v3/oauth/token/generate`, {
      method: 'POST',
      body: JSON.stringify({ key: 'k', secret: 'wrong' }),
    });
    expect(badToken.status).toBe(401);
    const basic = await fetch(
      `${sim.baseUrl}/v2/customers/lookup?source=ALL&identifierName=email&identifierValue=a%40b.co`,
      {
        headers: {
          authorization: `Basic ${Buffer.from(`till.demo:${createHash('md5').update('pw').digest('hex')}`).toString('base64')}`,
        },
      },
    );
    expect(await basic.json()).toMatchObject({ errors: [{ code: 8015 }] });
  });

  it('answers a malformed or oversized body 400 Invalid JSON in the Capillary envelope', async () => {
    for (const body of ['{', JSON.stringify({ pad: 'x'.repeat(1_000_000) })]) {
      const answer = await fetch(`${sim.baseUrl}/v2/customers`, { method: 'POST', body });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({
        warnings: [],
        errors: [{ status: false, code: 400, message: 'Invalid JSON' }],
      });
    }
  });

  it('adds, looks up by e-mail on OAUTH_EXTERNAL, gets with source=ALL and updates a customer', async () => {
    const { customerId } = await api.addCustomer({
      profiles: [
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc',
          firstName: 'Ada',
          identifiers: [
            { type: 'cuid', value: 'sub-1' },
            { type: 'email', value: 'ada@b.co' },
          ],
        },
      ],
    });
    const byEmail = { identifierName: 'email', identifierValue: 'ada@b.co' } as const;
    expect(await api.lookupCustomerId({ source: 'OAUTH_EXTERNAL', accountId: 'acc', ...byEmail })).toBe(customerId);
    expect(await api.lookupCustomerId({ source: 'OAUTH_EXTERNAL', accountId: 'other', ...byEmail })).toBeUndefined();
    expect((await api.lookupCustomer({ source: 'ALL', ...byEmail }))?.id).toBe(customerId);
    await api.updateCustomer(customerId, 'OAUTH_EXTERNAL', 'acc', {
      profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'acc', lastName: 'Lovelace', fields: { tier: 'gold' } }],
      extendedFields: { city: 'Leeds' },
    });
    const customer = await api.getCustomer(customerId);
    expect(sim.calls.at(-1)?.search).toBe('?source=ALL');
    expect(customer.profiles[0]).toMatchObject({
      source: 'OAUTH_EXTERNAL',
      accountId: 'acc',
      firstName: 'Ada',
      lastName: 'Lovelace',
      fields: { tier: 'gold' },
    });
    expect(customer.extendedFields).toEqual({ city: 'Leeds' });
  });

  it('refuses a duplicate identifier in the same source with 8006 and merges across sources with warning 8050', async () => {
    const member = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'a@b.co' }] }],
    });
    const duplicate = await api
      .addCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'a@b.co' }] }] })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(CapillaryConflictError);
    expect(duplicate).toMatchObject({ capillary: { codes: [8006] } });
    const merged = await api.addCustomer({
      profiles: [
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc',
          identifiers: [
            { type: 'cuid', value: 's' },
            { type: 'email', value: 'a@b.co' },
          ],
        },
      ],
    });
    expect(merged).toMatchObject({ customerId: member.id, warnings: [{ code: 8050 }] });
    expect(sim.customers()).toHaveLength(1);
  });

  it('changes identifiers atomically and refuses one held by another customer in that source', async () => {
    const a = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'a@b.co' }] }],
    });
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'taken@b.co' }] }] });
    const refused = await api
      .changeIdentifier(a.id, 'INSTORE', undefined, {
        add: [{ type: 'email', value: 'taken@b.co' }],
        remove: [{ type: 'email', value: 'a@b.co' }],
      })
      .catch((e: unknown) => e);
    // Refusals of changeIdentifier come as warnings beside the createdId (8072: e-mail already attached).
    expect(refused).toBeInstanceOf(CapillaryIdentifierChangeError);
    expect(refused).toMatchObject({ code: 'IDENTIFIER_TAKEN', capillary: { codes: [8072] } });
    expect(sim.customer(a.id)?.profiles[0]?.identifiers).toEqual([{ type: 'email', value: 'a@b.co' }]);
    await api.changeIdentifier(a.id, 'INSTORE', undefined, {
      add: [{ type: 'email', value: 'new@b.co' }],
      remove: [{ type: 'email', value: 'a@b.co' }],
    });
    expect(sim.customer(a.id)?.profiles[0]?.identifiers).toEqual([{ type: 'email', value: 'new@b.co' }]);
  });

  it('injects faults for the next N matching calls and counts every call', async () => {
    sim.injectFault({ kind: 'status', status: 503, count: 1, match: 'lookup' });
    sim.injectFault({ kind: 'concurrent', count: 1, match: 'lookup' });
    expect(
      await api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'x@y.zz' }),
    ).toBeUndefined();
    expect(sim.calls.filter((c) => c.path === '/v2/customers/lookup').map((c) => c.status)).toEqual([503, 521, 200]);
    expect(sim.callCount('GET /v2/customers/lookup')).toBe(3);
  });
  it('offers the same inspection and fault switches over HTTP for the local stack', async () => {
    const seeded = await fetch(`${sim.baseUrl}/__sim/customers`, {
      method: 'POST',
      body: JSON.stringify({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'h@t.tp' }] }] }),
    });
    expect(seeded.status).toBe(201);
    await fetch(`${sim.baseUrl}/__sim/faults`, {
      method: 'POST',
      body: JSON.stringify({ kind: 'status', status: 500, count: 1 }),
    });
    expect(await api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'h@t.tp' })).toBe(
      (await seeded.json()).id,
    );
    const calls = await (await fetch(`${sim.baseUrl}/__sim/calls`)).json();
    expect(calls.calls.map((c: { status: number }) => c.status)).toEqual([500, 200]);
    const listed = await (await fetch(`${sim.baseUrl}/__sim/customers`)).json();
    expect(listed.customers).toHaveLength(1);
  });
});
