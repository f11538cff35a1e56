import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import type { CapillaryClient } from '../../../shared/capillary/capillary-client.js';
import { parseBrandConfig } from '../../../shared/config/brand-config.js';
import type { ClaimSource } from '../../../shared/customer/claim-source.js';
import { linkSession } from '../../../shared/customer/link-session.js';
import { InMemoryLinkStore } from '../../../shared/customer/link-store.js';
import type { PostAuthServices } from '../../../shared/customer/post-auth-ports.js';
import { BudgetDefaults, deadlineFrom } from '../../../shared/customer/time-budget.js';
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
const untouchable: CapillaryClient = new Proxy({} as CapillaryClient, {
  get: (_target, name) => () => {
    if (name === 'within') return untouchable;
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

  it('stops waiting in time for the invocation deadline, not after linkWaitMs', async () => {
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
      linkWaitMs: 10_000,
      linkPollMs: 50,
    };
    // Lambda has 1.12 s left: minus the 1 s reserve, 120 ms to wait.
    const deadline = deadlineFrom(1_120, () => now);
    const error = await linkSession(services, { brand, auth: sampleAuth(), accessToken: 't', deadline }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 409, code: ErrorCodes.LINK_IN_PROGRESS });
    expect(sleeps).toEqual([50, 50, 20]);
  });

  it('takes the first-session lease for a few seconds at most, never past the deadline', async () => {
    const links = new InMemoryLinkStore();
    const ttls: number[] = [];
    const acquire = links.acquireLease.bind(links);
    links.acquireLease = async (brandId, sub, owner, nowMs, ttlMs) => {
      ttls.push(ttlMs);
      return acquire(brandId, sub, owner, nowMs, ttlMs);
    };
    const services: PostAuthServices = {
      capillary: { forBrand: () => untouchable },
      links,
      claims,
      audit: new InMemoryAuditLog(),
      now: () => 1_000,
    };
    const caller = { brand, auth: sampleAuth(), accessToken: 't' };
    await linkSession(services, caller).catch(() => undefined);
    await linkSession(services, { ...caller, deadline: deadlineFrom(3_000, () => 1_000) }).catch(() => undefined);
    expect(ttls).toEqual([BudgetDefaults.leaseTtlMs, 2_000]);
    expect(BudgetDefaults.leaseTtlMs).toBeLessThanOrEqual(5_000);
  });
});
