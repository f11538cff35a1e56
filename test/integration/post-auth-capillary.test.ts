// The post-auth flows against what a real Capillary org answers (strict simulator, both readings of the
// cuid lookup), through the real handlers with real oidc-provider logins: verified identifiers only,
// merged customers followed, refused identifier changes, INSTORE-first orgs, org fields, round trips.
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sequentialRoundTrips } from '../../local/capillary-simulator.js';
import { CuidLookupModes, type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';

const accounts = {
  // Signs up at the CIAM with the victim's address, unverified.
  attacker: {
    given_name: 'Mallory',
    family_name: 'Attacker',
    email: 'victim@example.com',
    email_verified: false,
    phone_number: '+447700900301',
    phone_number_verified: true,
  },
  victim: { given_name: 'Victor', family_name: 'Owner', email: 'victim@example.com', email_verified: true },
  merged: { given_name: 'Meg', family_name: 'Merge', email: 'meg@example.com', email_verified: true },
  changer: {
    given_name: 'Chang',
    family_name: 'Er',
    email: 'chang@example.com',
    email_verified: true,
    phone_number: '+447700900302',
    phone_number_verified: true,
  },
  fields: { given_name: 'Fi', family_name: 'Elds', email: 'fields@example.com', email_verified: true },
  slow: {
    given_name: 'Slow',
    family_name: 'Org',
    email: 'slow@example.com',
    email_verified: true,
    phone_number: '+447700900304',
    phone_number_verified: true,
  },
  joiner: { given_name: 'Jo', family_name: 'Iner', email: 'joiner@example.com', email_verified: true },
  fresh2: {
    given_name: 'Fresh',
    family_name: 'Again',
    email: 'fresh2@example.com',
    email_verified: true,
    phone_number: '+447700900305',
    phone_number_verified: true,
  },
  fresh: {
    given_name: 'Fresh',
    family_name: 'User',
    email: 'fresh@example.com',
    email_verified: true,
    phone_number: '+447700900303',
    phone_number_verified: true,
  },
};

/** Sequential Capillary round trips of the customer API calls made since `from` (the token call excluded). */
function roundTripsSince(rig: PostAuthRig, from: number): number {
  return sequentialRoundTrips(rig.capillaryCalls.slice(from).filter((call) => call.url.pathname.startsWith('/v2/')));
}

describe.each(CuidLookupModes)('post-auth against a strict Capillary org (cuid lookup %s)', (cuidLookup) => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    rig = await startPostAuthRig({ accounts: structuredClone(accounts), tablePrefix: `cap-${cuidLookup}`, cuidLookup });
  });
  beforeEach(() => rig.sim.clearFaults());
  afterAll(() => rig.close());

  it('creates the customer with the cuid and only the identifiers the CIAM verified', async () => {
    const attacker = await rig.login('attacker');
    const created = await rig.call('session', attacker.accessToken);
    expect(created).toMatchObject({ status: 201, body: { status: 'created' } });
    const identifiers = rig.sim.customer(Number(created.body.customerId))?.profiles[0]?.identifiers;
    expect(identifiers).toEqual([
      { type: 'cuid', value: 'attacker' },
      { type: 'mobile', value: '447700900301' },
    ]);
    // The real owner of the address is not locked out: their first session creates their own customer.
    const victim = await rig.login('victim');
    const own = await rig.call('session', victim.accessToken);
    expect(own).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(own.body.customerId).not.toBe(created.body.customerId);
    expect(rig.sim.customer(Number(own.body.customerId))?.profiles[0]?.identifiers).toContainEqual({
      type: 'email',
      value: 'victim@example.com',
    });
  });

  it('follows a customer merged away in Capillary (8069) to the survivor and repairs the link', async () => {
    const { accessToken } = await rig.login('merged');
    const first = await rig.call('session', accessToken);
    const original = Number(first.body.customerId);
    const member = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: '447700900399' }] }],
    });
    rig.sim.mergeCustomers(member.id, original);
    const relinked = await rig.call('session', accessToken);
    expect(relinked).toMatchObject({ status: 200, body: { status: 'linked', customerId: member.id } });
    expect(rig.sim.calls.some((call) => call.codes.includes(8069))).toBe(true);
    expect((await rig.links.get('demo', 'merged'))?.customerId).toBe(member.id);
    expect(await rig.call('me', accessToken)).toMatchObject({ status: 200, body: { customerId: member.id } });
  });

  it('reports a changeIdentifier answered with warning 8074 as a failure, not as changed', async () => {
    const { accessToken } = await rig.login('changer');
    const linked = await rig.call('session', accessToken);
    const customerId = Number(linked.body.customerId);
    rig.ciam.accounts.changer = { ...rig.ciam.accounts.changer, email: 'chang.new@example.com' };
    const before = rig.sim.customer(customerId);
    rig.sim.injectFault({
      kind: 'answer',
      match: 'changeIdentifier',
      count: 1,
      status: 200,
      body: {
        createdId: customerId,
        warnings: [{ status: false, code: 8074, message: 'Identifier found in multiple sources and user ids' }],
      },
    });
    const refused = await rig.call('identifiers', (await rig.login('changer')).accessToken);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'IDENTIFIER_IN_MULTIPLE_CUSTOMERS' } } });
    expect(rig.sim.customer(customerId)?.profiles.map((p) => p.identifiers)).toEqual(
      before?.profiles.map((p) => p.identifiers),
    );
  });

  it('refuses an extended or custom field the org does not have, naming it, before calling Capillary', async () => {
    const { accessToken } = await rig.login('fields');
    await rig.call('session', accessToken);
    const calls = rig.sim.calls.length;
    const refused = await rig.call('registration', accessToken, {
      fields: { shoeSize: '42' },
      extendedFields: { favourite_colour: 'red', vip: 'perhaps' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({
      error: {
        code: 'VALIDATION_FAILED',
        details: [
          { field: 'fields.shoeSize', message: expect.stringContaining('capillary.customFields') },
          { field: 'extendedFields.favourite_colour', message: expect.stringContaining('capillary.extendedFields') },
          { field: 'extendedFields.vip', message: 'must be a boolean' },
        ],
      },
    });
    expect(rig.sim.calls.length).toBe(calls);
    const accepted = await rig.call('registration', accessToken, { extendedFields: { city: 'Leeds', vip: true } });
    expect(accepted).toMatchObject({ status: 201, body: { status: 'registered' } });
  });

  it('answers 503 with Retry-After within the invocation time when Capillary hangs, without further attempts', async () => {
    const { accessToken } = await rig.login('slow');
    rig.sim.injectFault({ kind: 'hang', rate: 1, match: 'GET /v2/customers/lookup' });
    const before = rig.sim.calls.length;
    // 1.6 s left: minus the 1 s reserve, one 600 ms attempt per lookup fits, a retry does not.
    const answer = await rig.call('session', accessToken, undefined, { remainingTimeMs: 1_600 });
    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect(answer.headers['retry-after']).toBe('2');
    const lookups = rig.sim.calls.slice(before).filter((call) => call.path === '/v2/customers/lookup');
    // One attempt per concurrent lookup (cuid while asked, mobile, e-mail), none retried.
    expect(new Set(lookups.map((call) => call.search)).size).toBe(lookups.length);
  });

  // Orgs without a default status label answer a clean add with warning 8107 beside the createdId (the
  // documented success example); it says nothing about the customer, so both kinds of org skip the read-back.
  it.each([false, true])(
    'registers a new user in 2 sequential Capillary round trips, answering what a read-back gives; a returning one in 1 (default status label %s)',
    async (defaultStatusLabel) => {
      const sub = defaultStatusLabel ? 'fresh' : 'fresh2';
      const { accessToken } = await rig.login(sub);
      await rig.call('me', accessToken);
      rig.sim.configure({ latencyMs: 20, defaultStatusLabel });
      try {
        const before = rig.capillaryCalls.length;
        const created = await rig.call('session', accessToken);
        expect(created).toMatchObject({ status: 201, body: { status: 'created' } });
        const addWarnings = rig.sim.calls
          .filter((call) => call.method === 'POST' && call.path === '/v2/customers')
          .at(-1)?.codes;
        expect(addWarnings).toEqual(defaultStatusLabel ? [] : [8107]);
        // Lookups, then the add: a clean creation is not read back.
        expect(roundTripsSince(rig, before)).toBe(2);
        const again = rig.capillaryCalls.length;
        const linked = await rig.call('session', accessToken);
        expect(linked.body).toMatchObject({ status: 'linked' });
        expect(roundTripsSince(rig, again)).toBe(1);
        // The returning session reads the customer back (GET ?source=ALL): same answer as the one built from the add.
        expect({ ...created.body, status: 'linked' }).toEqual(linked.body);
      } finally {
        rig.sim.configure({ latencyMs: 0, defaultStatusLabel: false });
      }
    },
  );

  it('reads the customer back when the add joined an existing member (3 round trips, 4 without the cuid lookup)', async () => {
    const member = rig.sim.seedCustomer({
      profiles: [
        { source: 'INSTORE', firstName: 'Joanna', identifiers: [{ type: 'email', value: 'joiner@example.com' }] },
      ],
    });
    const { accessToken } = await rig.login('joiner');
    const before = rig.capillaryCalls.length;
    const joined = await rig.call('session', accessToken);
    expect(joined).toMatchObject({ status: 200, body: { status: 'linked', customerId: member.id } });
    const trips = roundTripsSince(rig, before);
    // Lookups, add, read-back; an org that refuses the cuid lookup (the documented reading) also has the
    // holder fetched to look for the user's own profile first.
    expect(trips).toBe(cuidLookup === 'documented' ? 4 : 3);
    const view = await rig.call('me', accessToken);
    const profiles = (view.body as { profiles: { source: string }[] }).profiles;
    expect(profiles.map((p) => p.source).sort()).toEqual(['INSTORE', 'OAUTH_EXTERNAL']);
  });
});

describe('capillary.cuidLookup picks how a first session finds the customer', () => {
  const cuidLookups = (rig: PostAuthRig) =>
    rig.sim.calls.filter((call) => call.query.identifierName === 'cuid').map((call) => call.codes);
  const rigs: PostAuthRig[] = [];
  async function rigWith(cuidLookup: 'documented' | 'permissive', mode: 'auto' | 'lookup' | 'profiles') {
    const rig = await startPostAuthRig({
      accounts: structuredClone(accounts),
      tablePrefix: `cap-mode-${cuidLookup}-${mode}`,
      cuidLookup,
      capillary: { cuidLookup: mode },
    });
    rigs.push(rig);
    return rig;
  }
  afterAll(async () => {
    for (const rig of rigs) await rig.close();
  });

  it('auto: asks the org once, then remembers that it refuses the cuid lookup and uses the profiles', async () => {
    const rig = await rigWith('documented', 'auto');
    expect((await rig.call('session', (await rig.login('fresh')).accessToken)).status).toBe(201);
    expect((await rig.call('session', (await rig.login('fields')).accessToken)).status).toBe(201);
    expect(cuidLookups(rig)).toEqual([[8013]]);
  });

  it('auto on an org that answers: keeps using the cuid lookup', async () => {
    const rig = await rigWith('permissive', 'auto');
    await rig.call('session', (await rig.login('fresh')).accessToken);
    await rig.call('session', (await rig.login('fields')).accessToken);
    expect(cuidLookups(rig)).toEqual([[8015], [8015]]);
  });

  it('lookup: a refusing org is a clear CUID_LOOKUP_REFUSED, nothing created', async () => {
    const rig = await rigWith('documented', 'lookup');
    const answer = await rig.call('session', (await rig.login('fresh')).accessToken);
    expect(answer).toMatchObject({ status: 502, body: { error: { code: 'CUID_LOOKUP_REFUSED' } } });
    expect(rig.sim.customers()).toHaveLength(0);
  });

  it('profiles: never sends the undocumented lookup, and finds the customer again after a lost link', async () => {
    const rig = await rigWith('permissive', 'profiles');
    const { accessToken } = await rig.login('fresh');
    const created = await rig.call('session', accessToken);
    await rig.documentClient.send(new DeleteCommand({ TableName: rig.tables.links, Key: { pk: 'link#demo#fresh' } }));
    const again = await rig.call('session', accessToken);
    expect(again).toMatchObject({ status: 200, body: { status: 'linked', customerId: created.body.customerId } });
    expect(cuidLookups(rig)).toEqual([]);
  });
});

describe('post-auth against an org that needs an INSTORE profile first (8090)', () => {
  const org = { requireInstoreProfile: true } as const;
  let plain: PostAuthRig;
  let instoreFirst: PostAuthRig;
  beforeAll(async () => {
    plain = await startPostAuthRig({ accounts: structuredClone(accounts), tablePrefix: 'cap-8090', org });
    instoreFirst = await startPostAuthRig({
      accounts: structuredClone(accounts),
      tablePrefix: 'cap-8090-both',
      org,
      capillary: { createWithInstoreProfile: true },
    });
  });
  afterAll(async () => {
    await plain.close();
    await instoreFirst.close();
  });

  it('answers a clear INSTORE_PROFILE_REQUIRED without the setting', async () => {
    const answer = await plain.call('session', (await plain.login('fresh')).accessToken);
    expect(answer).toMatchObject({ status: 502, body: { error: { code: 'INSTORE_PROFILE_REQUIRED' } } });
    expect(plain.sim.customers()).toHaveLength(0);
  });

  it('creates both profiles in one add call with capillary.createWithInstoreProfile, so 8090 never happens', async () => {
    const answer = await instoreFirst.call('session', (await instoreFirst.login('fresh')).accessToken);
    expect(answer).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(instoreFirst.sim.callCount('POST /v2/customers')).toBe(1);
    const customer = instoreFirst.sim.customer(Number(answer.body.customerId));
    expect(customer?.profiles.map((p) => p.source)).toEqual(['INSTORE', 'OAUTH_EXTERNAL']);
    expect(customer?.profiles[0]?.identifiers).toEqual([
      { type: 'mobile', value: '447700900303' },
      { type: 'email', value: 'fresh@example.com' },
    ]);
    expect(instoreFirst.sim.calls.some((call) => call.codes.includes(8090))).toBe(false);
  });
});
