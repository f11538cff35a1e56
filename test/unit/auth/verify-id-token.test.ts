// ID tokens through the project's own verifier (OIDC Core §3.1.3.7): the brand's issuer, keys and client.
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError, type TokenErrorReason } from '../../../shared/auth/token-error.js';
import { verifyIdToken } from '../../../shared/auth/verify-id-token.js';
import { generateTestKey, makeBrand, memoryJwksFetch, NOW_MS, NOW_S, signJwt } from '../../support/jwt.js';

const key = generateTestKey('ES256', 'k1');
const brand = makeBrand();
const cache = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });

const idClaims = (extra: Record<string, unknown> = {}) => ({
  iss: brand.issuer,
  sub: 'user-1',
  aud: brand.clientId,
  iat: NOW_S - 60,
  exp: NOW_S + 600,
  nonce: 'n',
  sid: 'sid-9',
  ...extra,
});

async function reasonOf(token: string, allowExpired = false): Promise<TokenErrorReason | 'ACCEPTED'> {
  try {
    await verifyIdToken(token, brand, { now: () => NOW_MS, jwks: () => cache }, { allowExpired });
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

describe('verifyIdToken', () => {
  it('returns sub, sid and the claims of a valid ID token', async () => {
    const verified = await verifyIdToken(signJwt(idClaims(), key), brand, { now: () => NOW_MS, jwks: () => cache });
    expect(verified).toMatchObject({ sub: 'user-1', sid: 'sid-9', claims: { nonce: 'n' } });
  });

  it.each([
    ['another issuer', { iss: 'https://evil.test' }, 'ISSUER_UNKNOWN'],
    ['the API as audience (an access token)', { aud: brand.applicationId }, 'AUDIENCE_INVALID'],
    ['several audiences without azp', { aud: [brand.clientId, 'x'] }, 'AZP_INVALID'],
    ['an azp of another client', { azp: 'other' }, 'AZP_INVALID'],
    ['Cognito token_use access', { token_use: 'access' }, 'TOKEN_USE_INVALID'],
    ['a logout event', { events: {} }, 'LOGOUT_TOKEN_REJECTED'],
    ['no sub', { sub: undefined }, 'SUB_MISSING'],
    ['an expired exp', { iat: NOW_S - 1000, exp: NOW_S - 500 }, 'TOKEN_EXPIRED'],
  ])('refuses %s', async (_name, extra, reason) => {
    const claims: Record<string, unknown> = idClaims(extra);
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    expect(await reasonOf(signJwt(claims, key))).toBe(reason);
  });

  it('refuses an at+jwt access token and a forged signature', async () => {
    expect(await reasonOf(signJwt(idClaims(), key, { header: { typ: 'at+jwt' } }))).toBe('TYP_INVALID');
    const stranger = generateTestKey('ES256', 'k1');
    expect(await reasonOf(signJwt(idClaims(), stranger))).toBe('SIGNATURE_INVALID');
  });

  it('accepts an expired token only when asked (logout hints), never one without exp', async () => {
    const expired = signJwt(idClaims({ iat: NOW_S - 1000, exp: NOW_S - 500 }), key);
    expect(await reasonOf(expired, true)).toBe('ACCEPTED');
    const { exp: _exp, ...noExp } = idClaims();
    expect(await reasonOf(signJwt(noExp, key), true)).toBe('EXP_MISSING');
  });
});
