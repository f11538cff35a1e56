import { describe, expect, it } from 'vitest';
import type { CapillaryCustomer } from '../../../shared/capillary/capillary-types.js';
import { parseBrandConfig } from '../../../shared/config/brand-config.js';
import { changedProfileFields, planIdentifierChanges } from '../../../shared/customer/customer-sync.js';

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

function customer(): CapillaryCustomer {
  return {
    id: 1,
    profiles: [
      {
        source: 'OAUTH_EXTERNAL',
        accountId: 'acc',
        firstName: 'Ada',
        lastName: 'Lovelace',
        identifiers: [
          { type: 'cuid', value: 'sub-1' },
          { type: 'email', value: 'old@example.com' },
        ],
      },
      { source: 'INSTORE', accountId: '', identifiers: [{ type: 'email', value: 'old@example.com' }] },
    ],
  };
}

describe('changedProfileFields', () => {
  it('lists names that differ and ignores absent claims', () => {
    const profile = customer().profiles[0];
    expect(
      changedProfileFields(
        { firstName: 'Ada', lastName: 'King', emailVerified: false, mobileVerified: false },
        profile,
      ),
    ).toEqual(['lastName']);
    expect(changedProfileFields({ emailVerified: false, mobileVerified: false }, profile)).toEqual([]);
    expect(changedProfileFields({ firstName: 'X', emailVerified: false, mobileVerified: false }, undefined)).toEqual(
      [],
    );
  });
});

describe('planIdentifierChanges', () => {
  it('replaces a changed e-mail on both profiles and adds a new mobile only where the CIAM profile lives', () => {
    const plan = planIdentifierChanges(
      { email: 'new@example.com', mobile: '447700900000', emailVerified: true, mobileVerified: true },
      customer(),
      brand,
    );
    expect(plan).toEqual([
      {
        source: 'OAUTH_EXTERNAL',
        accountId: 'acc',
        add: [
          { type: 'mobile', value: '447700900000' },
          { type: 'email', value: 'new@example.com' },
        ],
        remove: [{ type: 'email', value: 'old@example.com' }],
      },
      {
        source: 'INSTORE',
        accountId: undefined,
        add: [{ type: 'email', value: 'new@example.com' }],
        remove: [{ type: 'email', value: 'old@example.com' }],
      },
    ]);
  });

  it('plans nothing when the identifiers already match or the claims are absent', () => {
    expect(
      planIdentifierChanges(
        { email: 'old@example.com', emailVerified: true, mobileVerified: false },
        customer(),
        brand,
      ),
    ).toEqual([]);
    expect(planIdentifierChanges({ emailVerified: true, mobileVerified: false }, customer(), brand)).toEqual([]);
  });
});
