// The one header reader: names in any letter case across both API Gateway maps, and the bearer parser
// the authorizer and every handler share (issue 14 item 6).
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
