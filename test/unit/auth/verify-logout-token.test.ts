import { beforeEach, describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import { BACKCHANNEL_LOGOUT_EVENT, verifyLogoutToken } from '../../../shared/auth/verify-logout-token.js';
import { generateTestKey, makeBrand, memoryJwksFetch, NOW_MS, NOW_S, signJwt } from '../../support/jwt.js';

const key = generateTestKey('RS256', 'k-rs');
const brand = makeBrand();
let jwks: JwksCache;

beforeEach(() => {
  jwks = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });
});

function logoutClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const claims: Record<string, unknown> = {
    iss: brand.issuer,
    aud: brand.clientId,
    iat: NOW_S - 5,
    jti: 'logout-1',
    sid: 'sid-1',
    sub: 'user-1',
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...extra,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims;
}

const sign = (claims: Record<string, unknown>, header: Record<string, unknown> = { typ: 'logout+jwt' }) =>
  signJwt(claims, key, { header });

async function reasonOf(token: string, maxAgeSeconds?: number): Promise<string> {
  try {
    await verifyLogoutToken(
      token,
      brand,
      { jwks, now: () => NOW_MS },
      maxAgeSeconds === undefined ? {} : { maxAgeSeconds },
    );
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

describe('verifyLogoutToken', () => {
  it('accepts a valid logout token and returns its claims', async () => {
    const claims = await verifyLogoutToken(sign(logoutClaims({ exp: NOW_S + 100 })), brand, {
      jwks,
      now: () => NOW_MS,
    });
    expect(claims).toEqual({
      iss: brand.issuer,
      aud: [brand.clientId],
      sub: 'user-1',
      sid: 'sid-1',
      jti: 'logout-1',
      iat: NOW_S - 5,
      exp: NOW_S + 100,
    });
  });

  it('accepts a token without typ, with only sid, or with only sub', async () => {
    expect(await reasonOf(sign(logoutClaims(), { typ: undefined }))).toBe('ACCEPTED');
    expect(await reasonOf(sign(logoutClaims({ sub: undefined })))).toBe('ACCEPTED');
    expect(await reasonOf(sign(logoutClaims({ sid: undefined })))).toBe('ACCEPTED');
  });

  it('treats the generic typ JWT or application/jwt like no typ (Keycloak and others send it)', async () => {
    expect(await reasonOf(sign(logoutClaims(), { typ: 'JWT' }))).toBe('ACCEPTED');
    expect(await reasonOf(sign(logoutClaims(), { typ: 'application/jwt' }))).toBe('ACCEPTED');
  });

  it('accepts a token without exp while its iat is recent', async () => {
    expect(await reasonOf(sign(logoutClaims({ exp: undefined }), { typ: 'JWT' }))).toBe('ACCEPTED');
  });

  it.each([
    ['typ at+jwt', logoutClaims(), { typ: 'at+jwt' }, 'TYP_INVALID'],
    ['typ secevent+jwt', logoutClaims(), { typ: 'secevent+jwt' }, 'TYP_INVALID'],
    ['an access token (no events) with typ JWT', logoutClaims({ events: undefined }), { typ: 'JWT' }, 'EVENTS_INVALID'],
    ['an ID token (nonce) with typ JWT', logoutClaims({ nonce: 'n' }), { typ: 'JWT' }, 'NONCE_PRESENT'],
    ['no exp and an old iat', logoutClaims({ exp: undefined, iat: NOW_S - 200 }), { typ: 'JWT' }, 'TOKEN_TOO_OLD'],
    ['another issuer', logoutClaims({ iss: 'https://evil.test' }), undefined, 'ISSUER_UNKNOWN'],
    ['aud without the client', logoutClaims({ aud: 'other' }), undefined, 'AUDIENCE_INVALID'],
    ['no events', logoutClaims({ events: undefined }), undefined, 'EVENTS_INVALID'],
    [
      'the event as a string',
      logoutClaims({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'x' } }),
      undefined,
      'EVENTS_INVALID',
    ],
    ['another event', logoutClaims({ events: { 'urn:other': {} } }), undefined, 'EVENTS_INVALID'],
    ['events as an array', logoutClaims({ events: [BACKCHANNEL_LOGOUT_EVENT] }), undefined, 'EVENTS_INVALID'],
    ['a nonce', logoutClaims({ nonce: 'n' }), undefined, 'NONCE_PRESENT'],
    ['neither sub nor sid', logoutClaims({ sub: undefined, sid: undefined }), undefined, 'SUB_OR_SID_MISSING'],
    ['no jti', logoutClaims({ jti: undefined }), undefined, 'JTI_MISSING'],
    ['no iat', logoutClaims({ iat: undefined }), undefined, 'IAT_MISSING'],
    ['an old iat', logoutClaims({ iat: NOW_S - 200 }), undefined, 'TOKEN_TOO_OLD'],
    ['iat in the future', logoutClaims({ iat: NOW_S + 200 }), undefined, 'IAT_IN_FUTURE'],
    ['a past exp', logoutClaims({ exp: NOW_S - 100 }), undefined, 'TOKEN_EXPIRED'],
    ['sid of the wrong type', logoutClaims({ sid: 5 }), undefined, 'CLAIM_INVALID'],
    ['alg none', logoutClaims(), { typ: 'logout+jwt', alg: 'none' }, 'ALG_NONE'],
  ])('refuses %s', async (_name, claims, header, reason) => {
    expect(await reasonOf(sign(claims, header ?? { typ: 'logout+jwt' }))).toBe(reason);
  });

  it('honours a custom max age', async () => {
    expect(await reasonOf(sign(logoutClaims({ iat: NOW_S - 200 })), 600)).toBe('ACCEPTED');
  });

  it('refuses a logout token signed by another key', async () => {
    const other = generateTestKey('RS256', 'k-rs');
    expect(await reasonOf(signJwt(logoutClaims(), other, { header: { typ: 'logout+jwt' } }))).toBe('SIGNATURE_INVALID');
  });
});
