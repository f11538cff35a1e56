import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hashSubject,
  maskEmail,
  maskMobile,
  REDACTED,
  sanitizeCode,
  sanitizeDetails,
  sensitiveKind,
} from '../../../shared/audit/redaction.js';

const SAMPLE_JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJ1c2VyLTEiLCJpc3MiOiJodHRwczovL2NpYW0ifQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';

describe('hashSubject', () => {
  const key = 'stage-key';
  it('gives 16 hex characters, stable per brand and sub, different across brands', () => {
    expect(hashSubject(key, 'demo', 'user-1')).toMatch(/^[0-9a-f]{16}$/);
    expect(hashSubject(key, 'demo', 'user-1')).toBe(hashSubject(key, 'demo', 'user-1'));
    expect(hashSubject(key, 'demo', 'user-1')).not.toBe(hashSubject(key, 'other', 'user-1'));
  });

  it('cannot be confused by moving characters between brand and sub', () => {
    expect(hashSubject(key, 'ab', 'c')).not.toBe(hashSubject(key, 'a', 'bc'));
  });

  it('is keyed: another stage key gives another hash, and nobody holding the sub recomputes it with a plain digest', () => {
    const plain = createHash('sha256').update('demo\u0000user-1').digest('hex').slice(0, 16);
    expect(hashSubject(key, 'demo', 'user-1')).not.toBe(plain);
    expect(hashSubject(key, 'demo', 'user-1')).not.toBe(hashSubject('other-stage-key', 'demo', 'user-1'));
    expect(hashSubject(key, 'demo', 'user-1')).toBe(
      createHmac('sha256', key).update('demo\u0000user-1').digest('hex').slice(0, 16),
    );
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain only', () => {
    expect(maskEmail('ada.lovelace@example.com')).toBe('a***@example.com');
  });

  it('masks what is not an address entirely', () => {
    expect(maskEmail('no-at-sign')).toBe('***');
    expect(maskEmail('trailing@')).toBe('***');
  });

  it('gives a value the safety net lets through', () => {
    expect(sensitiveKind(maskEmail('ada.lovelace@example.com'))).toBeUndefined();
  });
});

describe('maskMobile', () => {
  it('keeps the plus sign and the last two digits', () => {
    expect(maskMobile('+44 7700 900123')).toBe('+**********23');
    expect(maskMobile('07700900123')).toBe('*********23');
  });

  it('masks a short number entirely', () => {
    expect(maskMobile('12345')).toBe('***');
  });

  it('gives a value the safety net lets through', () => {
    expect(sensitiveKind(maskMobile('+919876543210'))).toBeUndefined();
  });
});

describe('sensitiveKind', () => {
  it('spots a JWT, a JWT inside text, and an opaque token-sized string', () => {
    expect(sensitiveKind(SAMPLE_JWT)).toBe('jwt');
    expect(sensitiveKind(`Bearer ${SAMPLE_JWT}`)).toBe('jwt');
    expect(sensitiveKind('Qm9ndXMtb3BhcXVlLXRva2VuLXZhbHVlLXRoYXQtaXMtbG9uZw')).toBe('jwt');
  });

  it('spots an e-mail address and a phone number in any common shape', () => {
    expect(sensitiveKind('contact ada@example.com now')).toBe('email');
    expect(sensitiveKind('+919876543210')).toBe('digits');
    expect(sensitiveKind('+44 (0)20 7946-0958')).toBe('digits');
    expect(sensitiveKind('9876543')).toBe('digits');
  });

  it('lets codes, masked values, short numbers, dates and field names through', () => {
    for (const value of [
      'TOKEN_EXPIRED',
      'a***@example.com',
      '4477****00',
      '12345',
      '2026-11-29T04:00:00Z',
      'firstName',
    ]) {
      expect(sensitiveKind(value)).toBeUndefined();
    }
  });
});

describe('sanitizeDetails', () => {
  it('redacts sensitive values and secret-named keys and reports which keys', () => {
    const result = sanitizeDetails({
      customerId: 123456789,
      changed: ['firstName', 'ada@example.com'],
      idToken: 'anything',
      note: SAMPLE_JWT,
      ok: true,
    });
    expect(result.details).toEqual({
      customerId: 123456789,
      changed: ['firstName', REDACTED],
      idToken: REDACTED,
      note: REDACTED,
      ok: true,
    });
    expect(result.redacted.sort()).toEqual(['changed', 'idToken', 'note']);
  });

  it('writes the documented fields whose names only look secret, when their values have the documented shape', () => {
    const result = sanitizeDetails({ tokenHash: '0123456789abcdef', secretsUpdated: true });
    expect(result).toEqual({ details: { tokenHash: '0123456789abcdef', secretsUpdated: true }, redacted: [] });
    expect(sanitizeDetails({ tokenHash: '' }).redacted).toEqual([]);
    // The allow-list is for the shape, not the name: a token under a documented name is still refused.
    const misuse = sanitizeDetails({ tokenHash: SAMPLE_JWT, secretsUpdated: 'cap-secret-value' });
    expect(misuse.details).toEqual({ tokenHash: REDACTED, secretsUpdated: REDACTED });
    expect(misuse.redacted.sort()).toEqual(['secretsUpdated', 'tokenHash']);
    const arn = 'arn:aws:iam::123456789012:role/brand-admin';
    expect(sanitizeDetails({ actor: arn }).details).toEqual({ actor: arn });
    const session = 'arn:aws:sts::123456789012:assumed-role/Admin/ada@example.com';
    expect(sanitizeDetails({ actor: session }).details).toEqual({ actor: REDACTED });
  });

  it('drops odd keys and non-finite numbers, and caps long strings', () => {
    const result = sanitizeDetails({ 'bad key!': 'x', nan: Number.NaN, long: 'ab '.repeat(100), nested: { a: 1 } });
    expect(result.details).toEqual({ long: `${'ab '.repeat(100).slice(0, 256)}…`, nested: REDACTED });
    expect(result.redacted).toEqual(['(key)', 'nan', 'nested']);
  });

  it('never lets an e-mail or a JWT through, whatever string it is hidden in', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), fc.boolean(), (before, after, useJwt) => {
        const secret = useJwt ? SAMPLE_JWT : 'someone@example.org';
        const { details } = sanitizeDetails({ value: `${before} ${secret} ${after}`, list: [`${before}${secret}`] });
        const written = JSON.stringify(details);
        return !written.includes(secret);
      }),
      { numRuns: 300 },
    );
  });
});

describe('sanitizeCode', () => {
  it('keeps a code and redacts anything else', () => {
    expect(sanitizeCode('SESSION_REVOKED')).toBe('SESSION_REVOKED');
    expect(sanitizeCode('has spaces')).toBe(REDACTED);
    expect(sanitizeCode('ada@example.com')).toBe(REDACTED);
    expect(sanitizeCode('98765432101')).toBe(REDACTED);
  });
});
