// GET /v1/me's view of the linked customer: which profile names the customer, how absent values become
// null (never undefined or ""), and the 404s before the first session or after Capillary merged the customer.
import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import { CapillaryNotFoundError } from '../../../shared/capillary/capillary-errors.js';
import type { CapillaryCustomer } from '../../../shared/capillary/capillary-types.js';
import { viewLinkedCustomer } from '../../../shared/customer/customer-view.js';
import { InMemoryLinkStore } from '../../../shared/customer/link-store.js';
import type { PostAuthCaller } from '../../../shared/customer/post-auth-caller.js';
import type { CapillaryClientProvider, PostAuthServices } from '../../../shared/customer/post-auth-ports.js';
import { NotFoundError } from '../../../shared/errors.js';
import { sampleAuth } from '../../support/events.js';
import { logoutTestBrand } from '../revocation/brand-fixture.js';

const brand = logoutTestBrand(); // capillary.sourceAccountId 'acc-1'
const caller: PostAuthCaller = { brand, auth: sampleAuth(), accessToken: 'token' };

async function view(customer: CapillaryCustomer | Error, linked = true) {
  const links = new InMemoryLinkStore();
  if (linked) await links.putIfAbsent({ brandId: 'demo', sub: 'user-1', customerId: 42, linkedAt: 1 });
  const capillary = {
    forBrand: () => ({
      getCustomer: async (id: number) => {
        if (customer instanceof Error) throw customer;
        return { ...customer, id };
      },
    }),
  } as unknown as CapillaryClientProvider;
  const services: PostAuthServices = {
    capillary,
    links,
    claims: { load: async () => ({}) },
    audit: new InMemoryAuditLog(),
  };
  return viewLinkedCustomer(services, caller);
}

const oauth = (fields: Partial<CapillaryCustomer['profiles'][number]> = {}) => ({
  source: 'OAUTH_EXTERNAL',
  accountId: 'acc-1',
  identifiers: [{ type: 'cuid', value: 'user-1' }],
  ...fields,
});

describe('viewLinkedCustomer', () => {
  it('names the customer from the brand OAuth profile and lists every identifier with its source', async () => {
    const result = await view({
      id: 0,
      profiles: [
        oauth({ firstName: 'Ada', lastName: 'Lovelace', fields: { tier: 'gold' } }),
        { source: 'INSTORE', accountId: '', firstName: 'A.', identifiers: [{ type: 'mobile', value: '15550001' }] },
      ],
      extendedFields: { city: 'London' },
    });
    expect(result).toEqual({
      customerId: 42,
      cuid: 'user-1',
      firstName: 'Ada',
      lastName: 'Lovelace',
      identifiers: [
        { type: 'cuid', value: 'user-1', source: 'OAUTH_EXTERNAL', accountId: 'acc-1' },
        { type: 'mobile', value: '15550001', source: 'INSTORE', accountId: null },
      ],
      profiles: [
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc-1',
          firstName: 'Ada',
          lastName: 'Lovelace',
          identifiers: [{ type: 'cuid', value: 'user-1' }],
          fields: { tier: 'gold' },
        },
        {
          source: 'INSTORE',
          accountId: null,
          firstName: 'A.',
          lastName: null,
          identifiers: [{ type: 'mobile', value: '15550001' }],
          fields: {},
        },
      ],
      extendedFields: { city: 'London' },
      principal: { brandId: 'demo', sub: 'user-1', sid: 'sid-1', exp: caller.auth.exp },
    });
  });

  it('takes the names from the INSTORE profile when the OAuth profile has none', async () => {
    const result = await view({
      id: 0,
      profiles: [oauth(), { source: 'INSTORE', firstName: 'Grace', lastName: 'Hopper', identifiers: [] }],
    });
    expect(result).toMatchObject({ cuid: 'user-1', firstName: 'Grace', lastName: 'Hopper', extendedFields: {} });
  });

  it('answers nulls, not empty strings, when no profile names the customer or holds a cuid', async () => {
    const result = await view({
      id: 0,
      profiles: [{ source: 'OAUTH_EXTERNAL', accountId: 'other-account', firstName: '', identifiers: [] }],
    });
    expect(result).toMatchObject({ cuid: null, firstName: null, lastName: null });
    expect(result.profiles[0]).toMatchObject({ firstName: null, lastName: null, accountId: 'other-account' });
  });

  it('answers 404 CUSTOMER_NOT_LINKED before the first session and after Capillary merged the customer away', async () => {
    await expect(view({ id: 0, profiles: [] }, false)).rejects.toMatchObject({ code: 'CUSTOMER_NOT_LINKED' });
    const gone = await view(
      new CapillaryNotFoundError('gone', { codes: [8015], httpStatus: 200, requestId: undefined }),
    ).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect(gone).toMatchObject({ code: 'CUSTOMER_NOT_LINKED', status: 404 });
  });

  it('passes on any other Capillary failure', async () => {
    await expect(view(new Error('capillary down'))).rejects.toThrow('capillary down');
  });
});
