import { describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { ErrorCodes, ForbiddenError, ValidationError } from '../../../shared/errors.js';
import { logoutCaller, parseAppLogoutBody } from '../../../shared/revocation/app-logout.js';
import { InMemoryRevocationStore } from '../../../shared/revocation/in-memory-revocation-store.js';
import { RevocationKeys } from '../../../shared/revocation/revocation-checker.js';
import { sampleAuth } from '../../support/events.js';
import { logoutTestBrand } from './brand-fixture.js';
import { T0 } from './revocation-store-contract.js';

function setup() {
  const now = T0 * 1000;
  const store = new InMemoryRevocationStore({ now: () => now });
  const audit = new InMemoryAuditLog();
  const deps = { store, audit, brands: new InMemoryBrandDirectory([logoutTestBrand()]), now: () => now };
  return { store, audit, deps };
}

const auth = (overrides = {}) => sampleAuth({ iat: T0 - 60, exp: T0 + 540, ...overrides });

describe('logoutCaller', () => {
  it('revokes the session until every token issued in it so far has expired (max lifetime + skew)', async () => {
    const { store, deps } = setup();
    expect((await logoutCaller(deps, auth(), { allSessions: false })).scope).toBe('SESSION');
    expect(store.items.get(RevocationKeys.session('demo', 'sid-1'))).toEqual({ expiresAt: T0 + 3600 + 30 });
    expect(await store.check({ brandId: 'demo', sub: 'user-1', sid: 'sid-1', jti: 'other', iat: T0 })).toBe(
      'SESSION_REVOKED',
    );
  });

  it('revokes only the token by jti, until its exp plus skew, when the token has no sid', async () => {
    const { store, deps } = setup();
    expect((await logoutCaller(deps, auth({ sid: '' }), { allSessions: false })).scope).toBe('TOKEN');
    expect(store.items.get(RevocationKeys.token('demo', 'jti-1'))).toEqual({ expiresAt: T0 + 540 + 30 });
    expect(store.items.has(RevocationKeys.session('demo', 'sid-1'))).toBe(false);
  });

  it('revokes every token of the user issued up to now with allSessions', async () => {
    const { store, deps } = setup();
    expect((await logoutCaller(deps, auth(), { allSessions: true })).scope).toBe('ALL_SESSIONS');
    expect(store.items.get(RevocationKeys.user('demo', 'user-1'))).toEqual({ revokedBefore: T0, expiresAt: T0 + 3630 });
    const other = { brandId: 'demo', sub: 'user-1', sid: 'sid-2', jti: 'jti-2' };
    expect(await store.check({ ...other, iat: T0 })).toBe('USER_REVOKED');
    expect(await store.check({ ...other, iat: T0 + 1 })).toBeUndefined();
  });

  it('revokes at least the calling token when the CIAM clock runs ahead of ours', async () => {
    const { store, deps } = setup();
    await logoutCaller(deps, auth({ iat: T0 + 20 }), { allSessions: true });
    expect(store.items.get(RevocationKeys.user('demo', 'user-1'))?.revokedBefore).toBe(T0 + 20);
  });

  it('falls back to revoking the user up to the token iat when the token has neither sid nor jti', async () => {
    const { store, deps } = setup();
    expect((await logoutCaller(deps, auth({ sid: '', jti: '' }), { allSessions: false })).scope).toBe(
      'USER_BEFORE_TOKEN',
    );
    expect(store.items.get(RevocationKeys.user('demo', 'user-1'))?.revokedBefore).toBe(T0 - 60);
  });

  it('changes nothing for a token that is already revoked (idempotent, and no power left)', async () => {
    const { store, deps, audit } = setup();
    await logoutCaller(deps, auth(), { allSessions: false });
    const before = new Map(store.items);
    expect((await logoutCaller(deps, auth(), { allSessions: true })).scope).toBe('ALREADY_REVOKED');
    expect(store.items).toEqual(before);
    expect(audit.events.map((event) => event.reason)).toEqual(['APP_SESSION', 'APP_ALREADY_REVOKED']);
  });

  it('refuses allSessions for a client-credentials token with 403 USER_TOKEN_REQUIRED', async () => {
    const { deps } = setup();
    const error = await logoutCaller(deps, auth({ principalType: 'client' }), { allSessions: true }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ code: ErrorCodes.USER_TOKEN_REQUIRED });
  });

  it('uses the widest lifetime any brand may have when the brand cannot be read', async () => {
    const { store, deps } = setup();
    await logoutCaller({ ...deps, brands: new InMemoryBrandDirectory() }, auth(), { allSessions: false });
    expect(store.items.get(RevocationKeys.session('demo', 'sid-1'))?.expiresAt).toBe(T0 + 7 * 86_400 + 300);
  });

  it('audits the logout with the hashed subject and no raw identifiers', async () => {
    const { deps, audit } = setup();
    await logoutCaller(deps, auth(), { allSessions: false });
    expect(audit.events).toEqual([
      {
        type: 'logout',
        outcome: 'success',
        reason: 'APP_SESSION',
        brandId: 'demo',
        // The authorizer's keyed hash from its context, never recomputed here.
        subjectHash: auth().subjectHash,
        details: { channel: 'app', principalType: 'user' },
      },
    ]);
  });
});

describe('parseAppLogoutBody', () => {
  it('accepts an empty body and allSessions', () => {
    expect(parseAppLogoutBody({})).toEqual({ allSessions: false });
    expect(parseAppLogoutBody({ allSessions: true })).toEqual({ allSessions: true });
  });

  it('refuses an unknown field with 400 naming it', () => {
    const error = (() => {
      try {
        parseAppLogoutBody({ allSession: true });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({
      code: ErrorCodes.VALIDATION_FAILED,
      details: [{ field: 'allSession', message: 'unknown field' }],
    });
  });

  it('refuses a mistyped allSessions', () => {
    expect(() => parseAppLogoutBody({ allSessions: 'yes' })).toThrow(ValidationError);
  });
});

describe('issue 21 item 6: with acceptIdTokens, app logout ends both credentials of the login', () => {
  function idTokenBrandSetup() {
    const now = T0 * 1000;
    const store = new InMemoryRevocationStore({ now: () => now });
    const brands = new InMemoryBrandDirectory([logoutTestBrand({ acceptIdTokens: true })]);
    return { store, deps: { store, audit: new InMemoryAuditLog(), brands, now: () => now } };
  }
  /** The other credential of the same login: issued at the same time, its own jti, sid only if it has one. */
  const sibling = (sid: string) => ({ brandId: 'demo', sub: 'user-1', sid, jti: 'sibling', iat: T0 - 60 });

  it('an access token without sid: the user cut-off at this moment ends the ID token too', async () => {
    const { store, deps } = idTokenBrandSetup();
    const result = await logoutCaller(deps, auth({ sid: '' }), { allSessions: false });
    expect(result).toEqual({ scope: 'LOGIN_AT_LOGOUT' });
    expect(await store.check(sibling('id-token-sid'))).toBe('USER_REVOKED');
    // A login after this moment is not touched.
    expect(await store.check({ ...sibling('later'), iat: T0 + 1 })).toBeUndefined();
  });

  it('an ID token as bearer: its session and the cut-off end the access token, which has no sid', async () => {
    const { store, deps } = idTokenBrandSetup();
    expect((await logoutCaller(deps, auth({ tokenKind: 'id' }), { allSessions: false })).scope).toBe('LOGIN_AT_LOGOUT');
    expect(await store.check(sibling(''))).toBe('USER_REVOKED');
    expect(store.items.has(RevocationKeys.session('demo', 'sid-1'))).toBe(true);
  });

  it('an access token with the sid its ID token carries: the session is enough (the user keeps other sessions)', async () => {
    const { store, deps } = idTokenBrandSetup();
    expect((await logoutCaller(deps, auth(), { allSessions: false })).scope).toBe('SESSION');
    expect(await store.check(sibling('sid-1'))).toBe('SESSION_REVOKED');
    expect(await store.check(sibling('other-login'))).toBeUndefined();
  });

  it('without acceptIdTokens nothing changes: only the access token or its session', async () => {
    const { store, deps } = setup();
    expect((await logoutCaller(deps, auth({ sid: '' }), { allSessions: false })).scope).toBe('TOKEN');
    expect(await store.check(sibling('id-token-sid'))).toBeUndefined();
  });

  it('says NO_REVOCATION_ENDPOINT for a refresh token when no revoker is configured', async () => {
    const { deps } = setup();
    expect(await logoutCaller(deps, auth(), { allSessions: false, refreshToken: 'rt' })).toEqual({
      scope: 'SESSION',
      refreshToken: { revoked: false, reason: 'NO_REVOCATION_ENDPOINT' },
    });
  });

  it('parses refresh_token from the body', () => {
    expect(parseAppLogoutBody({ refresh_token: 'rt' })).toEqual({ allSessions: false, refreshToken: 'rt' });
    expect(() => parseAppLogoutBody({ refresh_token: '' })).toThrow(ValidationError);
  });
});
