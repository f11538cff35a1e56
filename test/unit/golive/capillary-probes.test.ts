// The Capillary probes against a stub org answering as the published reference allows, for answers the simulator
// does not give (odd codes, unreadable lists, refusals); test/integration/doctor-capillary.test.ts runs every
// probe against the simulator in each of its readings. Each probe must name the reading and what to do.
import { describe, expect, it } from 'vitest';
import type { RawAnswer } from '../../../shared/capillary/capillary-envelope.js';
import { CapillaryRejectedError } from '../../../shared/capillary/capillary-errors.js';
import { type CapillaryProbe, CapillaryProbes, type ProbeContext } from '../../../shared/golive/capillary-probes.js';
import { makeBrand } from '../../support/jwt.js';

const brand = makeBrand({
  capillary: {
    baseUrl: 'https://eu.api.capillarytech.com',
    sourceAccountId: 'acc',
    credentialsParameter: '/c/brand-a',
  },
} as never);

function probeNamed(id: string): CapillaryProbe {
  const found = CapillaryProbes.find((probe) => probe.id === id);
  if (!found) throw new Error(id);
  return found;
}

const answer = (status: number, json: unknown, requestId?: string): RawAnswer => ({
  status,
  json,
  requestId,
  retryAfterHeader: null,
});
const notFound = answer(200, { errors: [{ code: 8015, message: 'not found' }] }, 'r-1');

/** A stub org: `respond(path, params)` gives each GET's answer. */
function context(
  respond: (path: string, params: Record<string, string>) => RawAnswer,
  options: ProbeContext['options'] = {},
): ProbeContext {
  return {
    brand,
    options,
    client: {
      authenticate: async () => ({ ttlSeconds: 3600 }),
      readRaw: async (path, params) => respond(path, params),
      readRawWithUnknownToken: async (path, params) => respond(path, params),
    },
  };
}

describe('answers beside the simulator readings', () => {
  it('dual eligibility on: several identifiers per lookup accepted', async () => {
    const check = await probeNamed('dual-eligibility').run(context(() => notFound));
    expect(check).toMatchObject({ status: 'fail', reading: expect.stringContaining('dual eligibility on') });
    expect(check.action).toContain('capillary.dualEligibility to true');
  });

  it('primary identifier: a lookup by a non-primary identifier answers 8015', async () => {
    const customer = {
      id: 7,
      profiles: [
        {
          source: 'INSTORE',
          identifiers: [
            { type: 'mobile', value: '447700900001' },
            { type: 'email', value: 'a@x.example' },
          ],
        },
      ],
    };
    const check = await probeNamed('primary-identifier').run(
      context(
        (path, params) =>
          path === '/v2/customers/7'
            ? answer(200, customer)
            : params.identifierName === 'mobile'
              ? answer(200, { entity: 7 })
              : notFound,
        { probeCustomer: 7 },
      ),
    );
    expect(check).toMatchObject({
      status: 'pass',
      reading: 'primary identifier: mobile; a lookup by email alone answers 8015',
    });
  });

  it('mobile format: refused with the country code (8014), or only without it', async () => {
    const refusedWithCode = await probeNamed('mobile-format').run(
      context((_, params) =>
        params.identifierValue?.startsWith('44') ? answer(400, { errors: [{ code: 8014 }] }) : notFound,
      ),
    );
    const nationalRefused = await probeNamed('mobile-format').run(
      context((_, params) =>
        params.identifierValue?.startsWith('0') ? answer(400, { errors: [{ code: 1006 }] }) : notFound,
      ),
    );
    expect(refusedWithCode).toMatchObject({
      status: 'fail',
      reading: expect.stringContaining('with the country code: refused (8014)'),
    });
    expect(nationalRefused).toMatchObject({
      status: 'pass',
      reading: 'with the country code: accepted; without: refused (1006)',
    });
  });

  it('a merged-away id answered 200 with the survivor', async () => {
    const check = await probeNamed('merged-customer').run(
      context(() => answer(200, { id: 9, profiles: [] }), { probeMerged: 8 }),
    );
    expect(check).toMatchObject({ status: 'pass', reading: expect.stringContaining('answer the survivor silently') });
  });

  it('an identifier several customers hold answered with an error code', async () => {
    const check = await probeNamed('several-holders').run(
      context(() => answer(400, { errors: [{ code: 8052, message: 'conflicting customers' }] }), {
        probeIdentifier: { type: 'mobile', value: '447700900001' },
      }),
    );
    expect(check).toMatchObject({ status: 'warn', reading: 'several holders: the lookup answers 8052' });
  });

  it('no X-Cap-Requestid; extended fields unreadable; profiles of ALL without accountId', async () => {
    expect(await probeNamed('request-id').run(context(() => answer(200, { errors: [{ code: 8015 }] })))).toMatchObject({
      status: 'warn',
    });
    expect(
      await probeNamed('extended-fields').run(context(() => answer(403, { errors: [{ code: 403 }] }))),
    ).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('could not be read'),
    });
    const customer = { id: 7, profiles: [{ source: 'FACEBOOK', identifiers: [] }] };
    expect(
      await probeNamed('oauth-profile').run(context(() => answer(200, customer), { probeCustomer: 7 })),
    ).toMatchObject({
      status: 'warn',
      summary: expect.stringContaining('source=ALL answers FACEBOOK without an accountId'),
    });
  });

  it('the cuid lookup refused for its source (8003), and lookups of unknown e-mails not answered 8015', async () => {
    const cuid = await probeNamed('cuid-lookup').run(context(() => answer(400, { errors: [{ code: 8003 }] })));
    expect(cuid).toMatchObject({ status: 'pass', reading: expect.stringContaining('nor OAUTH_EXTERNAL') });
    const odd = await probeNamed('not-found-status').run(context(() => answer(200, { entity: 5 })));
    expect(odd).toMatchObject({ status: 'warn', reading: 'unknown e-mail: answered (customer 5)' });
  });

  it('basic auth: no token call; an unreachable or refusing Capillary fails the token probe', async () => {
    const basic = {
      ...context(() => notFound),
      client: {
        authenticate: async () => ({ ttlSeconds: undefined }),
        readRaw: async () => notFound,
        readRawWithUnknownToken: async () => notFound,
      },
    };
    expect(await probeNamed('token').run(basic)).toMatchObject({ status: 'pass', reading: 'authMode basic' });
    const refusing = {
      ...basic,
      client: {
        ...basic.client,
        authenticate: async () => {
          throw new CapillaryRejectedError('refused', { codes: [], httpStatus: 401, requestId: undefined });
        },
      },
    };
    expect(await probeNamed('token').run(refusing)).toMatchObject({
      status: 'fail',
      summary: expect.stringContaining('refused'),
    });
  });
});
