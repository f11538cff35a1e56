import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createSessionHandler } from '../../functions/session/handler.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { ErrorCodes, UnauthorizedError } from '../../shared/errors.js';
import { createLogger } from '../../shared/observability/logger.js';
import { authorizedEvent, lambdaContext } from '../support/events.js';
import { ACCOUNT_ID, OrgReadings, type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';

const accounts = {
  'new-user': {
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: 'Ada@Example.com',
    email_verified: true,
    phone_number: '+44 7700 900001',
    phone_number_verified: true,
  },
  'member-verified': { given_name: 'Grace', family_name: 'Hopper', email: 'grace@example.com', email_verified: true },
  'member-unverified': { given_name: 'Eve', family_name: 'Mallory', email: 'alan@example.com', email_verified: false },
  changer: {
    given_name: 'Katherine',
    family_name: 'Johnson',
    email: 'kj@example.com',
    email_verified: true,
    phone_number: '+15550000001',
    phone_number_verified: true,
  },
  registrant: {
    given_name: 'Mary',
    family_name: 'Jackson',
    email: 'mary@example.com',
    email_verified: true,
    phone_number: '+15550000002',
    phone_number_verified: false,
  },
};

function oauthProfileOf(rig: PostAuthRig, customerId: number) {
  return rig.sim.customer(customerId)?.profiles.find((p) => p.source === 'OAUTH_EXTERNAL');
}

describe.each(OrgReadings)('post-auth flows: CIAM, Capillary simulator ($name), dynalite', (reading) => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    rig = await startPostAuthRig({
      accounts: structuredClone(accounts),
      tablePrefix: `flows-${OrgReadings.indexOf(reading)}`,
      reading,
    });
  });
  afterAll(() => rig.close());

  it('answers 404 CUSTOMER_NOT_LINKED on GET /v1/me before the first session', async () => {
    const { accessToken } = await rig.login('new-user');
    const me = await rig.call('me', accessToken);
    expect(me.status).toBe(404);
    expect(me.body).toMatchObject({ error: { code: 'CUSTOMER_NOT_LINKED' } });
  });

  it('creates a new customer with one OAUTH_EXTERNAL profile whose cuid is the sub', async () => {
    // Arrange
    const { accessToken } = await rig.login('new-user');
    // Act
    const answer = await rig.call('session', accessToken);
    // Assert
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      cuid: 'new-user',
      status: 'created',
      changedFields: [],
      identifierChangePending: false,
      mapped: { firstName: 'Ada', lastName: 'Lovelace', mobile: '447700900001', email: 'ada@example.com' },
    });
    const customers = rig.sim
      .customers()
      .filter((c) => c.profiles.some((p) => p.identifiers.some((i) => i.value === 'new-user')));
    expect(customers).toHaveLength(1);
    const [customer] = customers;
    expect(customer?.id).toBe(answer.body.customerId);
    expect(customer?.profiles).toEqual([
      expect.objectContaining({
        source: 'OAUTH_EXTERNAL',
        accountId: ACCOUNT_ID,
        firstName: 'Ada',
        lastName: 'Lovelace',
        identifiers: [
          { type: 'cuid', value: 'new-user' },
          { type: 'mobile', value: '447700900001' },
          { type: 'email', value: 'ada@example.com' },
        ],
      }),
    ]);
    expect(await rig.links.get('demo', 'new-user')).toMatchObject({ customerId: answer.body.customerId });
    expect(rig.audit.events.at(-1)).toMatchObject({ type: 'session.link', outcome: 'success', reason: 'CREATED' });
    expect(JSON.stringify(rig.audit.events)).not.toContain('new-user');
  });

  it('answers linked on the second session without writing to Capillary', async () => {
    const { accessToken } = await rig.login('new-user');
    const writesBefore = rig.sim.callCount('POST /v2/customers') + rig.sim.callCount('PUT /v2/customers');
    const answer = await rig.call('session', accessToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'linked', changedFields: [], identifierChangePending: false });
    expect(rig.sim.callCount('POST /v2/customers') + rig.sim.callCount('PUT /v2/customers')).toBe(writesBefore);
  });

  it('updates the names when the CIAM profile changed, and then reports no change', async () => {
    rig.ciam.accounts['new-user'] = { ...rig.ciam.accounts['new-user'], given_name: '  Augusta Ada ' };
    const { accessToken } = await rig.login('new-user');
    const updated = await rig.call('session', accessToken);
    expect(updated.body).toMatchObject({ status: 'updated', changedFields: ['firstName'] });
    expect(oauthProfileOf(rig, Number(updated.body.customerId))?.firstName).toBe('Augusta Ada');

    const putsBefore = rig.sim.callCount('PUT /v2/customers');
    const sync = await rig.call('profile', accessToken);
    expect(sync).toMatchObject({ status: 200, body: { status: 'unchanged', changedFields: [] } });
    expect(rig.sim.callCount('PUT /v2/customers')).toBe(putsBefore);
  });

  it('syncs a changed last name through POST /v1/me/profile/sync', async () => {
    rig.ciam.accounts['new-user'] = { ...rig.ciam.accounts['new-user'], family_name: 'King' };
    const { accessToken } = await rig.login('new-user');
    const sync = await rig.call('profile', accessToken);
    expect(sync).toMatchObject({ status: 200, body: { status: 'updated', changedFields: ['lastName'] } });
    expect(oauthProfileOf(rig, Number(sync.body.customerId))?.lastName).toBe('King');
    expect(rig.audit.events.at(-1)).toMatchObject({ type: 'profile.sync', reason: 'UPDATED' });
  });

  it('shows the linked customer with its profiles, cuid and principal on GET /v1/me', async () => {
    const { accessToken } = await rig.login('new-user');
    const context = await rig.contextFor(accessToken);
    const me = await rig.call('me', accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      cuid: 'new-user',
      firstName: 'Augusta Ada',
      lastName: 'King',
      identifiers: expect.arrayContaining([
        { type: 'email', value: 'ada@example.com', source: 'OAUTH_EXTERNAL', accountId: ACCOUNT_ID },
      ]),
      profiles: [expect.objectContaining({ source: 'OAUTH_EXTERNAL', accountId: ACCOUNT_ID })],
      principal: { brandId: 'demo', sub: 'new-user', sid: context.sid, exp: context.exp },
    });
  });

  it('links an existing INSTORE member found by a verified e-mail instead of creating a duplicate', async () => {
    const member = rig.sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          firstName: 'Grace',
          lastName: 'Hopper',
          identifiers: [{ type: 'email', value: 'grace@example.com' }],
        },
      ],
    });
    const before = rig.sim.customers().length;
    const { accessToken } = await rig.login('member-verified');
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 200, body: { customerId: member.id, status: 'linked' } });
    expect(rig.sim.customers()).toHaveLength(before);
    expect(rig.sim.customer(member.id)?.profiles.map((p) => p.source)).toEqual(['INSTORE', 'OAUTH_EXTERNAL']);
    expect(oauthProfileOf(rig, member.id)?.identifiers).toContainEqual({ type: 'cuid', value: 'member-verified' });
    expect(rig.audit.events.at(-1)).toMatchObject({ reason: 'LINKED' });
  });

  it('never takes over a member on an unverified e-mail: the user gets a customer with the cuid only', async () => {
    const member = rig.sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          firstName: 'Alan',
          lastName: 'Turing',
          identifiers: [{ type: 'email', value: 'alan@example.com' }],
        },
      ],
    });
    const { accessToken } = await rig.login('member-unverified');
    const answer = await rig.call('session', accessToken);
    expect(answer).toMatchObject({ status: 201, body: { status: 'created' } });
    expect(answer.body.customerId).not.toBe(member.id);
    expect(rig.sim.customer(member.id)?.profiles).toHaveLength(1);
    expect(oauthProfileOf(rig, Number(answer.body.customerId))?.identifiers).toEqual([
      { type: 'cuid', value: 'member-unverified' },
    ]);
    // The unverified address was never looked up.
    expect(rig.sim.calls.some((call) => call.query.identifierValue === 'alan@example.com')).toBe(false);
  });

  it('reports an identifier change as pending, applies it on sync, and is a no-op when repeated', async () => {
    const first = await rig.call('session', (await rig.login('changer')).accessToken);
    const customerId = Number(first.body.customerId);
    rig.ciam.accounts.changer = {
      ...rig.ciam.accounts.changer,
      email: 'katherine@example.com',
      phone_number: '+1 555 000 0009',
    };
    const { accessToken } = await rig.login('changer');

    const session = await rig.call('session', accessToken);
    expect(session.body).toMatchObject({ status: 'linked', identifierChangePending: true });
    expect(oauthProfileOf(rig, customerId)?.identifiers).toContainEqual({ type: 'email', value: 'kj@example.com' });

    const sync = await rig.call('identifiers', accessToken);
    expect(sync).toMatchObject({ status: 200, body: { status: 'changed' } });
    expect(oauthProfileOf(rig, customerId)?.identifiers).toEqual([
      { type: 'cuid', value: 'changer' },
      { type: 'mobile', value: '15550000009' },
      { type: 'email', value: 'katherine@example.com' },
    ]);
    expect(rig.audit.events.at(-1)).toMatchObject({ type: 'identifier.change', outcome: 'success' });
    expect(JSON.stringify(rig.audit.events.at(-1))).not.toContain('katherine@example.com');

    const calls = rig.sim.callCount('changeIdentifier');
    const again = await rig.call('identifiers', accessToken);
    expect(again.body).toMatchObject({ status: 'unchanged', changes: [] });
    expect(rig.sim.callCount('changeIdentifier')).toBe(calls);
    expect((await rig.call('session', accessToken)).body).toMatchObject({ identifierChangePending: false });
  });

  it('refuses a new identifier held by another customer with 409 IDENTIFIER_TAKEN and changes nothing', async () => {
    const other = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'taken@example.com' }] }],
    });
    rig.ciam.accounts.changer = { ...rig.ciam.accounts.changer, email: 'taken@example.com' };
    const { accessToken } = await rig.login('changer');
    const link = await rig.links.get('demo', 'changer');
    const before = rig.sim.customer(Number(link?.customerId));
    const calls = rig.sim.callCount('changeIdentifier');

    const answer = await rig.call('identifiers', accessToken);
    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'IDENTIFIER_TAKEN' } } });
    expect(rig.sim.customer(Number(link?.customerId))).toEqual(before);
    expect(rig.sim.customer(other.id)?.profiles).toHaveLength(1);
    expect(rig.sim.callCount('changeIdentifier')).toBe(calls);
  });

  it('refuses an unverified new identifier with 403 UNVERIFIED_IDENTIFIER', async () => {
    rig.ciam.accounts.changer = { ...rig.ciam.accounts.changer, email: 'fresh@example.com', email_verified: false };
    const { accessToken } = await rig.login('changer');
    const answer = await rig.call('identifiers', accessToken);
    expect(answer).toMatchObject({ status: 403, body: { error: { code: 'UNVERIFIED_IDENTIFIER' } } });
  });

  it('registers the INSTORE profile with extra fields on the linked customer, identifiers from the token only', async () => {
    const { accessToken } = await rig.login('registrant');
    const answer = await rig.call('registration', accessToken, {
      fields: { dateofbirth: '01/01/1990' },
      extendedFields: { city: 'Leeds', gender: 'Female' },
      consent: { email: true },
    });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({
      status: 'registered',
      identifiers: [{ type: 'email', value: 'mary@example.com' }],
    });
    const customer = rig.sim.customer(Number(answer.body.customerId));
    expect(customer?.profiles.map((p) => p.source)).toEqual(['OAUTH_EXTERNAL', 'INSTORE']);
    const instore = customer?.profiles.find((p) => p.source === 'INSTORE');
    // The mobile is not verified by the CIAM, so only the e-mail is registered on INSTORE.
    expect(instore?.identifiers).toEqual([{ type: 'email', value: 'mary@example.com' }]);
    expect(instore?.fields).toEqual({ dateofbirth: '01/01/1990' });
    expect(instore?.commChannels).toEqual([
      // Consent is `commChannels[].subscribed` (not `meta.subscribed`).
      { type: 'email', value: 'mary@example.com', primary: true, verified: true, subscribed: true },
    ]);
    expect(customer?.extendedFields).toEqual({ city: 'Leeds', gender: 'Female' });
    expect(await rig.links.get('demo', 'registrant')).toMatchObject({ customerId: customer?.id });

    const update = await rig.call('registration', accessToken, { fields: { dateofbirth: '02/02/1990' } });
    expect(update).toMatchObject({ status: 200, body: { status: 'updated', customerId: customer?.id } });
    expect(rig.sim.customer(Number(customer?.id))?.profiles.find((p) => p.source === 'INSTORE')?.fields).toEqual({
      dateofbirth: '02/02/1990',
    });
    expect(rig.audit.events.at(-1)).toMatchObject({ type: 'instore.registration', reason: 'UPDATED' });
  });

  it('reverts a partly applied identifier change when Capillary fails midway, and completes on retry', async () => {
    rig.ciam.accounts.registrant = { ...rig.ciam.accounts.registrant, email: 'mary.j@example.com' };
    const { accessToken } = await rig.login('registrant');
    const customerId = Number((await rig.links.get('demo', 'registrant'))?.customerId);
    const before = rig.sim.customer(customerId);
    // The first changeIdentifier (OAUTH_EXTERNAL) succeeds, the second (INSTORE) keeps failing.
    rig.sim.injectFault({ kind: 'status', status: 500, match: 'changeIdentifier', after: 1, count: 3 });
    const failed = await rig.call('identifiers', accessToken);
    rig.sim.clearFaults();
    expect(failed).toMatchObject({ status: 502, body: { error: { code: 'UPSTREAM_ERROR' } } });
    expect(rig.sim.customer(customerId)?.profiles.map((p) => p.identifiers)).toEqual(
      before?.profiles.map((p) => p.identifiers),
    );

    const retried = await rig.call('identifiers', accessToken);
    expect(retried).toMatchObject({ status: 200, body: { status: 'changed' } });
    for (const profile of rig.sim.customer(customerId)?.profiles ?? []) {
      expect(profile.identifiers).toContainEqual({ type: 'email', value: 'mary.j@example.com' });
      expect(profile.identifiers).not.toContainEqual({ type: 'email', value: 'mary@example.com' });
    }
  });

  it('refuses registration bodies that carry identifiers, unknown fields or oversized values, naming the field', async () => {
    const { accessToken } = await rig.login('registrant');
    const cases: [unknown, string][] = [
      [{ email: 'someone@else.com' }, 'email'],
      [{ mobile: '447700900999', fields: {} }, 'mobile'],
      [{ identifiers: [] }, 'identifiers'],
      [{ nickname: 'x' }, 'nickname'],
      [{ fields: { city: 'x'.repeat(256) } }, 'fields.city'],
      [{ extendedFields: { gender: { nested: true } } }, 'extendedFields.gender'],
      [{ consent: { email: 'yes' } }, 'consent.email'],
      [{ fields: { 'bad key': 'x' } }, 'fields'],
    ];
    for (const [body, field] of cases) {
      const answer = await rig.call('registration', accessToken, body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
      const fields = (answer.body.error as { details: { field: string }[] }).details.map((d) => d.field);
      expect(
        fields.some((f) => f.startsWith(field)),
        `${JSON.stringify(body)} -> ${fields.join()}`,
      ).toBe(true);
    }
  });

  it('refuses malformed or unknown session bodies with 400 naming the field', async () => {
    const { accessToken } = await rig.login('new-user');
    const unknown = await rig.call('session', accessToken, { idToken: 'x.y.z', extra: 1 });
    expect(unknown).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', details: [{ field: 'extra' }] } },
    });
    const wrongType = await rig.call('session', accessToken, { idToken: 42 });
    expect(wrongType.body).toMatchObject({ error: { details: [{ field: 'idToken' }] } });
    const malformed = await rig.call('session', accessToken, '{"idToken":');
    expect(malformed).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
  });

  it('accepts the caller own ID token and refuses another user ID token naming idToken', async () => {
    const own = await rig.login('new-user');
    const ok = await rig.call('session', own.accessToken, { idToken: own.idToken });
    expect(ok).toMatchObject({ status: 200, body: { status: 'linked' } });
    const other = await rig.login('changer');
    const refused = await rig.call('session', own.accessToken, { idToken: other.idToken });
    expect(refused).toMatchObject({ status: 400, body: { error: { details: [{ field: 'idToken' }] } } });
    const forged = await rig.call('session', own.accessToken, { idToken: `${own.idToken.slice(0, -4)}AAAA` });
    expect(forged).toMatchObject({ status: 400, body: { error: { details: [{ field: 'idToken' }] } } });
  });

  it('answers 403 USER_TOKEN_REQUIRED to a client-credentials principal on every user route', async () => {
    const token = await rig.clientToken();
    for (const name of ['session', 'me', 'profile', 'registration', 'identifiers'] as const) {
      const answer = await rig.call(name, token);
      expect(answer, name).toMatchObject({ status: 403, body: { error: { code: 'USER_TOKEN_REQUIRED' } } });
    }
  });
  it('answers 401 when the Authorization header is missing and 403 BRAND_DISABLED for a disabled brand', async () => {
    const { accessToken } = await rig.login('new-user');
    const context = await rig.contextFor(accessToken);
    const noBearer = await rig.handlers.session(authorizedEvent(context, { httpMethod: 'POST' }), lambdaContext);
    expect(noBearer.statusCode).toBe(401);

    const logger = createLogger('test', 'SILENT');
    const brands = new InMemoryBrandDirectory([{ ...rig.brand, status: 'disabled' }]);
    const handler = createSessionHandler({ logger, brands, services: rig.services });
    const event = authorizedEvent(context, { httpMethod: 'POST', headers: { Authorization: `Bearer ${accessToken}` } });
    const disabled = await handler(event, lambdaContext);
    expect(disabled.statusCode).toBe(403);
    expect(JSON.parse(disabled.body).error.code).toBe(ErrorCodes.BRAND_DISABLED);
  });

  it('runs the guards (the revocation check) before touching the CIAM or Capillary', async () => {
    const { accessToken } = await rig.login('new-user');
    const logger = createLogger('test', 'SILENT');
    const handler = createSessionHandler({
      logger,
      brands: new InMemoryBrandDirectory([rig.brand]),
      services: rig.services,
      guards: [
        async () => {
          throw new UnauthorizedError(ErrorCodes.TOKEN_REVOKED, 'Token has been revoked');
        },
      ],
    });
    const calls = rig.sim.callCount();
    const event = authorizedEvent(await rig.contextFor(accessToken), {
      httpMethod: 'POST',
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const answer = await handler(event, lambdaContext);
    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body).error.code).toBe(ErrorCodes.TOKEN_REVOKED);
    expect(rig.sim.callCount()).toBe(calls);
  });
});
