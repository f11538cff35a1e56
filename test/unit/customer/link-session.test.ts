import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import type { CapillaryClient } from '../../../shared/capillary/capillary-client.js';
import { parseBrandConfig } from '../../../shared/config/brand-config.js';
import type { ClaimSource } from '../../../shared/customer/claim-source.js';
import { linkSession } from '../../../shared/customer/link-session.js';
import { InMemoryLinkStore } from '../../../shared/customer/link-store.js';
import type { PostAuthServices } from '../../../shared/customer/post-auth-services.js';
import { ErrorCodes } from '../../../shared/errors.js';
import { sampleAuth } from '../../support/events.js';

const brand = parseBrandConfig({
  brandId: 'demo',
  brandName: 'Demo',
  orgId: 1,
  issuer: 'https://id.example.com',
  applicationId: 'app',
  clientId: 'client',
  jwksUri: 'https://id.example.com/jwks',
  userInfoEndpoint: 'https://id.example.com/me',
  fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
  capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 'acc', credentialsParameter: '/cap/demo' },
});

const claims: ClaimSource = { load: async () => ({ sub: 'user-1', given_name: 'Ada' }) };
/** A Capillary client that must not be called. */
const untouchable = new Proxy({} as CapillaryClient, {
  get: (_target, name) => () => {
    throw new Error(`unexpected Capillary call ${String(name)}`);
  },
});

describe('linkSession', () => {
  it('waits for the lease holder and answers 409 LINK_IN_PROGRESS with a retry hint when no link appears in time', async () => {
    // Arrange: another session holds the lease and never finishes.
    const links = new InMemoryLinkStore();
    await links.acquireLease('demo', 'user-1', 'someone-else', 0, 60_000);
    let now = 1_000;
    const sleeps: number[] = [];
    const services: PostAuthServices = {
      capillary: { forBrand: () => untouchable },
      links,
      claims,
      audit: new InMemoryAuditLog(),
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      linkWaitMs: 200,
      linkPollMs: 50,
    };
    // Act
    const error = await linkSession(services, { brand, auth: sampleAuth(), accessToken: 't' }).catch((e: unknown) => e);
    // Assert
    expect(error).toMatchObject({ status: 409, code: ErrorCodes.LINK_IN_PROGRESS, retryAfterSeconds: 1 });
    expect(sleeps).toEqual([50, 50, 50, 50]);
  });

  it('answers linked as soon as the lease holder writes the link', async () => {
    const links = new InMemoryLinkStore();
    await links.acquireLease('demo', 'user-1', 'someone-else', 0, 60_000);
    const customer = {
      id: 42,
      profiles: [
        {
          source: 'OAUTH_EXTERNAL',
          accountId: 'acc',
          firstName: 'Ada',
          identifiers: [{ type: 'cuid', value: 'user-1' }],
        },
      ],
    };
    const services: PostAuthServices = {
      capillary: { forBrand: () => ({ getCustomer: async () => customer }) as unknown as CapillaryClient },
      links,
      claims,
      audit: new InMemoryAuditLog(),
      now: () => 1_000,
      sleep: async () => {
        await links.putIfAbsent({ brandId: 'demo', sub: 'user-1', customerId: 42, linkedAt: 1 });
      },
    };
    const result = await linkSession(services, { brand, auth: sampleAuth(), accessToken: 't' });
    expect(result).toMatchObject({ customerId: 42, status: 'linked', changedFields: [] });
  });
});
