// The document against the real handlers: every answer the post-auth, logout, back-channel and admin handlers give
// in the flows below (real CIAM logins, the Capillary simulator, dynalite) has a documented status and a
// body that validates against the documented schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createBackchannelHandler } from '../../functions/backchannel-logout/handler.js';
import { createHandler as createLogoutHandler } from '../../functions/logout/handler.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createLogger } from '../../shared/observability/logger.js';
import { InMemoryRevocationStore } from '../../shared/revocation/in-memory-revocation-store.js';
import { authorizedEvent, lambdaContext, proxyEvent } from '../support/events.js';
import {
  type BrandAdminRig,
  brandBody,
  goLiveOf,
  serveAdminHandler,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';
import { type Answer, type PostAuthRig, startPostAuthRig, CuidLookupModes } from '../support/post-auth-harness.js';
import { checkLiveResponse, loadOpenApi } from './openapi-document.js';

const doc = loadOpenApi();

const ROUTES = {
  session: ['POST', '/v1/auth/session'],
  me: ['GET', '/v1/me'],
  profile: ['POST', '/v1/me/profile/sync'],
  registration: ['POST', '/v1/me/registration'],
  identifiers: ['POST', '/v1/me/identifiers/sync'],
} as const;

const accounts = {
  ada: {
    given_name: 'Ada',
    family_name: 'Lovelace',
    email: 'ada@example.com',
    email_verified: true,
    phone_number: '+44 7700 900001',
    phone_number_verified: true,
  },
  charles: {
    given_name: 'Charles',
    family_name: 'Babbage',
    email: 'charles@example.com',
    email_verified: true,
    phone_number: '+44 7700 900002',
    phone_number_verified: true,
  },
  // Ada's e-mail and Charles's mobile: two different customers.
  mixed: {
    given_name: 'Mix',
    family_name: 'Up',
    email: 'ada@example.com',
    email_verified: true,
    phone_number: '+44 7700 900002',
    phone_number_verified: true,
  },
  unverified: { given_name: 'Eve', family_name: 'Mallory', email: 'ada@example.com', email_verified: false },
};

describe.each(CuidLookupModes)('the documented responses of the handlers (cuid lookup %s)', (cuidLookup) => {
  let rig: PostAuthRig;
  const seen: string[] = [];

  async function call(name: keyof typeof ROUTES, token: string, body?: unknown): Promise<Answer> {
    const answer = await rig.call(name, token, body);
    const [method, path] = ROUTES[name];
    seen.push(`${method} ${path} ${answer.status}`);
    const problems = checkLiveResponse(doc, method, path, answer.status, answer.body);
    expect(problems, JSON.stringify(answer.body)).toEqual([]);
    return answer;
  }

  beforeAll(async () => {
    rig = await startPostAuthRig({
      accounts: structuredClone(accounts),
      tablePrefix: `contract-${cuidLookup}`,
      cuidLookup,
    });
  });
  afterAll(() => rig.close());

  it('match the document through a new user’s whole journey', async () => {
    // Arrange
    const { accessToken, idToken } = await rig.login('ada');
    // Act + Assert (each call is checked against the document as it happens)
    expect((await call('me', accessToken)).status).toBe(404);
    expect((await call('session', accessToken, { idToken })).body).toMatchObject({ status: 'created' });
    expect((await call('session', accessToken)).body).toMatchObject({ status: 'linked' });
    expect((await call('me', accessToken)).status).toBe(200);
    expect((await call('profile', accessToken)).body).toMatchObject({ status: 'unchanged' });
    expect((await call('identifiers', accessToken)).body).toMatchObject({ status: 'unchanged' });
    const registration = {
      fields: { gender: 'Female' },
      extendedFields: { dob_date: '1990-04-12' },
      consent: { email: true },
    };
    expect((await call('registration', accessToken, registration)).status).toBe(201);
    expect((await call('registration', accessToken, registration)).body).toMatchObject({ status: 'updated' });
    expect((await call('me', accessToken)).body).toMatchObject({
      profiles: expect.arrayContaining([expect.objectContaining({ source: 'INSTORE' })]),
    });
  });

  it('match the document when the CIAM profile changes', async () => {
    const first = await rig.login('charles');
    await call('session', first.accessToken);
    rig.ciam.accounts.charles = { ...accounts.charles, family_name: 'Babbage-King', email: 'cb@example.com' };
    const { accessToken } = await rig.login('charles');
    expect((await call('session', accessToken)).body).toMatchObject({
      status: 'updated',
      identifierChangePending: true,
    });
    expect((await call('identifiers', accessToken)).body).toMatchObject({ status: 'changed' });
    rig.ciam.accounts.charles = { ...accounts.charles, family_name: 'Babbage', email: 'cb@example.com' };
    expect((await call('profile', accessToken)).body).toMatchObject({ status: 'updated', changedFields: ['lastName'] });
    rig.ciam.accounts.charles = { ...accounts.charles, email: 'cb@example.com' };
  });

  it('match the document for refusals', async () => {
    const ada = await rig.login('ada');
    const bad = await call('session', ada.accessToken, { unexpected: true });
    expect(bad.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'unexpected' }] } });
    expect((await call('registration', ada.accessToken, { email: 'x@example.com' })).status).toBe(400);
    expect((await call('registration', ada.accessToken, { fields: { '1bad': 'x' } })).status).toBe(400);
    expect((await call('session', ada.accessToken, '{not json')).body).toMatchObject({
      error: { code: 'INVALID_JSON' },
    });
    const client = await rig.clientToken();
    expect((await call('me', client)).body).toMatchObject({ error: { code: 'USER_TOKEN_REQUIRED' } });
    expect((await call('session', client)).body).toMatchObject({ error: { code: 'USER_TOKEN_REQUIRED' } });
    // An unverified e-mail is never looked up: whoever holds it, the user gets a customer of their own.
    const unverified = await rig.login('unverified');
    expect((await call('session', unverified.accessToken)).body).toMatchObject({ status: 'created' });
    const mixed = await rig.login('mixed');
    expect((await call('session', mixed.accessToken)).body).toMatchObject({ error: { code: 'IDENTIFIER_TAKEN' } });
  });

  it('match the document for logout and back-channel logout', async () => {
    // Arrange
    const logger = createLogger('contract', 'SILENT');
    const deps = {
      logger,
      store: new InMemoryRevocationStore(),
      brands: new InMemoryBrandDirectory([rig.brand]),
      audit: new InMemoryAuditLog(),
      now: Date.now,
    };
    const logout = createLogoutHandler(deps);
    const backchannel = createBackchannelHandler({ ...deps, verify: async () => Promise.reject(new Error('forged')) });
    const { accessToken } = await rig.login('ada');
    const auth = await rig.contextFor(accessToken);
    const event = (body: string | null) => authorizedEvent(auth, { httpMethod: 'POST', body });
    const parse = (body: string) => (body === '' ? undefined : JSON.parse(body));
    // Act
    const answers = [
      ['POST', '/v1/auth/logout', await logout(event(JSON.stringify({ allSessions: false })), lambdaContext)],
      ['POST', '/v1/auth/logout', await logout(event(JSON.stringify({ everything: true })), lambdaContext)],
      [
        'POST',
        '/v1/auth/backchannel-logout/demo',
        await backchannel(
          proxyEvent({
            httpMethod: 'POST',
            pathParameters: { brandId: 'demo' },
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: 'logout_token=forged.token.value',
          }),
          lambdaContext,
        ),
      ],
    ] as const;
    // Assert
    expect(answers.map(([, , result]) => result.statusCode)).toEqual([204, 400, 400]);
    for (const [method, path, result] of answers) {
      expect(checkLiveResponse(doc, method, path, result.statusCode, parse(result.body))).toEqual([]);
      expect(result.headers?.['cache-control']).toBe('no-store');
    }
  });

  it('exercised the main documented statuses', () => {
    for (const expected of [
      'POST /v1/auth/session 201',
      'POST /v1/auth/session 200',
      'POST /v1/auth/session 400',
      'POST /v1/auth/session 403',
      'POST /v1/auth/session 409',
      'GET /v1/me 200',
      'GET /v1/me 404',
      'POST /v1/me/registration 201',
      'POST /v1/me/identifiers/sync 200',
      'POST /v1/me/profile/sync 200',
    ]) {
      expect(seen).toContain(expected);
    }
  });
});

describe('the documented responses of the admin API', () => {
  let rig: BrandAdminRig;
  let server: { url: string; close(): Promise<void> };
  const ADMIN_KEY = 'contract-admin-key';
  const statuses: string[] = [];

  async function call(method: string, path: string, body?: unknown, key = ADMIN_KEY) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-admin-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    const { pathname } = new URL(path, server.url);
    statuses.push(`${method} ${response.status}`);
    expect(checkLiveResponse(doc, method, pathname, response.status, parsed), text).toEqual([]);
    return { status: response.status, body: parsed as Record<string, unknown> };
  }

  beforeAll(async () => {
    rig = await startBrandAdminRig();
    server = await serveAdminHandler(rig.admin, ADMIN_KEY, goLiveOf(rig));
  });
  afterAll(async () => {
    await server.close();
    await rig.close();
  });

  it('match the document through create, read, update, validate and delete', async () => {
    const body = brandBody(rig.ciam, 'contract');
    expect((await call('GET', '/v1/admin/brands/contract')).status).toBe(404);
    expect((await call('PUT', '/v1/admin/brands/contract', body)).status).toBe(201);
    expect((await call('GET', '/v1/admin/brands')).status).toBe(200);
    const read = await call('GET', '/v1/admin/brands/contract');
    expect(read.body).toMatchObject({ brandId: 'contract', version: 1 });
    expect((await call('PUT', '/v1/admin/brands/contract', { ...read.body, brandName: 'Renamed' })).status).toBe(200);
    expect((await call('POST', '/v1/admin/brands/contract/validate', { ...read.body, version: 2 })).status).toBe(200);
    expect((await call('DELETE', '/v1/admin/brands/contract?version=2')).status).toBe(200);
  });

  it('match the document for refusals', async () => {
    const body = brandBody(rig.ciam, 'refused');
    expect((await call('GET', '/v1/admin/brands', undefined, 'wrong-key')).status).toBe(403);
    expect(
      (await call('PUT', '/v1/admin/brands/refused', { ...body, jwksUri: 'http://example.com/jwks' })).status,
    ).toBe(400);
    await call('PUT', '/v1/admin/brands/refused', body);
    expect((await call('PUT', '/v1/admin/brands/refused', body)).body).toMatchObject({
      error: { code: 'VERSION_CONFLICT' },
    });
    const taken = brandBody(rig.ciam, 'other', { clientId: 'refused-app' });
    expect((await call('PUT', '/v1/admin/brands/other', taken)).body).toMatchObject({
      error: { code: 'BRAND_ISSUER_CLIENT_TAKEN' },
    });
    rig.ciam.jwks.status = 500;
    expect((await call('POST', '/v1/admin/brands/another/validate', brandBody(rig.ciam, 'another'))).status).toBe(422);
    rig.ciam.jwks.status = 200;
    expect((await call('DELETE', '/v1/admin/brands/refused?version=abc')).status).toBe(400);
    expect((await call('DELETE', '/v1/admin/brands/refused?version=7')).status).toBe(409);
    expect(statuses).toEqual(expect.arrayContaining(['PUT 400', 'PUT 409', 'POST 422', 'DELETE 409']));
  });
});
