import { describe, expect, it } from 'vitest';
import { parseBrandConfig } from '../../../shared/config/brand-config.js';
import { checkOrgFields } from '../../../shared/customer/instore-registration.js';
import { ValidationError } from '../../../shared/errors.js';

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
  capillary: {
    baseUrl: 'https://eu.api.capillarytech.com',
    sourceAccountId: 'acc',
    credentialsParameter: '/cap/demo',
    customFields: [{ name: 'shoeSize', type: 'number' }],
    extendedFields: [
      { name: 'dob', type: 'date' },
      { name: 'vip', type: 'boolean' },
      { name: 'city', type: 'string' },
    ],
  },
});

function issues(body: Parameters<typeof checkOrgFields>[1]) {
  try {
    checkOrgFields(brand, body);
    return [];
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return (error.details ?? []).map((issue) => `${issue.field}: ${issue.message}`);
  }
}

describe('checkOrgFields', () => {
  it('accepts the org fields with values of their types', () => {
    expect(
      issues({ fields: { shoeSize: '42.5' }, extendedFields: { dob: '1990-04-12', vip: 'true', city: 'Leeds' } }),
    ).toEqual([]);
  });

  it('names every unknown field and every value of the wrong type', () => {
    expect(
      issues({
        fields: { shoeSize: 'big', hat: 'x' },
        extendedFields: { dob: 'someday', vip: 3, city: 7, pet: 'cat' },
      }),
    ).toEqual([
      'fields.shoeSize: must be a number',
      "fields.hat: not a field of this brand's Capillary org (capillary.customFields)",
      'extendedFields.dob: must be a date',
      'extendedFields.vip: must be a boolean',
      'extendedFields.city: must be a string',
      "extendedFields.pet: not a field of this brand's Capillary org (capillary.extendedFields)",
    ]);
  });
});
