// extractBearerToken looks for a refused character instead of matching the whole token against the former
// /^Bearer ([^\s,]+)$/i: both must accept and refuse the same Authorization values, and return the same token.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../../../shared/auth/bearer-token.js';
import { MAX_TOKEN_LENGTH } from '../../../shared/auth/compact-jws.js';

const FORMER = /^Bearer ([^\s,]+)$/i;

/** What the former implementation returned for one Authorization value. */
function former(value: string) {
  if (value.length > MAX_TOKEN_LENGTH + 7) return 'TOKEN_TOO_LARGE';
  if (!/^bearer /i.test(value)) return value.trim() === '' ? 'AUTHORIZATION_MISSING' : 'AUTHORIZATION_SCHEME';
  return FORMER.exec(value)?.[1] ?? 'TOKEN_MALFORMED';
}

const now = (value: string) => {
  const result = extractBearerToken({ Authorization: value }, undefined);
  return 'token' in result ? result.token : result.reason;
};

describe('extractBearerToken token scan', () => {
  it('agrees with the former regex on edge values', () => {
    const tokens = ['', 'a', 'a b', 'a,b', 'a\tb', 'a\nb', 'a\u00a0b', 'a\u2028b', 'a\ufeffb', 'x.y.z', 'ä', ',', ' '];
    for (const scheme of ['Bearer ', 'bearer ', 'BEARER ', 'Bearer  ', 'Bearer\t', 'Basic ', 'Bearer']) {
      for (const token of tokens) expect(now(scheme + token)).toBe(former(scheme + token));
    }
  });

  it('agrees with the former regex on generated values', () => {
    const chars = fc.constantFrom(
      'a',
      'Z',
      '0',
      '.',
      '-',
      '_',
      ',',
      ' ',
      '\t',
      '\n',
      '\u00a0',
      '\u3000',
      '\ufeff',
      'é',
    );
    fc.assert(
      fc.property(
        fc.constantFrom('Bearer ', 'bEaReR ', 'Bearer', 'Token '),
        fc.array(chars, { maxLength: 40 }),
        (s, c) => {
          const value = s + c.join('');
          expect(now(value)).toBe(former(value));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
