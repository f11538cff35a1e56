// The post-auth flows against what a real org answers beyond the happy path (issue 22), through the real
// handlers with real oidc-provider logins, the Capillary simulator in each reading it offers
// (local/capillary-sim/readings.ts) and dynalite: merged customers, lost answers, several holders of one
// identifier and dual eligibility, the OAUTH_EXTERNAL account, throttling and tokens, one spelling per phone,
// every not-found answer; and (issue 21 item 11) unverified identifiers that neither block nor leak.
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHandler as createSessionHandler } from '../../functions/session/handler.js';
import { simReadingDefaults } from '../../local/capillary-simulator.js';
import type { AccountClaims } from '../../local/dev-ciam.js';
import { DynamoRateWindowStore } from '../../shared/adapters/dynamo-rate-window-store.js';
import { CapillaryClients } from '../../shared/capillary/capillary-client.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { createLogger } from '../../shared/observability/logger.js';
import { authorizedEvent, lambdaContext } from '../support/events.js';
import { ACCOUNT_ID, type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';

let rig: PostAuthRig;
let counter = 0;
/** Every reading at its default (the documented one where the reference says), no rate limit. */
const documented = { ...simReadingDefaults(), rateLimits: {}, baseCountry: 'IN' };

beforeAll(async () => {
  rig = await startPostAuthRig({ accounts: {}, tablePrefix: 'org-answers' });
});
beforeEach(() => {
  rig.sim.clearFaults();
  rig.sim.configure(documented);
  rig.brands.put(rig.brand);
});
afterAll(() => rig.close());

/** A new CIAM user (unique sub) and its access token. */
async function user(claims: AccountClaims): Promise<{ sub: string; accessToken: string }> {
  const sub = `user-${++counter}`;
  rig.ciam.accounts[sub] = claims;
  return { sub, accessToken: (await rig.login(sub)).accessToken };
}

/** The rig's brand with other settings, as a re-save would give it (a new revision). */
function brandWith(
  change: { capillary?: Partial<BrandConfig['capillary']> } & Partial<Omit<BrandConfig, 'capillary'>>,
): void {
  const { capillary, ...rest } = change;
  rig.brands.put({
    ...rig.brand,
    ...rest,
    capillary: { ...rig.brand.capillary, ...capillary },
    revision: `rev-${++counter}`,
  });
}

const verifiedEmail = (email: string, extra: AccountClaims = {}): AccountClaims => ({
  given_name: 'Test',
  family_name: 'User',
  email,
  email_verified: true,
  ...extra,
});

/** Writes to `/v2/customers/<id>` (PUT, changeIdentifier) the simulator received since `from`. */
function writesTo(id: number, from: number): string[] {
  return rig.sim.calls
    .slice(from)
    .filter((call) => call.method !== 'GET' && call.path.startsWith(`/v2/customers/${id}`))
    .map((call) => `${call.method} ${call.path}`);
}

describe.each(['error', 'warning', 'silent'] as const)('a merged customer (8069 as %s) (item 1)', (mergedCustomer) => {
  beforeEach(() => rig.sim.configure({ mergedCustomer }));

  it('follows the merge to the survivor, repairs the link (audited) and never writes to the merged-away id', async () => {
    const meg = await user(verifiedEmail(`meg${counter}@example.com`));
    const first = await rig.call('session', meg.accessToken);
    const original = Number(first.body.customerId);
    const member = rig.sim.seedCustomer({
      profiles: [
        { source: 'INSTORE', identifiers: [{ type: 'mobile', value: `9198${String(counter).padStart(8, '0')}` }] },
      ],
    });
    rig.sim.mergeCustomers(member.id, original);
    rig.ciam.accounts[meg.sub] = { ...rig.ciam.accounts[meg.sub], given_name: 'Margaret' };
    const from = rig.sim.calls.length;

    const again = await rig.call('session', (await rig.login(meg.sub)).accessToken);

    expect(again).toMatchObject({ status: 200, body: { status: 'updated', customerId: member.id } });
    expect(writesTo(original, from)).toEqual([]);
    expect(writesTo(member.id, from)).toEqual([`PUT /v2/customers/${member.id}`]);
    expect((await rig.links.get('demo', meg.sub))?.customerId).toBe(member.id);
    expect(rig.audit.events).toContainEqual(
      expect.objectContaining({
        type: 'session.link',
        reason: 'LINK_REPAIRED',
        details: expect.objectContaining({ customerId: member.id, previousCustomerId: original }),
      }),
    );
  });

  it('serves GET /v1/me and profile sync from the survivor the org names, or asks for a session when it names none', async () => {
    const ann = await user(verifiedEmail(`ann${counter}@example.com`));
    const original = Number((await rig.call('session', ann.accessToken)).body.customerId);
    const member = rig.sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [] }] });
    rig.sim.mergeCustomers(member.id, original);
    const from = rig.sim.calls.length;
    rig.ciam.accounts[ann.sub] = { ...rig.ciam.accounts[ann.sub], family_name: 'Merged' };

    const me = await rig.call('me', ann.accessToken);
    const sync = await rig.call('profile', ann.accessToken);

    if (mergedCustomer === 'error') {
      // 8069 as an error names no survivor: the next session finds the user again.
      expect(me).toMatchObject({ status: 404, body: { error: { code: 'CUSTOMER_NOT_LINKED' } } });
      expect(sync).toMatchObject({ status: 404 });
    } else {
      expect(me).toMatchObject({ status: 200, body: { customerId: member.id } });
      expect(sync).toMatchObject({ status: 200, body: { customerId: member.id, status: 'updated' } });
      expect((await rig.links.get('demo', ann.sub))?.customerId).toBe(member.id);
    }
    expect(writesTo(original, from)).toEqual([]);
  });
});

describe('a lost answer is not a refusal (item 2)', () => {
  it('reports an identifier change whose first answer was lost as changed, not 409 IDENTIFIER_CHANGE_REFUSED', async () => {
    const kim = await user(verifiedEmail(`kim${counter}@example.com`));
    const customerId = Number((await rig.call('session', kim.accessToken)).body.customerId);
    rig.ciam.accounts[kim.sub] = { ...rig.ciam.accounts[kim.sub], email: `kim.new${counter}@example.com` };
    // Capillary makes the change, then the answer is lost (HTTP 500 without a code): the retry meets 8070.
    rig.sim.injectFault({ kind: 'fail-after-write', match: 'changeIdentifier', count: 1 });

    const sync = await rig.call('identifiers', (await rig.login(kim.sub)).accessToken);

    expect(sync).toMatchObject({ status: 200, body: { status: 'changed', customerId } });
    expect(rig.sim.calls.filter((c) => c.path.endsWith('changeIdentifier')).flatMap((c) => c.codes)).toContain(8070);
    expect(rig.sim.customer(customerId)?.profiles[0]?.identifiers).toContainEqual({
      type: 'email',
      value: `kim.new${counter}@example.com`,
    });
  });

  it('reports an INSTORE registration whose add answer was lost as registered, not 409 IDENTIFIER_TAKEN', async () => {
    const reg = await user(verifiedEmail(`reg${counter}@example.com`));
    const customerId = Number((await rig.call('session', reg.accessToken)).body.customerId);
    rig.sim.injectFault({ kind: 'fail-after-write', match: 'POST /v2/customers', count: 1 });

    const registered = await rig.call('registration', reg.accessToken, { fields: { city: 'Leeds' } });

    expect(registered).toMatchObject({ status: 201, body: { status: 'registered', customerId } });
    expect(rig.sim.customer(customerId)?.profiles.map((p) => p.source)).toEqual(['OAUTH_EXTERNAL', 'INSTORE']);
  });
});

describe.each(['first', 'last'] as const)(
  'several holders of one identifier (ALL answers the %s) (item 3)',
  (match) => {
    beforeEach(() => rig.sim.configure({ allSourceMatch: match }));

    it('refuses a first session with 409 IDENTIFIER_IN_MULTIPLE_CUSTOMERS rather than joining one of them', async () => {
      const email = `shared${counter}@example.com`;
      const member = rig.sim.seedCustomer({
        profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: email }] }],
      });
      // Another CIAM user of the brand holds the same e-mail on the brand's OAUTH_EXTERNAL account.
      const other = rig.sim.seedCustomer({
        profiles: [
          {
            source: 'OAUTH_EXTERNAL',
            accountId: ACCOUNT_ID,
            identifiers: [
              { type: 'cuid', value: 'someone-else' },
              { type: 'email', value: email },
            ],
          },
        ],
      });
      const before = rig.sim.customers().length;
      const eve = await user(verifiedEmail(email));

      const answer = await rig.call('session', eve.accessToken);

      expect(answer).toMatchObject({ status: 409, body: { error: { code: 'IDENTIFIER_IN_MULTIPLE_CUSTOMERS' } } });
      expect(rig.sim.customers()).toHaveLength(before);
      expect(rig.sim.customer(member.id)?.profiles).toHaveLength(1);
      expect(rig.sim.customer(other.id)?.profiles).toHaveLength(1);
      expect(await rig.links.get('demo', eve.sub)).toBeUndefined();
    });

    it('refuses an INSTORE registration whose e-mail another customer also holds, before writing anything', async () => {
      const email = `reg-shared${counter}@example.com`;
      const reg = await user(verifiedEmail(email));
      const customerId = Number((await rig.call('session', reg.accessToken)).body.customerId);
      // A member (newer than the user's customer) holds the same e-mail on INSTORE.
      rig.sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: email }] }] });
      const adds = rig.sim.callCount('POST /v2/customers');

      const answer = await rig.call('registration', reg.accessToken, { fields: { city: 'York' } });

      expect(answer).toMatchObject({ status: 409, body: { error: { code: 'IDENTIFIER_TAKEN' } } });
      expect(rig.sim.callCount('POST /v2/customers')).toBe(adds);
      expect(rig.sim.customer(customerId)?.profiles).toHaveLength(1);
    });
  },
);

describe('an org with dual eligibility (item 3)', () => {
  beforeEach(() => {
    rig.sim.configure({ dualEligibility: true, primaryIdentifier: 'mobile' });
    brandWith({ capillary: { dualEligibility: true, primaryIdentifier: 'mobile' } });
  });

  it('refuses an e-mail-only user whose e-mail is a secondary identifier of a member, instead of creating a duplicate', async () => {
    const email = `dual${counter}@example.com`;
    rig.sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'mobile', value: `9197${String(counter).padStart(8, '0')}` },
            { type: 'email', value: email },
          ],
        },
      ],
    });
    const before = rig.sim.customers().length;
    const sam = await user(verifiedEmail(email));

    const answer = await rig.call('session', sam.accessToken);

    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'PRIMARY_IDENTIFIER_REQUIRED' } } });
    expect(rig.sim.customers()).toHaveLength(before);
  });

  it('joins the member named by the verified primary identifier, looking up only that one', async () => {
    const mobile = `9196${String(counter).padStart(8, '0')}`;
    const member = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: mobile }] }],
    });
    const from = rig.sim.calls.length;
    const pat = await user(
      verifiedEmail(`pat${counter}@example.com`, { phone_number: `+${mobile}`, phone_number_verified: true }),
    );

    const answer = await rig.call('session', pat.accessToken);

    expect(answer).toMatchObject({ status: 200, body: { status: 'linked', customerId: member.id } });
    const lookedUp = rig.sim.calls.slice(from).filter((c) => c.path === '/v2/customers/lookup');
    expect(lookedUp.map((c) => c.query.identifierName)).not.toContain('email');
  });
});

describe.each(['refused', 'accepted'] as const)('the OAUTH_EXTERNAL account (writes %s) (item 4)', (reading) => {
  beforeEach(() => {
    rig.sim.configure({ unknownAccountWrites: reading });
    brandWith({ capillary: { sourceAccountId: 'not-in-intouch' } });
  });

  it('answers 502 SOURCE_ACCOUNT_UNKNOWN when the org refuses the brand account, and creates nothing', async () => {
    const before = rig.sim.customers().length;
    const acc = await user(verifiedEmail(`acc${counter}@example.com`));

    const answer = await rig.call('session', acc.accessToken);

    expect(answer).toMatchObject({ status: 502, body: { error: { code: 'SOURCE_ACCOUNT_UNKNOWN' } } });
    expect(rig.sim.customers()).toHaveLength(before);
    // 8011 "invalid source account passed", on the holders' lookup on the brand account: nothing is written.
    expect(rig.sim.calls.flatMap((c) => c.codes)).toContain(8011);
  });

  it('has nothing to look up for a user without verified identifiers: the org decides at the add', async () => {
    const before = rig.sim.customers().length;
    const bare = await user({ given_name: 'No', family_name: 'Identifiers' });

    const answer = await rig.call('session', bare.accessToken);

    if (reading === 'refused') {
      // 8127 "invalid source or accountId passed".
      expect(answer).toMatchObject({ status: 502, body: { error: { code: 'SOURCE_ACCOUNT_UNKNOWN' } } });
      expect(rig.sim.calls.at(-1)?.codes).toEqual([8127]);
      expect(rig.sim.customers()).toHaveLength(before);
    } else {
      // An org that takes any account on writes: only the save-time check can tell (brand-org-checks.test.ts).
      expect(answer).toMatchObject({ status: 201 });
    }
  });
});

describe('throttling and tokens (item 5)', () => {
  it('answers 503 with the org Retry-After at once when it is longer than the time left, without calls back to back', async () => {
    const tim = await user(verifiedEmail(`tim${counter}@example.com`));
    rig.sim.injectFault({ kind: 'status', status: 429, retryAfterSeconds: 30, match: 'lookup', count: 1 });
    const from = rig.sim.calls.length;

    const answer = await rig.call('session', tim.accessToken, undefined, { remainingTimeMs: 10_000 });

    expect(answer).toMatchObject({ status: 503, body: { error: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect(answer.headers['retry-after']).toBe('30');
    expect(rig.sim.calls.slice(from).filter((c) => c.status === 429)).toHaveLength(1);
  });

  it('retries a 429 without Retry-After after a jittered backoff', async () => {
    rig.sim.configure({ throttleAnswer: 'bare' });
    const ted = await user(verifiedEmail(`ted${counter}@example.com`));
    rig.sim.injectFault({ kind: 'status', status: 429, match: 'lookup', count: 1 });

    expect(await rig.call('session', ted.accessToken)).toMatchObject({ status: 201, body: { status: 'created' } });
  });

  it.each(['retry-after', 'bare'] as const)(
    "answers its own 429 CAPILLARY_RATE_LIMITED instead of spending the org's quota, across containers (throttled %s)",
    async (throttleAnswer) => {
      // The org allows one add a minute; so does the brand. The gateway's clock is fixed inside one minute.
      rig.sim.configure({ rateLimits: { 'POST /v2/customers': 1 }, throttleAnswer });
      brandWith({ capillary: { rateLimits: { 'POST /v2/customers': 1 } } });
      const minute = (Math.floor(Date.now() / 60_000) + 1000 + counter) * 60_000;
      const container = (now: () => number) => {
        const logger = createLogger('rate-test', 'SILENT');
        const rateStore = new DynamoRateWindowStore({
          documentClient: DynamoDBDocumentClient.from(rig.dynamo.client),
          tableName: rig.tables.links,
        });
        const services = {
          ...rig.services,
          capillary: new CapillaryClients({ secrets: rig.secrets, sleep: async () => undefined, now, rateStore }),
        };
        return createSessionHandler({ logger, brands: rig.brands, services });
      };
      const call = async (handler: ReturnType<typeof container>, accessToken: string) => {
        const event = authorizedEvent(await rig.contextFor(accessToken), {
          headers: { Authorization: `Bearer ${accessToken}` },
          httpMethod: 'POST',
        });
        const result = await handler(event, lambdaContext);
        return { status: result.statusCode, headers: result.headers ?? {}, body: JSON.parse(result.body) };
      };
      const one = container(() => minute + 1_000);
      const two = container(() => minute + 2_000);
      const adds = rig.sim.callCount('POST /v2/customers');
      const from = rig.sim.calls.length;

      const first = await call(one, (await user(verifiedEmail(`r1-${counter}@example.com`))).accessToken);
      const second = await call(one, (await user(verifiedEmail(`r2-${counter}@example.com`))).accessToken);
      const third = await call(two, (await user(verifiedEmail(`r3-${counter}@example.com`))).accessToken);

      expect(first.status).toBe(201);
      for (const refused of [second, third]) {
        expect(refused).toMatchObject({ status: 429, body: { error: { code: 'CAPILLARY_RATE_LIMITED' } } });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(58);
      }
      expect(rig.sim.callCount('POST /v2/customers') - adds).toBe(1);
      expect(rig.sim.calls.slice(from).filter((c) => c.status === 429)).toHaveLength(0);
    },
  );

  it.each(['http401', 'envelope401'] as const)(
    'renews the token once on an expired-token answer (%s), and keeps one token per brand across re-saves',
    async (expiredTokenAnswer) => {
      rig.sim.configure({ expiredTokenAnswer });
      const tok = await user(verifiedEmail(`tok${counter}@example.com`));
      await rig.call('session', tok.accessToken);
      const issued = rig.sim.tokensIssued();
      rig.sim.revokeTokens();

      expect(await rig.call('me', tok.accessToken)).toMatchObject({ status: 200 });
      expect(rig.sim.tokensIssued()).toBe(issued + 1);
      // A re-save of the brand (a new revision, the same cluster and credentials) keeps the container's token.
      brandWith({ brandName: `Renamed ${counter}` });
      expect(await rig.call('me', tok.accessToken)).toMatchObject({ status: 200 });
      expect(rig.sim.tokensIssued()).toBe(issued + 1);
    },
  );
});

describe.each(['as-sent', 'base-country'] as const)('one spelling per phone (mobiles %s) (item 6)', (mobileMatch) => {
  beforeEach(() => rig.sim.configure({ mobileMatch, baseCountry: 'GB' }));

  it('reads a national number in the brand phoneDefaultCountry and links the member holding it', async () => {
    brandWith({ phoneDefaultCountry: 'GB' });
    const national = `07700 9${String(counter).padStart(5, '0')}`;
    const member = rig.sim.seedCustomer({
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [{ type: 'mobile', value: `447700${`9${String(counter).padStart(5, '0')}`}` }],
        },
      ],
    });
    const before = rig.sim.customers().length;
    const nat = await user({ given_name: 'Nat', phone_number: national, phone_number_verified: true });

    const answer = await rig.call('session', nat.accessToken);

    expect(answer).toMatchObject({ status: 200, body: { status: 'linked', customerId: member.id } });
    expect(rig.sim.customers()).toHaveLength(before);
  });

  it('makes 9800000077 and +91 98000 00077 one customer in an Indian brand', async () => {
    brandWith({ phoneDefaultCountry: 'IN' });
    const digits = `98${String(counter).padStart(8, '0')}`;
    const member = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: `91${digits}` }] }],
    });
    const raj = await user({ given_name: 'Raj', phone_number: digits, phone_number_verified: true });

    expect(await rig.call('session', raj.accessToken)).toMatchObject({ status: 200, body: { customerId: member.id } });
  });
});

describe('every not-found answer is a not-found (item 7)', () => {
  it('takes 8065 from the cuid lookup as "no customer yet" (not a 502)', async () => {
    rig.sim.configure({ notFoundCodes: 'per-source', cuidLookup: 'permissive' });
    brandWith({ capillary: { cuidLookup: 'lookup' } });
    const nu = await user(verifiedEmail(`nu${counter}@example.com`));

    expect(await rig.call('session', nu.accessToken)).toMatchObject({ status: 201, body: { status: 'created' } });
  });

  it('takes 816 for a linked id the org does not know: GET /v1/me says 404, the session links again', async () => {
    rig.sim.configure({ notFoundCodes: 'per-source' });
    const lost = await user(verifiedEmail(`lost${counter}@example.com`));
    await rig.links.putIfAbsent({ brandId: 'demo', sub: lost.sub, customerId: 987_654, linkedAt: Date.now() });

    expect(await rig.call('me', lost.accessToken)).toMatchObject({
      status: 404,
      body: { error: { code: 'CUSTOMER_NOT_LINKED' } },
    });
    const session = await rig.call('session', lost.accessToken);
    expect(session).toMatchObject({ status: 201, body: { status: 'created' } });
    expect((await rig.links.get('demo', lost.sub))?.customerId).toBe(session.body.customerId);
  });

  it.each(['message', 'error'] as const)(
    'answers 410 CUSTOMER_DELETED on every route for a customer erased on request (PII deleted as %s)',
    async (piiDeletedAnswer) => {
      rig.sim.configure({ piiDeletedAnswer });
      const gone = await user(verifiedEmail(`gone${counter}@example.com`));
      const customerId = Number((await rig.call('session', gone.accessToken)).body.customerId);
      rig.sim.deleteCustomerPii(customerId);

      for (const route of ['me', 'profile', 'identifiers', 'session'] as const) {
        const answer = await rig.call(route, gone.accessToken);
        expect(answer, route).toMatchObject({ status: 410, body: { error: { code: 'CUSTOMER_DELETED' } } });
      }
    },
  );
});

describe('an unverified identifier neither blocks nor leaks (issue 21 item 11)', () => {
  it("links the member the user's verified e-mail names, whoever holds the unverified mobile", async () => {
    const mobile = `9195${String(counter).padStart(8, '0')}`;
    const email = `linked${counter}@example.com`;
    const member = rig.sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: email }] }],
    });
    // The unverified mobile belongs to someone else entirely.
    rig.sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'mobile', value: mobile }] }] });
    const lee = await user(verifiedEmail(email, { phone_number: `+${mobile}`, phone_number_verified: false }));

    const answer = await rig.call('session', lee.accessToken);

    expect(answer).toMatchObject({ status: 200, body: { status: 'linked', customerId: member.id } });
    expect(rig.sim.customer(member.id)?.profiles.find((p) => p.source === 'OAUTH_EXTERNAL')?.identifiers).toEqual([
      { type: 'cuid', value: lee.sub },
      { type: 'email', value: email },
    ]);
  });

  it('answers the same, and asks Capillary the same, whether or not the unverified e-mail is a member', async () => {
    const memberEmail = `member${counter}@example.com`;
    rig.sim.seedCustomer({ profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: memberEmail }] }] });
    const shape = async (email: string) => {
      const someone = await user({ given_name: 'Un', family_name: 'Verified', email, email_verified: false });
      const from = rig.sim.calls.length;
      const answer = await rig.call('session', someone.accessToken);
      const calls = rig.sim.calls.slice(from).map((c) => `${c.method} ${c.path} ${c.query.identifierName ?? ''}`);
      const lookedUp = rig.sim.calls.slice(from).some((c) => c.query.identifierValue === email);
      const { customerId: _id, cuid: _cuid, mapped: _mapped, ...rest } = answer.body;
      return { status: answer.status, rest, calls, lookedUp };
    };
    const ofMember = await shape(memberEmail);
    const ofNobody = await shape(`nobody${counter}@example.com`);

    expect(ofMember).toEqual(ofNobody);
    expect(ofMember).toMatchObject({ status: 201, lookedUp: false });
  });
});
