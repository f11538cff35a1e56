// The one time-claim check shared by access, ID and logout tokens: the same claims meet the same rules,
// with the logout token's two differences (exp optional, iat at most maxAgeSeconds old).
import { describe, expect, it } from 'vitest';
import { checkTimeClaims } from '../../../shared/auth/claims.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import { makeBrand } from '../../support/jwt.js';

const brand = makeBrand({ clockSkewSeconds: 30, maxTokenLifetimeSeconds: 3600 });
const NOW = 1_800_000_000;
const LOGOUT = { expOptional: true, maxAgeSeconds: 120 } as const;

function reason(check: () => unknown): string {
  try {
    check();
    return 'ACCEPTED';
  } catch (error) {
    return error instanceof TokenError ? error.reason : 'OTHER';
  }
}

describe('checkTimeClaims', () => {
  it.each([
    ['valid', { iat: NOW - 10, exp: NOW + 600 }, 'ACCEPTED', 'ACCEPTED'],
    ['no exp', { iat: NOW - 10 }, 'EXP_MISSING', 'ACCEPTED'],
    ['no iat', { exp: NOW + 600 }, 'IAT_MISSING', 'IAT_MISSING'],
    ['expired past the skew', { iat: NOW - 100, exp: NOW - 31 }, 'TOKEN_EXPIRED', 'TOKEN_EXPIRED'],
    ['expired within the skew', { iat: NOW - 100, exp: NOW - 29 }, 'ACCEPTED', 'ACCEPTED'],
    ['nbf in the future', { iat: NOW, exp: NOW + 600, nbf: NOW + 31 }, 'NOT_YET_VALID', 'NOT_YET_VALID'],
    ['iat in the future', { iat: NOW + 31, exp: NOW + 600 }, 'IAT_IN_FUTURE', 'IAT_IN_FUTURE'],
    ['iat older than maxAge + skew', { iat: NOW - 151, exp: NOW + 600 }, 'ACCEPTED', 'TOKEN_TOO_OLD'],
    ['lifetime over the brand maximum', { iat: NOW - 10, exp: NOW + 3600 }, 'LIFETIME_EXCEEDED', 'LIFETIME_EXCEEDED'],
  ])('%s: access/ID %s, logout %s', (_name, claims, access, logout) => {
    expect(reason(() => checkTimeClaims(claims, brand, NOW))).toBe(access);
    expect(reason(() => checkTimeClaims(claims, brand, NOW, LOGOUT))).toBe(logout);
  });

  it('returns the claims it checked', () => {
    expect(checkTimeClaims({ iat: NOW, exp: NOW + 60 }, brand, NOW)).toEqual({
      iat: NOW,
      exp: NOW + 60,
      nbf: undefined,
    });
    expect(checkTimeClaims({ iat: NOW }, brand, NOW, LOGOUT)).toEqual({ iat: NOW, exp: undefined, nbf: undefined });
  });
});
