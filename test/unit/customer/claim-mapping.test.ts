import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mapClaims,
  maskIdentifier,
  normaliseEmail,
  normaliseMobile,
  readClaimPath,
} from '../../../shared/customer/claim-mapping.js';

const mappings = {
  firstName: 'given_name',
  lastName: 'family_name',
  mobile: 'address.phone',
  email: 'email',
  emailVerified: 'email_verified',
  mobileVerified: 'custom.phone_ok',
};

describe('mapClaims', () => {
  it('maps dotted claim paths, trims names and reads the verified flags', () => {
    const mapped = mapClaims(
      {
        given_name: '  Ada ',
        family_name: 'Lovelace',
        address: { phone: '+44 (0)7700-900 000'.replace('(0)', '') },
        email: ' Ada@Example.COM ',
        email_verified: 'true',
        custom: { phone_ok: true },
      },
      mappings,
    );
    expect(mapped).toEqual({
      firstName: 'Ada',
      lastName: 'Lovelace',
      mobile: '447700900000',
      email: 'ada@example.com',
      emailVerified: true,
      mobileVerified: true,
    });
  });

  it('leaves out missing, empty or invalid claims and treats other verified values as false', () => {
    const mapped = mapClaims(
      { given_name: '   ', email: 'not-an-email', email_verified: 1, address: 'flat' },
      mappings,
    );
    expect(mapped).toEqual({ emailVerified: false, mobileVerified: false });
  });

  it('cuts names to Capillary 100 characters and refuses e-mails over 255', () => {
    const mapped = mapClaims({ given_name: 'x'.repeat(150), email: `${'a'.repeat(251)}@b.co` }, mappings);
    expect(mapped.firstName).toHaveLength(100);
    expect(mapped.email).toBeUndefined();
    expect(mapClaims({ email: `${'a'.repeat(250)}@b.co` }, mappings).email).toHaveLength(255);
  });

  it('never reads prototype members through a claim path', () => {
    expect(readClaimPath({}, 'constructor.name')).toBeUndefined();
    expect(readClaimPath({ a: { b: 1 } }, 'a.b')).toBe(1);
    expect(readClaimPath({ a: [1] }, 'a.0')).toBeUndefined();
  });

  it('always yields Capillary-shaped values for any claims', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('given_name', 'family_name', 'email', 'address', 'email_verified'),
          fc.anything(),
        ),
        (claims) => {
          const mapped = mapClaims(claims, mappings, { phoneDefaultCountry: 'IN' });
          if (mapped.firstName !== undefined) expect(mapped.firstName.length).toBeLessThanOrEqual(100);
          if (mapped.email !== undefined) expect(mapped.email.length).toBeLessThanOrEqual(255);
          if (mapped.mobile !== undefined) expect(mapped.mobile).toMatch(/^[1-9]\d{7,14}$/);
          expect(typeof mapped.emailVerified).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('normaliseMobile', () => {
  it.each([
    ['+447700900000', '447700900000'],
    ['+1 (555) 000-0001', '15550000001'],
    ['0044 7700 900000', '447700900000'],
    ['+44 (0)7700 900000', '447700900000'],
    ['447911123456', '447911123456'],
  ])('turns %s into %s', (input, expected) => {
    expect(normaliseMobile(input)).toBe(expected);
  });

  it.each([
    ['9800000077', 'IN', '919800000077'],
    ['+91 98000 00077', 'IN', '919800000077'],
    ['919800000077', 'IN', '919800000077'],
    ['0091-98000-00077', 'IN', '919800000077'],
    ['07700 900000', 'GB', '447700900000'],
    ['+1 555 000 0009', 'GB', '15550000009'],
  ])('reads %s in the default country %s as %s (one spelling per phone)', (input, country, expected) => {
    expect(normaliseMobile(input, country)).toBe(expected);
  });

  it.each(['+0123456789', '12345', '+44 7700 abc', '+1234567890123456', 42, '9800000077', '07700 900000'])(
    'refuses %s without a default country',
    (input) => {
      expect(normaliseMobile(input)).toBeUndefined();
    },
  );

  it('says why a national number was left out when the brand has no phoneDefaultCountry', () => {
    const mapped = mapClaims({ address: { phone: '07700 900000' } }, mappings);
    expect(mapped).toMatchObject({ mobileProblem: 'needs-country' });
    expect(mapped.mobile).toBeUndefined();
    expect(mapClaims({ address: { phone: '07700 900000' } }, mappings, { phoneDefaultCountry: 'GB' })).toMatchObject({
      mobile: '447700900000',
    });
    expect(mapClaims({ address: { phone: 'call me' } }, mappings, { phoneDefaultCountry: 'GB' })).toMatchObject({
      mobileProblem: 'invalid',
    });
  });
});

describe('normaliseEmail and maskIdentifier', () => {
  it('lower-cases and trims e-mails', () => {
    expect(normaliseEmail('  Jane.Doe@Example.org ')).toBe('jane.doe@example.org');
    expect(normaliseEmail('jane@localhost')).toBeUndefined();
  });

  it('masks e-mails and mobiles for logs', () => {
    expect(maskIdentifier('jane@example.org')).toBe('ja***@example.org');
    expect(maskIdentifier('447700900000')).toBe('4477****00');
    expect(maskIdentifier('123')).toBe('****');
  });
});
