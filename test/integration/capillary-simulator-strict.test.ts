// The simulator is the contract the post-auth flows are proven against, so it refuses what the published
// Capillary reference refuses, with the documented codes (raw HTTP here, no client in between).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type CapillarySimulator,
  sequentialRoundTrips,
  startCapillarySimulator,
} from '../../local/capillary-simulator.js';
import { simulatorToken } from '../support/simulator-http.js';

describe('Capillary simulator strictness', () => {
  let sim: CapillarySimulator;
  let token: string;

  async function cap(method: string, path: string, body?: unknown) {
    const response = await fetch(`${sim.baseUrl}${path}`, {
      method,
      headers: { 'x-cap-api-oauth-token': token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const codes = (body: Record<string, unknown>, list: 'errors' | 'warnings' = 'errors') =>
    ((body[list] as { code: number }[] | undefined) ?? []).map((item) => item.code);

  beforeAll(async () => {
    sim = await startCapillarySimulator({ clients: [{ key: 'k', secret: 's' }] });
    token = await simulatorToken(sim, 'k', 's');
  });
  beforeEach(() => {
    sim.reset();
    sim.configure({ cuidLookup: 'documented', businessErrorHttp500Share: 0, requireInstoreProfile: false });
  });
  afterAll(() => sim.close());

  function seedTwoSources() {
    return sim.seedCustomer({
      profiles: [
        { source: 'INSTORE', identifiers: [{ type: 'email', value: 'ada@x.co' }] },
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc',
          identifiers: [
            { type: 'cuid', value: 'sub-ada' },
            { type: 'email', value: 'ada@x.co' },
          ],
        },
      ],
    });
  }

  it('refuses a get without source (8016) or with an undocumented one (8003); ALL returns every profile', async () => {
    const ada = seedTwoSources();
    expect(codes((await cap('GET', `/v2/customers/${ada.id}`)).body)).toEqual([8016]);
    expect(codes((await cap('GET', `/v2/customers/${ada.id}?source=OAUTH_EXTERNAL`)).body)).toEqual([8003]);
    expect(codes((await cap('GET', `/v2/customers/${ada.id}?source=WECHAT`)).body)).toEqual([8091]);
    const all = await cap('GET', `/v2/customers/${ada.id}?source=ALL`);
    expect(all.body.profiles).toEqual([
      expect.objectContaining({ source: 'INSTORE', accountId: '' }),
      expect.objectContaining({ source: 'OAUTH_EXTERNAL', accountId: 'acc' }),
    ]);
    const instore = await cap('GET', `/v2/customers/${ada.id}?source=INSTORE`);
    expect((instore.body.profiles as unknown[]).length).toBe(1);
  });

  it('checks lookups against the documented enums and codes', async () => {
    seedTwoSources();
    const lookup = async (query: string) => codes((await cap('GET', `/v2/customers/lookup?${query}`)).body);
    expect(await lookup('identifierName=email&identifierValue=ada%40x.co')).toEqual([8001]);
    expect(await lookup('source=MYSPACE&identifierName=email&identifierValue=ada%40x.co')).toEqual([8003]);
    expect(await lookup('source=OAUTH_EXTERNAL&identifierName=email&identifierValue=ada%40x.co')).toEqual([8045]);
    expect(await lookup('source=ALL&identifierName=nickname&identifierValue=ada')).toEqual([8013]);
    expect(await lookup('source=ALL&identifierName=email&identifierValue=nobody%40x.co')).toEqual([8015]);
    sim.configure({ sourceAccounts: { OAUTH_EXTERNAL: ['acc'] } });
    expect(await lookup('source=OAUTH_EXTERNAL&accountId=zzz&identifierName=email&identifierValue=a%40x.co')).toEqual([
      8011,
    ]);
    sim.configure({ sourceAccounts: {} });
  });

  it('answers the cuid lookup on OAUTH_EXTERNAL only when switched to permissive', async () => {
    const ada = seedTwoSources();
    const path = '/v2/customers/lookup?source=OAUTH_EXTERNAL&accountId=acc&identifierName=cuid&identifierValue=sub-ada';
    expect(codes((await cap('GET', path)).body)).toEqual([8013]);
    sim.configure({ cuidLookup: 'permissive' });
    expect((await cap('GET', path)).body).toMatchObject({ entity: ada.id });
  });

  it('sends a configurable share of business errors with HTTP 500 and the 8xxx body', async () => {
    sim.configure({ businessErrorHttp500Share: 1 });
    const missing = await cap('GET', '/v2/customers/lookup?source=ALL&identifierName=email&identifierValue=n%40x.co');
    expect(missing.status).toBe(500);
    expect(codes(missing.body)).toEqual([8015]);
    const ok = await cap('GET', `/v2/customers/${seedTwoSources().id}?source=ALL`);
    expect(ok.status).toBe(200);
  });

  it('merges customers when changeIdentifier adds an identifier another source holds; the merged id answers 8069', async () => {
    const oauth = sim.seedCustomer({
      profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'acc', identifiers: [{ type: 'cuid', value: 'sub-b' }] }],
    });
    const member = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900123' }] }],
    });
    const merged = await cap('POST', `/v2/customers/${member.id}/changeIdentifier?source=INSTORE`, {
      add: [{ type: 'cuid', value: 'sub-b' }],
      remove: [],
    });
    // The existing holder of the identifier survives; the changed customer is merged into it.
    expect(merged.body).toMatchObject({ createdId: oauth.id });
    expect(codes(merged.body, 'warnings')).toEqual([8050]);
    expect(codes((await cap('GET', `/v2/customers/${member.id}?source=ALL`)).body)).toEqual([8069]);
    expect(sim.customer(oauth.id)?.profiles.map((p) => p.source)).toEqual(['OAUTH_EXTERNAL', 'INSTORE']);
  });

  it('reports refused identifier changes as warnings 8070-8074 beside the createdId, changing nothing', async () => {
    const a = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900001' }] }],
    });
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900002' }] }] });
    sim.seedCustomer({
      profiles: [{ source: 'WEBSITE', accountId: 'w', identifiers: [{ type: 'email', value: 'dup@x.co' }] }],
    });
    sim.seedCustomer({
      profiles: [{ source: 'LINE', accountId: 'l', identifiers: [{ type: 'email', value: 'dup@x.co' }] }],
    });
    const change = (body: unknown) => cap('POST', `/v2/customers/${a.id}/changeIdentifier?source=INSTORE`, body);
    const empty = await change({ add: [], remove: [] });
    expect(empty.body).toMatchObject({ createdId: a.id });
    expect(codes(empty.body, 'warnings')).toEqual([8070]);
    expect(codes((await change({ add: [{ type: 'mobile', value: '447700900002' }] })).body, 'warnings')).toEqual([
      8071,
    ]);
    expect(codes((await change({ add: [{ type: 'email', value: 'dup@x.co' }] })).body, 'warnings')).toEqual([8074]);
    expect(sim.customer(a.id)?.profiles[0]?.identifiers).toEqual([{ type: 'mobile', value: '447700900001' }]);
  });

  it('accepts only the custom and extended fields configured for the org, and no empty extended values', async () => {
    const profile = { source: 'INSTORE', identifiers: [{ type: 'email', value: 'f@x.co' }] };
    const add = (extra: Record<string, unknown>, fields?: Record<string, unknown>) =>
      cap('POST', '/v2/customers', { profiles: [{ ...profile, ...(fields ? { fields } : {}) }], ...extra });
    expect(codes((await add({}, { shoeSize: '42' })).body)).toEqual([1017]);
    expect(codes((await add({ extendedFields: { favourite_colour: 'red' } })).body)).toEqual([91015]);
    expect(codes((await add({ extendedFields: { city: '' } })).body)).toEqual([91015]);
    expect(codes((await add({ extendedFields: { city: null } })).body)).toEqual([91015]);
    expect(codes((await add({ extendedFields: { vip: 'maybe' } })).body)).toEqual([91015]);
    expect(
      (await add({ extendedFields: { city: 'Leeds', vip: true } }, { dateofbirth: '01/01/1990' })).body,
    ).toHaveProperty('createdId');
  });

  it('can require an INSTORE profile before any other (8090)', async () => {
    sim.configure({ requireInstoreProfile: true });
    const oauthOnly = {
      source: 'OAUTH_EXTERNAL',
      accountId: 'acc',
      identifiers: [{ type: 'cuid', value: 'sub-c' }],
    };
    expect(codes((await cap('POST', '/v2/customers', { profiles: [oauthOnly] })).body)).toEqual([8090]);
    const both = await cap('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'c@x.co' }] }, oauthOnly],
    });
    expect(both.body).toHaveProperty('createdId');
  });

  it('keeps documented warnings warnings: 8055 (invalid e-mail dropped) and 8052 (conflicting customers)', async () => {
    const invalid = await cap('POST', '/v2/customers', {
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'mobile', value: '447700900555' },
            { type: 'email', value: 'not-an-email' },
          ],
        },
      ],
    });
    expect(invalid.body).toHaveProperty('createdId');
    // 8107 beside every createdId on an org without a default status label (the simulator's default).
    expect(codes(invalid.body, 'warnings')).toEqual([8055, 8107]);
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'one@x.co' }] }] });
    sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900666' }] }] });
    const conflicting = await cap('POST', '/v2/customers', {
      profiles: [
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc',
          identifiers: [
            { type: 'email', value: 'one@x.co' },
            { type: 'mobile', value: '447700900666' },
          ],
        },
      ],
    });
    expect(conflicting.body).toHaveProperty('createdId');
    expect(codes(conflicting.body, 'warnings')).toEqual([8052, 8107]);
    sim.configure({ defaultStatusLabel: true });
    const labelled = await cap('POST', '/v2/customers', {
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900777' }] }],
    });
    sim.configure({ defaultStatusLabel: false });
    expect(codes(labelled.body, 'warnings')).toEqual([]);
  });

  it('records every call with its full query string and sequence numbers; latency is configurable over HTTP', async () => {
    await fetch(`${sim.baseUrl}/__sim/config`, { method: 'POST', body: JSON.stringify({ latencyMs: 150 }) });
    expect(sim.config().latencyMs).toBe(150);
    const lookup = (value: string) =>
      cap('GET', `/v2/customers/lookup?source=ALL&identifierName=email&identifierValue=${value}`);
    // The two lookups overlap at the simulator because it holds the first until the second has arrived (the
    // latency alone raced the second request's arrival on a busy machine).
    sim.injectFault({ kind: 'together', count: 2, match: 'GET /v2/customers/lookup' });
    await Promise.all([lookup('a%40x.co'), lookup('b%40x.co')]);
    await lookup('c%40x.co');
    sim.configure({ latencyMs: 0 });
    const recorded = (await (await fetch(`${sim.baseUrl}/__sim/calls`)).json()) as {
      calls: { search: string; startSeq: number; endSeq: number }[];
    };
    expect(recorded.calls.map((call) => call.search)).toContain(
      '?source=ALL&identifierName=email&identifierValue=c%40x.co',
    );
    // Two overlapping lookups, then one after them: two sequential round trips.
    expect(sequentialRoundTrips(recorded.calls)).toBe(2);
  });
});
