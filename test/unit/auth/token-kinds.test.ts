// Token kinds stay apart (RFC 8725 §3.11, RFC 9068): access tokens only by default, ID tokens only when the
// brand opts in, at+jwt when the brand requires it, and Cognito-style access tokens read by client_id.
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError, type TokenErrorReason } from '../../../shared/auth/token-error.js';
import { verifyAccessToken } from '../../../shared/auth/verify-access-token.js';
import { type BrandConfig, parseBrandConfig } from '../../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import {
  accessClaims,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  NOW_S,
  signJwt,
} from '../../support/jwt.js';

const key = generateTestKey('RS256', 'k1');

async function reasonOf(brand: BrandConfig, token: string): Promise<TokenErrorReason | 'ACCEPTED'> {
  const jwks = memoryJwksFetch({ keys: [key.jwk] });
  const cache = new JwksCache(brand.jwksUri, { fetch: jwks.fetch, now: () => NOW_MS });
  try {
    await verifyAccessToken(token, {
      brandDirectory: new InMemoryBrandDirectory([brand]),
      now: () => NOW_MS,
      jwks: () => cache,
    });
    return 'ACCEPTED';
  } catch (error) {
    if (error instanceof TokenError) return error.reason;
    throw error;
  }
}

/** An ID token as OIDC Core §2 shapes it: aud = client id, nonce, at_hash. */
function idTokenClaims(brand: BrandConfig, extra: Record<string, unknown> = {}) {
  return accessClaims(brand, { aud: brand.clientId, nonce: 'n-1', at_hash: 'abc', ...extra });
}

describe('audiences by default', () => {
  it('are the applicationId alone', () => {
    expect(makeBrand().acceptedAudiences).toEqual(['https://api.brand-a.test']);
    expect(makeBrand({ acceptIdTokens: true }).acceptedAudiences).toEqual(['https://api.brand-a.test', 'brand-a-app']);
    expect(makeBrand({ audienceClaim: 'client_id' }).acceptedAudiences).toEqual(['brand-a-app']);
    expect(makeBrand({ acceptedAudiences: ['x'] }).acceptedAudiences).toEqual(['x']);
  });

  it('refuse a token whose aud is the client id (an ID token shape) unless listed and shaped as an access token', async () => {
    const token = signJwt(accessClaims(makeBrand(), { aud: 'brand-a-app' }), key);
    expect(await reasonOf(makeBrand(), token)).toBe('AUDIENCE_INVALID');
    // Issue 21 item 5: listed, it still needs positive access-token evidence (here a scope).
    expect(await reasonOf(makeBrand({ acceptedAudiences: ['brand-a-app'] }), token)).toBe('ID_TOKEN_REJECTED');
    const scoped = signJwt(accessClaims(makeBrand(), { aud: 'brand-a-app', scope: 'loyalty' }), key);
    expect(await reasonOf(makeBrand({ acceptedAudiences: ['brand-a-app'] }), scoped)).toBe('ACCEPTED');
  });
});

describe('ID tokens', () => {
  const brand = makeBrand({ acceptedAudiences: ['https://api.brand-a.test', 'brand-a-app'] });

  it.each([
    ['nonce', { nonce: 'n' }],
    ['at_hash', { at_hash: 'x' }],
    ['c_hash', { c_hash: 'x' }],
    ['token_use: id', { token_use: 'id' }],
  ])('are refused when they carry %s', async (_name, extra) => {
    expect(await reasonOf(brand, signJwt(accessClaims(brand, extra), key))).toBe('ID_TOKEN_REJECTED');
  });

  it('are refused for an ID-token typ, and other unknown typs stay TYP_INVALID', async () => {
    const claims = accessClaims(brand);
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: 'id_token+jwt' } }))).toBe('ID_TOKEN_REJECTED');
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: 'dpop+jwt' } }))).toBe('TYP_INVALID');
  });

  it('are accepted with acceptIdTokens (client id then an audience by default)', async () => {
    const opted = makeBrand({ acceptIdTokens: true });
    expect(await reasonOf(opted, signJwt(idTokenClaims(opted), key))).toBe('ACCEPTED');
    expect(await reasonOf(makeBrand(), signJwt(idTokenClaims(opted), key))).toBe('AUDIENCE_INVALID');
  });

  it('never turn a logout token into an access credential, even with acceptIdTokens', async () => {
    const opted = makeBrand({ acceptIdTokens: true });
    const logout = signJwt(idTokenClaims(opted, { events: {} }), key, { header: { typ: 'logout+jwt' } });
    expect(await reasonOf(opted, logout)).toBe('LOGOUT_TOKEN_REJECTED');
  });
});

describe('requireAccessTokenTyp', () => {
  const brand = makeBrand({ requireAccessTokenTyp: true });

  it('accepts at+jwt in any spelling RFC 9068 allows and refuses JWT or no typ', async () => {
    const claims = accessClaims(brand);
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: 'at+jwt' } }))).toBe('ACCEPTED');
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: 'application/at+jwt' } }))).toBe('ACCEPTED');
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: 'JWT' } }))).toBe('TYP_INVALID');
    expect(await reasonOf(brand, signJwt(claims, key, { header: { typ: undefined } }))).toBe('TYP_INVALID');
  });
});

describe('audienceClaim client_id (Amazon Cognito access tokens)', () => {
  const cognito = makeBrand({ audienceClaim: 'client_id', clientId: '4r8example' });
  /** A Cognito access token: no aud, client_id, token_use access, username. */
  const cognitoAccess = (extra: Record<string, unknown> = {}) => {
    const claims: Record<string, unknown> = {
      iss: cognito.issuer,
      sub: 'user-1',
      client_id: '4r8example',
      token_use: 'access',
      scope: 'openid',
      username: 'alice',
      iat: NOW_S - 60,
      exp: NOW_S + 600,
      jti: 'j-1',
      ...extra,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    return signJwt(claims, key, { header: { typ: undefined } });
  };

  it('accepts its access token, which has no aud', async () => {
    expect(await reasonOf(cognito, cognitoAccess())).toBe('ACCEPTED');
    expect(await reasonOf(cognito, cognitoAccess({ token_use: undefined }))).toBe('ACCEPTED');
  });

  it('refuses another client, a missing client_id, or a token_use other than access', async () => {
    expect(await reasonOf(cognito, cognitoAccess({ client_id: 'other' }))).toBe('AUDIENCE_INVALID');
    expect(await reasonOf(cognito, cognitoAccess({ client_id: undefined }))).toBe('AUDIENCE_INVALID');
    expect(await reasonOf(cognito, cognitoAccess({ token_use: 'refresh' }))).toBe('TOKEN_USE_INVALID');
  });

  it('refuses its ID token (aud = client id, token_use id)', async () => {
    const id = signJwt(
      { iss: cognito.issuer, sub: 'user-1', aud: '4r8example', token_use: 'id', iat: NOW_S - 60, exp: NOW_S + 600 },
      key,
    );
    expect(await reasonOf(cognito, id)).toBe('AUDIENCE_INVALID');
  });

  it('is refused by an aud brand', async () => {
    expect(await reasonOf(makeBrand({ clientId: '4r8example' }), cognitoAccess())).toBe('AUDIENCE_INVALID');
  });

  it('is a stored field the brand parsers both read', () => {
    const { acceptedAudiences: _derived, version: _version, revision: _revision, ...doc } = cognito;
    expect(parseBrandConfig(doc).audienceClaim).toBe('client_id');
  });
});
