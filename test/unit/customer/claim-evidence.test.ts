// Issue 21 item 1: an identifier and its verified flag are one piece of evidence, read as a pair from one
// claim source (the freshest that gives the identifier); a source that gives the value without its flag makes
// it unverified, whatever an older source said.
import { describe, expect, it } from 'vitest';
import { mergeClaimSources } from '../../../shared/customer/claim-evidence.js';
import { mapClaims } from '../../../shared/customer/claim-mapping.js';

const standard = {
  firstName: 'given_name',
  lastName: 'family_name',
  mobile: 'phone_number',
  email: 'email',
  emailVerified: 'email_verified',
  mobileVerified: 'phone_number_verified',
};

describe('mergeClaimSources', () => {
  it("never pairs an older source's verified flag with a newer source's different identifier", () => {
    const idToken = { email: 'eve@example.com', email_verified: true, given_name: 'Eve' };
    const userinfo = { email: 'member@example.com', given_name: 'Eve2' };
    const merged = mergeClaimSources([{}, idToken, userinfo], standard);
    expect(merged).toMatchObject({ email: 'member@example.com', given_name: 'Eve2' });
    expect(merged.email_verified).toBeUndefined();
    expect(mapClaims(merged, standard)).toMatchObject({ email: 'member@example.com', emailVerified: false });
  });

  it('takes the pair from the freshest source that gives the identifier; a flag alone is no evidence', () => {
    const access = { phone_number: '+447700900001', phone_number_verified: true };
    const idToken = { phone_number_verified: false, email: 'a@example.com', email_verified: 'true' };
    const userinfo = { email_verified: true };
    const merged = mergeClaimSources([access, idToken, userinfo], standard);
    expect(mapClaims(merged, standard)).toMatchObject({
      mobile: '447700900001',
      mobileVerified: true,
      email: 'a@example.com',
      emailVerified: true,
    });
  });

  it('pairs dotted paths too, without changing the sources', () => {
    const mappings = { ...standard, mobile: 'contact.phone', mobileVerified: 'contact.phone_verified' };
    const older = { contact: { phone: '+447700900002', phone_verified: true, city: 'Leeds' } };
    const newer = { contact: { phone: '+447700900003' } };
    const merged = mergeClaimSources([older, newer], mappings);
    expect(mapClaims(merged, mappings)).toMatchObject({ mobile: '447700900003', mobileVerified: false });
    expect(older.contact.phone_verified).toBe(true);
    expect(newer).toEqual({ contact: { phone: '+447700900003' } });
  });

  it('keeps every other claim as before: later sources win key by key', () => {
    const merged = mergeClaimSources([{ a: 1, b: 1 }, { b: 2 }, { c: 3 }], standard);
    expect(merged).toEqual({ a: 1, b: 2, c: 3 });
  });
});
