// The one header reader: names in any letter case across both API Gateway maps, and the bearer parser
// the authorizer and every handler share (issue 14 item 6).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, UnauthorizedError } from '../../../shared/errors.js';
import {
  firstHeader,
  headerValues,
  readBearerToken,
  requireBearerToken,
  singleHeader,
} from '../../../shared/http/headers.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

describe('headerValues', () => {
  it('matches names case-insensitively and prefers the multi-value map when it has the header', () => {
    expect(headerValues({ headers: { 'X-Brand-Id': 'a' } }, 'x-brand-id')).toEqual(['a']);
    expect(
      headerValues({ headers: { 'x-brand-id': 'a' }, multiValueHeaders: { 'X-BRAND-ID': ['a', 'b'] } }, 'X-Brand-Id'),
    ).toEqual(['a', 'b']);
    expect(headerValues({ headers: { Host: 'h' }, multiValueHeaders: {} }, 'host')).toEqual(['h']);
    expect(headerValues({ headers: null, multiValueHeaders: null }, 'host')).toEqual([]);
    expect(headerValues({ headers: { a: undefined } }, 'a')).toEqual([]);
  });

  it('folds ASCII letters only: a name differing in another character, or in a non-ASCII letter, is another header', () => {
    expect(headerValues({ headers: { 'x\rbrand-id': 'a', 'X-BRAND\u2010ID': 'b' } }, 'x-brand-id')).toEqual([]);
    // U+212A KELVIN SIGN lower-cases to 'k' in JavaScript; header names are ASCII, so it never names 'key'.
    expect(headerValues({ headers: { '\u212Aey': 'a' } }, 'key')).toEqual([]);
    const asciiFold = (text: string) => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const names = ['authorization', 'x-brand-id', 'origin'];
    // Keys near the names: random case flips and one character swapped for a look-alike, or any string.
    const nearName = fc
      .tuple(fc.constantFrom(...names), fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }), fc.nat(15))
      .chain(([name, flips, at]) =>
        fc.constantFrom('', '\r', '\u212A', '\u0130', 'A', '-', '\u2010').map((swap) => {
          const cased = [...name].map((c, i) => (flips[i] ? c.toUpperCase() : c));
          if (swap !== '') cased[at % cased.length] = swap;
          return cased.join('');
        }),
      );
    fc.assert(
      fc.property(
        fc.oneof(nearName, fc.string({ unit: 'binary', maxLength: 16 })),
        fc.constantFrom(...names),
        (key, name) => {
          const found = headerValues({ headers: { [key]: 'v' } }, name).length === 1;
          expect(found).toBe(asciiFold(key) === name);
        },
      ),
      { numRuns: 3000 },
    );
    expect(headerValues({ headers: { aUtHoRiZaTiOn: 'v' } }, 'Authorization')).toEqual(['v']);
  });

  it('singleHeader refuses repeats; firstHeader takes the first', () => {
    const source = { multiValueHeaders: { Origin: ['https://a', 'https://b'] } };
    expect(singleHeader(source, 'origin')).toEqual({ multiple: true });
    expect(firstHeader(source, 'origin')).toBe('https://a');
    expect(singleHeader({ headers: {} }, 'origin')).toBeUndefined();
  });
});

describe('readBearerToken', () => {
  it('accepts the scheme in any letter case (RFC 7235) followed by one or more spaces', () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEARER']) {
      expect(readBearerToken({ headers: { authorization: `${scheme} ${TOKEN}` } })).toEqual({ token: TOKEN });
    }
    expect(readBearerToken({ headers: { Authorization: `Bearer   ${TOKEN}` } })).toEqual({ token: TOKEN });
  });

  it('refuses everything SECURITY.md §6 lists, each with its own reason', () => {
    const reason = (value: string) => {
      const result = readBearerToken({ headers: { Authorization: value } });
      return 'reason' in result ? result.reason : 'token';
    };
    expect(readBearerToken({ headers: {} })).toEqual({ reason: 'AUTHORIZATION_MISSING' });
    expect(reason('   ')).toBe('AUTHORIZATION_MISSING');
    expect(reason(`Basic ${TOKEN}`)).toBe('AUTHORIZATION_SCHEME');
    expect(reason(TOKEN)).toBe('AUTHORIZATION_SCHEME');
    expect(reason(`Bearer${TOKEN}`)).toBe('AUTHORIZATION_SCHEME');
    expect(reason('Bearer ')).toBe('TOKEN_MALFORMED');
    expect(reason(`Bearer ${TOKEN} `)).toBe('TOKEN_MALFORMED');
    expect(reason(`Bearer ${TOKEN}\t`)).toBe('TOKEN_MALFORMED');
    expect(reason(`Bearer a b`)).toBe('TOKEN_MALFORMED');
    expect(reason(`Bearer ${TOKEN},x`)).toBe('TOKEN_MALFORMED');
    expect(reason(`Bearer ${'a'.repeat(9000)}`)).toBe('TOKEN_TOO_LARGE');
    expect(readBearerToken({ multiValueHeaders: { Authorization: [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`] } })).toEqual({
      reason: 'AUTHORIZATION_MULTIPLE',
    });
    expect(
      readBearerToken({ headers: { Authorization: `Bearer ${TOKEN}`, authorization: `Bearer ${TOKEN}` } }),
    ).toEqual({ reason: 'AUTHORIZATION_MULTIPLE' });
  });

  it('requireBearerToken answers 401 UNAUTHORIZED when there is no readable token', () => {
    expect(requireBearerToken({ headers: { authorization: `bearer ${TOKEN}` } })).toBe(TOKEN);
    const error = (() => {
      try {
        return requireBearerToken({ headers: { authorization: `Basic ${TOKEN}` } });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect((error as UnauthorizedError).code).toBe(ErrorCodes.UNAUTHORIZED);
  });
});
