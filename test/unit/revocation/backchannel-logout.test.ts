// The back-channel logout use-case without HTTP or crypto: the form rules, every refusal reason (each
// audited), what gets revoked for sid / sub tokens, and that a failed revocation lets the CIAM's retry in.
// (The signed-token path against a real CIAM is test/integration/backchannel-logout.test.ts.)
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import { TokenError } from '../../../shared/auth/token-error.js';
import type { LogoutTokenClaims } from '../../../shared/auth/verify-logout-token.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import {
  BackchannelLogoutError,
  type BackchannelLogoutDeps,
  MAX_LOGOUT_FORM_BYTES,
  processBackchannelLogout,
  readLogoutTokenForm,
} from '../../../shared/revocation/backchannel-logout.js';
import { InMemoryRevocationStore } from '../../../shared/revocation/in-memory-revocation-store.js';
import { proxyEvent } from '../../support/events.js';
import { logoutTestBrand } from './brand-fixture.js';

const NOW_MS = 1_700_000_000_000;
const NOW_S = NOW_MS / 1000;
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' };

function form(body: string, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return proxyEvent({ httpMethod: 'POST', headers: FORM, body, ...overrides });
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof BackchannelLogoutError) return error.reason;
    throw error;
  }
  throw new Error('expected a BackchannelLogoutError');
}

describe('readLogoutTokenForm', () => {
  it('reads the one logout_token of a form body, plain or base64-encoded', () => {
    expect(readLogoutTokenForm(form('logout_token=abc.def.ghi'))).toBe('abc.def.ghi');
    const encoded = Buffer.from('logout_token=a.b.c&state=x').toString('base64');
    expect(readLogoutTokenForm(form(encoded, { isBase64Encoded: true }))).toBe('a.b.c');
  });

  it.each([
    ['a GET', form('logout_token=t', { httpMethod: 'GET' }), 'METHOD_NOT_ALLOWED'],
    ['no content type', form('logout_token=t', { headers: {} }), 'CONTENT_TYPE'],
    ['a JSON body', form('{"logout_token":"t"}', { headers: { 'content-type': 'application/json' } }), 'CONTENT_TYPE'],
    ['a body over the cap', form(`logout_token=${'a'.repeat(MAX_LOGOUT_FORM_BYTES)}`), 'BODY_TOO_LARGE'],
    [
      'a base64 body over the cap before decoding',
      form('a'.repeat(MAX_LOGOUT_FORM_BYTES * 2), { isBase64Encoded: true }),
      'BODY_TOO_LARGE',
    ],
    [
      'a body over the cap once decoded as UTF-8',
      form(`logout_token=${'é'.repeat(MAX_LOGOUT_FORM_BYTES / 2)}`),
      'BODY_TOO_LARGE',
    ],
    ['no body', form('', { body: null }), 'LOGOUT_TOKEN_MISSING'],
    ['an empty token', form('logout_token='), 'LOGOUT_TOKEN_MISSING'],
    ['two tokens', form('logout_token=a&logout_token=b'), 'LOGOUT_TOKEN_MISSING'],
  ])('refuses %s', (_name, event, reason) => {
    expect(refusal(() => readLogoutTokenForm(event))).toBe(reason);
  });
});

describe('processBackchannelLogout', () => {
  let store: InMemoryRevocationStore;
  let audit: InMemoryAuditLog;
  let claims: LogoutTokenClaims;
  let deps: BackchannelLogoutDeps;

  beforeEach(() => {
    store = new InMemoryRevocationStore({ now: () => NOW_MS });
    audit = new InMemoryAuditLog();
    claims = { iss: 'https://ciam.test', aud: ['demo-app'], sub: 'user-1', sid: 'sid-1', jti: 'j-1', iat: NOW_S - 5 };
    deps = {
      store,
      audit,
      now: () => NOW_MS,
      brands: new InMemoryBrandDirectory([logoutTestBrand(), logoutTestBrand({ brandId: 'off', status: 'disabled' })]),
      verify: async () => claims,
    };
  });

  const lastFailure = () => audit.events.at(-1);
  const revoked = (query: { sid?: string; sub?: string; iat?: number }) =>
    store.check({ brandId: 'demo', sub: query.sub ?? '', sid: query.sid ?? '', jti: '', iat: query.iat ?? NOW_S - 10 });

  it('revokes the session and the user tokens issued up to the logout, and audits it', async () => {
    expect(await processBackchannelLogout(deps, 'demo', 'token')).toEqual({
      brandId: 'demo',
      sessionRevoked: true,
      userRevoked: true,
    });
    expect(await revoked({ sid: 'sid-1' })).toBeDefined();
    expect(await revoked({ sub: 'user-1' })).toBeDefined();
    expect(audit.events).toEqual([
      expect.objectContaining({ type: 'logout', outcome: 'success', reason: 'BACKCHANNEL', brandId: 'demo' }),
    ]);
  });

  it('revokes only the session when told so, and the user alone for a sub-only token', async () => {
    expect(await processBackchannelLogout({ ...deps, sessionLogoutRevokesUser: false }, 'demo', 't')).toMatchObject({
      sessionRevoked: true,
      userRevoked: false,
    });
    expect(await revoked({ sub: 'user-1' })).toBeUndefined();
    const { sid: _sid, ...subOnly } = claims;
    claims = { ...subOnly, jti: 'j-2' };
    expect(await processBackchannelLogout({ ...deps, sessionLogoutRevokesUser: false }, 'demo', 't')).toMatchObject({
      sessionRevoked: false,
      userRevoked: true,
    });
  });

  it.each([
    ['a missing brand id', undefined, 'BRAND_UNKNOWN'],
    ['a malformed brand id', '../etc', 'BRAND_UNKNOWN'],
    ['an unknown brand', 'nobody', 'BRAND_UNKNOWN'],
    ['a disabled brand', 'off', 'BRAND_DISABLED'],
  ])('refuses %s and audits it', async (_name, brandId, reason) => {
    await expect(processBackchannelLogout(deps, brandId, 't')).rejects.toMatchObject({ reason });
    expect(lastFailure()).toMatchObject({ type: 'logout', outcome: 'failure', reason });
    expect(lastFailure()?.brandId).toBe(brandId === 'nobody' || brandId === 'off' ? brandId : undefined);
  });

  it('reports the verifier reason of a bad token, or VERIFY_FAILED for anything else', async () => {
    deps.verify = async () => {
      throw new TokenError('SIGNATURE_INVALID');
    };
    await expect(processBackchannelLogout(deps, 'demo', 't')).rejects.toMatchObject({ reason: 'SIGNATURE_INVALID' });
    deps.verify = async () => {
      throw new Error('boom');
    };
    await expect(processBackchannelLogout(deps, 'demo', 't')).rejects.toMatchObject({ reason: 'VERIFY_FAILED' });
  });

  it('refuses a replayed token', async () => {
    await processBackchannelLogout(deps, 'demo', 't');
    await expect(processBackchannelLogout(deps, 'demo', 't')).rejects.toMatchObject({ reason: 'REPLAYED' });
  });

  it('fails when the replay marker cannot be written', async () => {
    store.markLogoutTokenUsed = async () => {
      throw new Error('table unavailable');
    };
    await expect(processBackchannelLogout(deps, 'demo', 't')).rejects.toMatchObject({ reason: 'LOGOUT_FAILED' });
  });

  it('forgets the replay marker when the revocation fails, so the CIAM retry is accepted', async () => {
    const revokeSession = store.revokeSession.bind(store);
    store.revokeSession = async () => {
      throw new Error('throttled');
    };
    await expect(processBackchannelLogout(deps, 'demo', 't')).rejects.toMatchObject({ reason: 'LOGOUT_FAILED' });
    store.revokeSession = revokeSession;
    expect(await processBackchannelLogout(deps, 'demo', 't')).toMatchObject({ sessionRevoked: true });
  });
});
