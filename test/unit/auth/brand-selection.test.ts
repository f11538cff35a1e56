// Issue 21 items 2, 3 and 5 in the verifier: a brand has several apps (`clientIds`), brand selection and the
// multi-audience rule read `azp`, else RFC 9068 `client_id`, against that list; a token whose `aud` holds a
// client id is an ID token unless it carries access-token evidence; `audienceClaim: client_id` brands select
// only tokens without `aud` (Cognito access tokens), so no two brands ever accept one token.
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import { TokenError, type TokenErrorReason } from '../../../shared/auth/token-error.js';
import { verifyAccessToken } from '../../../shared/auth/verify-access-token.js';
import { verifyIdToken } from '../../../shared/auth/verify-id-token.js';
import { verifyLogoutToken } from '../../../shared/auth/verify-logout-token.js';
import type { BrandConfig } from '../../../shared/config/brand-config.js';
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
const API = 'https://api.brand-a.test';

function cacheFor(brand: BrandConfig) {
  return new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });
}

async function verdict(brands: BrandConfig[], claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const [first] = brands;
  if (!first) throw new Error('no brand');
  const cache = cacheFor(first);
  try {
    const verified = await verifyAccessToken(signJwt(claims, key, { header }), {
      brandDirectory: new InMemoryBrandDirectory(brands),
      now: () => NOW_MS,
      jwks: () => cache,
    });
    return { brandId: verified.brand.brandId, principalType: verified.principalType };
  } catch (error) {
    if (error instanceof TokenError) return error.reason as TokenErrorReason;
    throw error;
  }
}

const apps = makeBrand({ clientId: 'web', clientIds: ['web', 'ios', 'android'] });

describe('item 3: a brand has several apps (clientIds)', () => {
  it('keeps clientId valid alone and always counts it among the client ids', () => {
    expect(makeBrand().clientIds).toEqual(['brand-a-app']);
    expect(makeBrand({ clientId: 'web', clientIds: ['ios'] }).clientIds).toEqual(['web', 'ios']);
    expect(apps.clientIds).toEqual(['web', 'ios', 'android']);
  });

  it('accepts RFC 9068 tokens with aud [client, API] and client_id but no azp (lemonldap-ng), from every app', async () => {
    for (const client of ['web', 'ios', 'android']) {
      const claims = accessClaims(apps, { aud: [client, API], client_id: client, scope: 'openid' });
      expect(await verdict([apps], claims, { typ: 'at+jwt' })).toEqual({ brandId: 'brand-a', principalType: 'user' });
    }
  });

  it('reads azp first, then client_id, against the list; another client or none is AZP_INVALID', async () => {
    expect(await verdict([apps], accessClaims(apps, { aud: [API, 'x'], azp: 'android' }))).toMatchObject({
      brandId: 'brand-a',
    });
    expect(await verdict([apps], accessClaims(apps, { aud: [API, 'x'], azp: 'other', client_id: 'ios' }))).toBe(
      'AZP_INVALID',
    );
    expect(await verdict([apps], accessClaims(apps, { aud: [API, 'x'], client_id: 'other' }))).toBe('AZP_INVALID');
    expect(await verdict([apps], accessClaims(apps, { aud: [API, 'x'] }))).toBe('AZP_INVALID');
  });

  it('applies requireClientClaim to the whole list', async () => {
    const strict = makeBrand({ clientId: 'web', clientIds: ['ios'], requireClientClaim: true });
    expect(await verdict([strict], accessClaims(strict, { client_id: 'ios' }))).toMatchObject({ brandId: 'brand-a' });
    expect(await verdict([strict], accessClaims(strict, { azp: 'web' }))).toMatchObject({ brandId: 'brand-a' });
    expect(await verdict([strict], accessClaims(strict, { client_id: 'other' }))).toBe('AZP_INVALID');
    expect(await verdict([strict], accessClaims(strict))).toBe('AZP_INVALID');
  });

  it('selects between two brands sharing an API by their client lists', async () => {
    const shared = { applicationId: API, requireClientClaim: true };
    const a = makeBrand({ brandId: 'brand-a', clientId: 'a-web', clientIds: ['a-ios'], ...shared });
    const b = makeBrand({ brandId: 'brand-b', clientId: 'b-web', clientIds: ['b-ios'], ...shared });
    expect(await verdict([a, b], accessClaims(a, { client_id: 'a-ios' }))).toMatchObject({ brandId: 'brand-a' });
    expect(await verdict([a, b], accessClaims(a, { azp: 'b-ios' }))).toMatchObject({ brandId: 'brand-b' });
    expect(await verdict([a, b], accessClaims(a, { client_id: 'c-web' }))).toBe('AZP_INVALID');
  });

  it('treats a token whose subject is one of the apps as a client principal', async () => {
    const claims = accessClaims(apps, { sub: 'android', client_id: 'android', scope: 'loyalty' });
    expect(await verdict([apps], claims)).toMatchObject({ principalType: 'client' });
  });

  it('ID tokens and logout tokens of every app verify for the brand', async () => {
    const idClaims = (client: string) => accessClaims(apps, { aud: client, nonce: 'n' });
    for (const client of ['web', 'ios', 'android']) {
      await expect(
        verifyIdToken(signJwt(idClaims(client), key), apps, { now: () => NOW_MS, jwks: () => cacheFor(apps) }),
      ).resolves.toMatchObject({ sub: 'user-1' });
    }
    await expect(
      verifyIdToken(signJwt(idClaims('other'), key), apps, { now: () => NOW_MS, jwks: () => cacheFor(apps) }),
    ).rejects.toMatchObject({ reason: 'AUDIENCE_INVALID' });
    await expect(
      verifyIdToken(signJwt({ ...idClaims('ios'), aud: ['ios', 'web'], azp: 'other' }, key), apps, {
        now: () => NOW_MS,
        jwks: () => cacheFor(apps),
      }),
    ).rejects.toMatchObject({ reason: 'AZP_INVALID' });
    const logout = {
      iss: apps.issuer,
      aud: 'android',
      sub: 'user-1',
      iat: NOW_S,
      jti: 'l-1',
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    };
    await expect(
      verifyLogoutToken(signJwt(logout, key, { header: { typ: 'logout+jwt' } }), apps, {
        now: () => NOW_MS,
        jwks: cacheFor(apps),
      }),
    ).resolves.toMatchObject({ sub: 'user-1' });
  });

  it('an accepted ID token without azp binds its client through its single aud (requireClientClaim)', async () => {
    const brand = makeBrand({ clientId: 'web', clientIds: ['ios'], acceptIdTokens: true, requireClientClaim: true });
    expect(await verdict([brand], accessClaims(brand, { aud: 'ios', nonce: 'n' }))).toMatchObject({
      brandId: 'brand-a',
    });
  });

  it('defaults the audiences of client_id brands and ID-token brands to every client id', () => {
    expect(makeBrand({ audienceClaim: 'client_id', clientId: 'web', clientIds: ['ios'] }).acceptedAudiences).toEqual([
      'web',
      'ios',
    ]);
    expect(makeBrand({ acceptIdTokens: true, clientId: 'web', clientIds: ['ios'] }).acceptedAudiences).toEqual([
      'https://api.brand-a.test',
      'web',
      'ios',
    ]);
  });
});

describe('item 5: ID tokens stay apart without operator mistakes', () => {
  // An operator listed the client id as an audience (some providers put it in access tokens).
  const listed = makeBrand({ acceptedAudiences: [API, 'brand-a-app'] });
  const clientAud = (extra: Record<string, unknown> = {}) => accessClaims(listed, { aud: 'brand-a-app', ...extra });

  it('counts a token whose aud holds a client id as an ID token without access-token evidence', async () => {
    expect(await verdict([listed], clientAud())).toBe('ID_TOKEN_REJECTED');
    expect(await verdict([listed], clientAud({ aud: ['brand-a-app', API], azp: 'brand-a-app' }))).toBe(
      'ID_TOKEN_REJECTED',
    );
  });

  it.each([
    ['typ at+jwt', {}, { typ: 'at+jwt' }],
    ['client_id', { client_id: 'brand-a-app' }, {}],
    ['scope', { scope: 'openid loyalty' }, {}],
    ['scp', { scp: ['loyalty'] }, {}],
    ['token_use access', { token_use: 'access' }, {}],
  ])('accepts it with positive access-token evidence: %s', async (_name, extra, header) => {
    expect(await verdict([listed], clientAud(extra), header)).toMatchObject({ brandId: 'brand-a' });
  });

  it('counts a payload typ of ID (Keycloak) as ID-token evidence', async () => {
    expect(await verdict([listed], accessClaims(listed, { typ: 'ID' }))).toBe('ID_TOKEN_REJECTED');
    expect(await verdict([listed], accessClaims(listed, { typ: 'Bearer' }))).toMatchObject({ brandId: 'brand-a' });
  });

  it('accepts such ID tokens only where the brand opts in', async () => {
    const opted = makeBrand({ acceptIdTokens: true });
    expect(await verdict([opted], accessClaims(opted, { aud: 'brand-a-app' }))).toMatchObject({ brandId: 'brand-a' });
  });
});

describe('item 2: audienceClaim client_id brands select only tokens without aud', () => {
  const cognito = makeBrand({ brandId: 'cognito', audienceClaim: 'client_id', clientId: 'app-c' });
  const api = makeBrand({ brandId: 'api', clientId: 'app-a' });
  const cognitoAccess = (extra: Record<string, unknown> = {}) => ({
    iss: cognito.issuer,
    sub: 'user-1',
    client_id: 'app-c',
    token_use: 'access',
    iat: NOW_S - 60,
    exp: NOW_S + 600,
    ...extra,
  });

  it('a token with aud and the client_id of the client_id brand selects only the aud brand', async () => {
    expect(await verdict([cognito, api], cognitoAccess())).toMatchObject({ brandId: 'cognito' });
    expect(await verdict([cognito, api], cognitoAccess({ aud: API }))).toMatchObject({ brandId: 'api' });
    expect(await verdict([cognito], cognitoAccess({ aud: 'app-c' }))).toBe('AUDIENCE_INVALID');
  });
});
