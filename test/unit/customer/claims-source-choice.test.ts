// Which source the mapped claims come from: userinfo only with an access token and only when the brand has a
// userinfo endpoint; otherwise the verified ID token of the body; the answer says which was used.
import { hashToken } from '../../../shared/auth/authorize-request.js';
import { describe, expect, it } from 'vitest';
import { JwksCache } from '../../../shared/auth/jwks-cache.js';
import type { BrandConfig } from '../../../shared/config/brand-config.js';
import { CiamClaimSource, claimsSourceOf } from '../../../shared/customer/claim-source.js';
import { sampleAuth } from '../../support/events.js';
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

function rig(brand: BrandConfig) {
  const calls: string[] = [];
  const cache = new JwksCache(brand.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });
  const source = new CiamClaimSource({
    now: () => NOW_MS,
    jwks: () => cache,
    fetch: async (url) => {
      calls.push(url);
      return Response.json({ sub: 'user-1', given_name: 'FromUserinfo' });
    },
  });
  return { calls, source };
}

function idToken(brand: BrandConfig) {
  return signJwt(
    { iss: brand.issuer, sub: 'user-1', aud: brand.clientId, iat: NOW_S - 10, exp: NOW_S + 600, given_name: 'FromId' },
    key,
  );
}

describe('the claims source', () => {
  it('is userinfo, called with the access token, when the brand has an endpoint', async () => {
    const brand = makeBrand();
    const { calls, source } = rig(brand);
    const accessToken = signJwt(accessClaims(brand), key);
    const auth = sampleAuth({ sub: 'user-1', tokenHash: hashToken(accessToken) });
    const claims = await source.load({ brand, auth, accessToken, idToken: idToken(brand) });
    expect(calls).toEqual([brand.userInfoEndpoint]);
    expect(claims.given_name).toBe('FromUserinfo');
    expect(claimsSourceOf(claims)).toBe('userinfo');
    expect(Object.keys(claims)).not.toContain('claimsSource');
  });

  it('is the verified ID token when the brand has no userinfo endpoint', async () => {
    const { userInfoEndpoint: _none, ...rest } = makeBrand();
    const brand = rest as BrandConfig;
    const { calls, source } = rig(brand);
    const accessToken = signJwt(accessClaims(brand), key);
    const auth = sampleAuth({ sub: 'user-1', tokenHash: hashToken(accessToken) });
    const claims = await source.load({ brand, auth, accessToken, idToken: idToken(brand) });
    expect(calls).toEqual([]);
    expect(claims.given_name).toBe('FromId');
    expect(claimsSourceOf(claims)).toBe('id_token');
    expect(claimsSourceOf(await source.load({ brand, auth, accessToken }))).toBe('access_token');
  });

  it('never sends an ID token used as bearer to userinfo', async () => {
    const brand = makeBrand({ acceptIdTokens: true });
    const { calls, source } = rig(brand);
    const bearer = signJwt({ ...accessClaims(brand), aud: brand.clientId, nonce: 'n', given_name: 'FromBearer' }, key);
    const auth = sampleAuth({ sub: 'user-1', tokenHash: hashToken(bearer) });
    const claims = await source.load({ brand, auth, accessToken: bearer });
    expect(calls).toEqual([]);
    expect(claims.given_name).toBe('FromBearer');
    expect(claimsSourceOf(claims)).toBe('id_token');
  });
});
