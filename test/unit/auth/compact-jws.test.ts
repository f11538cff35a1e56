// The strict compact-JWS parser, rule by rule: every refusal is a TokenError with a precise reason, and the
// duplicate-key detection holds where its fast path (counting `":`) over-counts (escaped quotes in strings).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeBase64UrlStrict,
  MAX_TOKEN_LENGTH,
  parseCompactJws,
  parseJsonObjectStrict,
} from '../../../shared/auth/compact-jws.js';
import { TokenError } from '../../../shared/auth/token-error.js';

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const json = (text: string) => Buffer.from(text, 'utf8');

function reasonOf(run: () => unknown): { reason: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof TokenError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('expected a TokenError');
}

describe('decodeBase64UrlStrict', () => {
  it('decodes canonical unpadded base64url, whole or a dot-delimited slice', () => {
    expect(decodeBase64UrlStrict(b64('hello')).toString()).toBe('hello');
    expect(decodeBase64UrlStrict(`xx.${b64('hi')}.yy`, 3, 6).toString()).toBe('hi');
  });

  it.each([
    ['a 4n+1 length', 'abcde', 'base64url length is impossible'],
    ['padding', 'aGk=', 'not base64url'],
    ['standard-alphabet characters', 'ab+/', 'not base64url'],
    ['whitespace', 'ab c', 'not base64url'],
    ['a character whose low byte is in the alphabet', 'aG\u014Aj', 'not base64url'],
    ['non-zero trailing bits after one byte', 'aB', 'non-canonical base64url'],
    ['non-zero trailing bits after two bytes', 'aGl', 'non-canonical base64url'],
  ])('refuses %s', (_name, input, message) => {
    expect(reasonOf(() => decodeBase64UrlStrict(input))).toEqual({ reason: 'TOKEN_MALFORMED', message });
  });

  // The decoder leans on how Node's base64url decoding treats foreign characters (it skips them or stops);
  // this pins that against a character-by-character reference, on every runtime CI runs.
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const canonical = (input: string): boolean => {
    if (input.length % 4 === 1 || [...input].some((c) => !ALPHABET.includes(c))) return false;
    const tail = input.length % 4;
    const last = ALPHABET.indexOf(input.at(-1) ?? 'A');
    return tail === 0 || (tail === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0);
  };
  const chars = fc.constantFrom(
    ...ALPHABET,
    '+',
    '/',
    '=',
    ' ',
    '\n',
    '\t',
    '.',
    '*',
    '\u0000',
    'é',
    '\u0100',
    '\u{1F600}',
    // Above U+00FF, characters whose low byte is in the alphabet: Node decodes '\u014A' as 'J', '\u0161' as 'a'.
    '\u014A',
    '\u0161',
    '\u0130',
    '\u0231',
    '\uFF2D',
    '\u2D2D',
  );

  it('accepts exactly the canonical base64url strings, and decodes them as Buffer does', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...ALPHABET) }, { weight: 1, arbitrary: chars }), {
          maxLength: 24,
        }),
        fc.nat(3),
        (parts, prefix) => {
          const input = parts.join('');
          // Also decode from inside a longer string (the compact-JWS slices) with foreign text around it.
          const padded = `${'+/='.slice(0, prefix)}${input}.=`;
          const start = prefix;
          const end = prefix + input.length;
          if (canonical(input)) {
            expect(decodeBase64UrlStrict(input)).toEqual(Buffer.from(input, 'base64url'));
            expect(decodeBase64UrlStrict(padded, start, end)).toEqual(Buffer.from(input, 'base64url'));
          } else {
            expect(reasonOf(() => decodeBase64UrlStrict(input)).reason).toBe('TOKEN_MALFORMED');
            expect(reasonOf(() => decodeBase64UrlStrict(padded, start, end)).reason).toBe('TOKEN_MALFORMED');
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('parseJsonObjectStrict', () => {
  it('tells invalid UTF-8 from a valid text that holds U+FFFD itself', () => {
    expect(parseJsonObjectStrict(json('{"name":"\uFFFD"}'))).toEqual({ name: '\uFFFD' });
    // Overlong, surrogate, truncated and stray continuation sequences all decode to U+FFFD and are refused.
    for (const bad of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x80]]) {
      const bytes = Buffer.concat([json('{"name":"'), Buffer.from(bad), json('"}')]);
      expect(reasonOf(() => parseJsonObjectStrict(bytes))).toEqual({ reason: 'TOKEN_MALFORMED', message: 'not UTF-8' });
    }
  });

  it('accepts an object whose strings hold escaped quotes followed by colons', () => {
    const text = '{"a":"x\\":y","b":{"c":["\\":",1]}}';
    expect(parseJsonObjectStrict(json(text))).toEqual({ a: 'x":y', b: { c: ['":', 1] } });
  });

  it.each([
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d]), 'not UTF-8'],
    ['text that is not JSON', json('{"a":'), 'not JSON'],
    ['an array', json('[1,2]'), 'not a JSON object'],
    ['null', json('null'), 'not a JSON object'],
    ['a duplicate key', json('{"a":1,"a":2}'), 'duplicate JSON key'],
    ['a duplicate key beside an escaped quote-colon', json('{"s":"\\":","k":1,"k":2}'), 'duplicate JSON key'],
    ['a nested duplicate key', json('{"a":{"b":1, "b" :2}}'), 'duplicate JSON key'],
    ['__proto__ at the top', json('{"__proto__":{}}'), 'forbidden key __proto__'],
    ['__proto__ nested in an array', json('{"a":[{"__proto__":1}]}'), 'forbidden key __proto__'],
    ['nesting deeper than 16', json(`{"a":${'['.repeat(20)}${']'.repeat(20)}}`), 'JSON nested too deeply'],
  ])('refuses %s', (_name, bytes, message) => {
    expect(reasonOf(() => parseJsonObjectStrict(bytes))).toEqual({ reason: 'TOKEN_MALFORMED', message });
  });
});

describe('parseCompactJws', () => {
  const header = b64('{"alg":"RS256","kid":"k"}');
  const payload = b64('{"sub":"u"}');

  it('splits a token into header, claims, signing input and signature', () => {
    const parsed = parseCompactJws(`${header}.${payload}.${b64('sig')}`);
    expect(parsed.header).toEqual({ alg: 'RS256', kid: 'k' });
    expect(parsed.claims).toEqual({ sub: 'u' });
    expect(parsed.signingInput.toString('latin1')).toBe(`${header}.${payload}`);
    expect(parsed.signature.toString()).toBe('sig');
  });

  it.each([
    ['an empty string', '', 'TOKEN_MISSING'],
    ['a non-string', 42 as unknown as string, 'TOKEN_MISSING'],
    ['a token over the size cap', 'a'.repeat(MAX_TOKEN_LENGTH + 1), 'TOKEN_TOO_LARGE'],
    ['two parts', `${header}.${payload}`, 'TOKEN_MALFORMED'],
    ['four parts', `${header}.${payload}.c2ln.c2ln`, 'TOKEN_MALFORMED'],
    ['an empty header', `.${payload}.c2ln`, 'TOKEN_MALFORMED'],
    ['an empty payload', `${header}..c2ln`, 'TOKEN_MALFORMED'],
    ['an empty signature', `${header}.${payload}.`, 'TOKEN_MALFORMED'],
    ['a header over 1 KB', `${b64(`{"a":"${'x'.repeat(1100)}"}`)}.${payload}.c2ln`, 'TOKEN_MALFORMED'],
    ['a signature that is not base64url', `${header}.${payload}.c2l=`, 'TOKEN_MALFORMED'],
  ])('refuses %s', (_name, token, reason) => {
    expect(reasonOf(() => parseCompactJws(token)).reason).toBe(reason);
  });
});
