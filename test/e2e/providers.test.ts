// Identity providers this project did not write, each started on loopback by this test and wired to the
// local stack the way an operator would: `brand init` from the provider's discovery document, `validate`,
// `put`, then a real login at the provider, a session link, /v1/me, app logout and the refused token after.
// oidc-provider (the development CIAM library), oauth2-mock-server, and oauth2-mock-server again as an Amazon
// Cognito user pool (Cognito's token shapes: an access token without aud, checked by client_id and token_use).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpServer, OAuth2Issuer, OAuth2Server, OAuth2Service } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_CAPILLARY_CREDENTIALS, DEMO_ORG_ID, DEMO_SOURCE_ACCOUNT_ID } from '../../local/demo-brand.js';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runCli } from '../support/brand-cli.js';

let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    ciamPort: 0,
    capillaryPort: 0,
    dynamoPort: 0,
    ssmPort: 0,
    quiet: true,
    playground: false,
    authorizerCacheTtlSeconds: 0,
    configCacheTtlSeconds: 0,
    revocationCacheTtlSeconds: 0,
  });
  dir = mkdtempSync(join(tmpdir(), 'providers-'));
}, 90_000);

afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runCli({ LOCAL_ADMIN_KEY: stack.adminKey, CIAM_GATEWAY_URL: stack.urls.gateway }, ...args);

/** `brand init` + the operator's edits (the named placeholders) + `validate` + `put`; returns the brand file. */
async function onboard(issuer: string, preset: string, brandId: string, extra: string[], edits = {}) {
  const file = join(dir, `${brandId}.json`);
  const init = await cli(
    'init',
    '--issuer',
    issuer,
    '--preset',
    preset,
    '--brand-id',
    brandId,
    '--org-id',
    String(DEMO_ORG_ID),
    '--source-account',
    DEMO_SOURCE_ACCOUNT_ID,
    '--capillary-url',
    stack.urls.capillary,
    '--out',
    file,
    ...extra,
  );
  expect(init, init.stderr).toMatchObject({ code: 0 });
  // A provider on loopback is a local one: init points the brand at the local simulator, with its credentials.
  expect(init.stdout).toContain('local issuer: Capillary is the local simulator');
  expect(init.stdout).not.toContain('REPLACE_WITH_CAPILLARY_KEY');
  // Issue 21 item 9: the loopback http providers here are exactly what the gateway refuses outside the local stack.
  expect(init.stderr).toContain('warning: --issuer ');
  expect(init.stderr).toContain('is not https: only the local stack accepts plain http on loopback');
  const brand = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(
    file,
    JSON.stringify({ ...brand, ...edits, secrets: { capillary: { ...DEMO_CAPILLARY_CREDENTIALS } } }),
  );
  const validate = await cli('validate', '--file', file);
  expect(validate, validate.stderr).toMatchObject({ code: 0 });
  const put = await cli('put', '--file', file);
  expect(put, put.stderr).toMatchObject({ code: 0 });
  return brand;
}

function call(method: string, path: string, token: string, body?: unknown): Promise<Response> {
  return fetch(`${stack.urls.gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** Session link, /v1/me, logout, then the same token refused. */
async function journey(tokens: { accessToken: string; idToken: string }, cuid: string, mapped: Record<string, string>) {
  const session = await call('POST', '/v1/auth/session', tokens.accessToken, { idToken: tokens.idToken });
  const sessionBody = (await session.json()) as Record<string, unknown>;
  expect(session.status, JSON.stringify(sessionBody)).toBe(201);
  expect(sessionBody).toMatchObject({ cuid, status: 'created', mapped });
  const me = await call('GET', '/v1/me', tokens.accessToken);
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ cuid });
  expect((await call('POST', '/v1/auth/logout', tokens.accessToken, {})).status).toBe(204);
  // Refused with the one answer to a revoked token, whether the gateway's cached decision or the guard sees it.
  const after = await call('GET', '/v1/me', tokens.accessToken);
  expect(after.status).toBe(401);
  expect(await after.json()).toMatchObject({ error: { code: 'TOKEN_REVOKED' } });
  return sessionBody;
}

describe('oidc-provider (a CIAM of its own, not the stack demo one)', () => {
  let ciam: DevCiam;
  const client = { clientId: 'op-app', clientSecret: 'op-secret', redirectUri: 'http://127.0.0.1/cb' };
  const api = 'https://api.op.test';

  beforeAll(async () => {
    ciam = await startDevCiam({
      accounts: { 'op-user': { given_name: 'Olga', family_name: 'Petrova', email: 'olga@op.test' } },
      clients: [{ ...client, redirectUris: [client.redirectUri] }],
      apiResource: api,
    });
  });
  afterAll(() => ciam?.close());

  it('onboards with brand init and runs the whole journey with its JWT access token', async () => {
    const brand = await onboard(ciam.issuer, 'generic', 'prov-op', [
      '--client-id',
      client.clientId,
      '--application-id',
      api,
    ]);
    expect(brand).toMatchObject({ jwksUri: ciam.jwksUri, userInfoEndpoint: ciam.userInfoEndpoint });
    const tokens = await loginWithCode(ciam, client, 'op-user');
    // The ID token is not an access credential of this brand.
    expect((await call('GET', '/v1/me', tokens.idToken)).status).toBe(401);
    const session = await journey(tokens, 'op-user', { firstName: 'Olga', lastName: 'Petrova' });
    expect(session.claimsSource).toBe('userinfo');
  });
});

describe('oidc-provider issuing RFC 9068 access tokens with aud [client, API] and client_id, no azp (the lemonldap-ng shape)', () => {
  let ciam: DevCiam;
  const web = { clientId: 'rfc-web', clientSecret: 'rfc-secret', redirectUri: 'http://127.0.0.1/cb' };
  const ios = { clientId: 'rfc-ios', redirectUri: 'http://127.0.0.1/cb' };
  const api = 'https://api.rfc9068.test';

  beforeAll(async () => {
    ciam = await startDevCiam({
      accounts: { 'rfc-user': { given_name: 'Rita', family_name: 'Ferreira', email: 'rita@rfc.test' } },
      clients: [
        { clientId: web.clientId, clientSecret: web.clientSecret, redirectUris: [web.redirectUri] },
        { clientId: ios.clientId, redirectUris: [ios.redirectUri] },
      ],
      apiResource: api,
      // oidc-provider's documented JWT customizer: aud = [the client, the API], as lemonldap-ng issues them.
      accessTokenAudience: (clientId, resource) => [clientId, resource],
    });
  });
  afterAll(() => ciam?.close());

  it('accepts its tokens from every app of one brand (clientIds), and runs the journey', async () => {
    await onboard(ciam.issuer, 'generic', 'prov-rfc9068', ['--client-id', web.clientId, '--application-id', api], {
      clientIds: [web.clientId, ios.clientId],
    });
    const tokens = await loginWithCode(ciam, web, 'rfc-user');
    const header = JSON.parse(Buffer.from(tokens.accessToken.split('.')[0] ?? '', 'base64url').toString());
    const access = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString());
    expect(header.typ).toBe('at+jwt');
    expect(access).toMatchObject({ aud: [web.clientId, api], client_id: web.clientId });
    expect(access.azp).toBeUndefined();
    // The second app of the brand: its own client id, the same brand, the same user.
    const mobile = await loginWithCode(ciam, ios, 'rfc-user');
    expect((await call('GET', '/v1/me', mobile.accessToken)).status).toBe(404); // CUSTOMER_NOT_LINKED: accepted
    const session = await journey(tokens, 'rfc-user', { firstName: 'Rita', lastName: 'Ferreira' });
    expect(session.claimsSource).toBe('userinfo');
    const me = await call('GET', '/v1/me', mobile.accessToken);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ cuid: 'rfc-user' });
  });
});

describe('oauth2-mock-server', () => {
  const server = new OAuth2Server();
  const api = 'https://api.mock.test';
  const clientId = 'mock-app';

  beforeAll(async () => {
    await server.issuer.keys.generate('RS256');
    await server.start(0, '127.0.0.1');
    // Its access tokens carry no aud: give them the API's, and one subject with a profile to every token.
    server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
      if (token.payload.aud === undefined) Object.assign(token.payload, { aud: api, jti: randomUUID() });
      token.payload.sub = 'mock-user';
    });
    server.service.on('beforeUserinfo', (response: { body: Record<string, unknown> }) => {
      response.body = { sub: 'mock-user', given_name: 'Mona', family_name: 'Mock', email: 'mona@mock.test' };
    });
  });
  afterAll(() => server.stop());

  async function login() {
    const issuer = server.issuer.url as string;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const authorize = new URL(`${issuer}/authorize`);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1/cb',
      scope: 'openid profile email',
      state: 's',
      nonce: 'n-1',
      code_challenge: challenge.toString('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: clientId,
        redirect_uri: 'http://127.0.0.1/cb',
        code_verifier: verifier,
      }),
    });
    const body = (await response.json()) as { access_token: string; id_token: string };
    return { accessToken: body.access_token, idToken: body.id_token };
  }

  it('onboards with brand init and runs the whole journey', async () => {
    const issuer = server.issuer.url as string;
    const brand = await onboard(issuer, 'generic', 'prov-mock', ['--client-id', clientId, '--application-id', api]);
    expect(brand).toMatchObject({ allowedAlgorithms: ['RS256'], userInfoEndpoint: `${issuer}/userinfo` });
    const tokens = await login();
    const session = await journey(tokens, 'mock-user', { firstName: 'Mona', email: 'mona@mock.test' });
    expect(session.claimsSource).toBe('userinfo');
  });
});

describe('Amazon Cognito token shapes (oauth2-mock-server as a user pool)', () => {
  // A user pool as Cognito serves one (its developer guide: "Understanding the access token", "... the identity (ID)
  // token"): the issuer is the pool's URL (cognito-idp.<region>.amazonaws.com/<pool id>, here the pool path on
  // loopback), the JWKS is <issuer>/.well-known/jwks.json and, without a hosted-UI domain, discovery lists no
  // userinfo. oauth2-mock-server signs; its token hook gives the tokens Cognito's claims. Access token: no aud,
  // client_id, token_use access, username, scope, version 2; ID token: aud = the app client, token_use id,
  // cognito:username and the user's attributes; both: cognito:groups, jti, and the login's origin_jti, event_id and
  // auth_time. Cognito signs the two with different keys (base64 kids) and sets no typ.
  const poolId = 'eu-west-1_Cgn7Pool1';
  const clientId = '5r8bq1f0sd7u2hcognitoapp01';
  const redirectUri = 'http://127.0.0.1/cb';
  const user = { sub: randomUUID(), username: 'carla', groups: ['loyalty-members'] };
  const attributes = { given_name: 'Carla', family_name: 'Cognito', email: 'carla@cognito.test', email_verified: true };
  const pool = new OAuth2Issuer();
  const idp = new OAuth2Service(pool, {
    jwks: '/.well-known/jwks.json',
    authorize: '/oauth2/authorize',
    token: '/oauth2/token',
  });
  const logins = new WeakMap<object, Record<string, unknown>>();
  const server = new HttpServer((req, res) => {
    const prefix = `/${poolId}`;
    if (!req.url?.startsWith(`${prefix}/`)) return void res.writeHead(404).end();
    req.url = req.url.slice(prefix.length);
    if (req.url !== '/.well-known/openid-configuration') return idp.requestHandler(req, res);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        issuer: pool.url,
        jwks_uri: `${pool.url}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'token'],
        scopes_supported: ['openid', 'email', 'phone', 'profile'],
        subject_types_supported: ['public'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      }),
    );
  });

  beforeAll(async () => {
    for (const seed of ['access', 'id'])
      await pool.keys.generate('RS256', { kid: createHash('sha256').update(`${poolId}/${seed}`).digest('base64') });
    await server.start(0, '127.0.0.1');
    pool.url = `http://127.0.0.1:${server.address().port}/${poolId}`;
    idp.on(
      'beforeTokenSigning',
      (token: { header: Record<string, unknown>; payload: Record<string, unknown> }, req) => {
        let login = logins.get(req);
        if (login === undefined) {
          login = { origin_jti: randomUUID(), event_id: randomUUID(), auth_time: token.payload.iat };
          logins.set(req, login);
        }
        token.header.typ = undefined;
        const { iss, iat, exp, aud } = token.payload;
        const common = { iss, iat, exp, sub: user.sub, 'cognito:groups': user.groups, jti: randomUUID(), ...login };
        token.payload =
          aud === undefined
            ? {
                ...common,
                version: 2,
                client_id: clientId,
                token_use: 'access',
                scope: 'openid email profile',
                username: user.username,
              }
            : { ...common, aud: clientId, token_use: 'id', 'cognito:username': user.username, ...attributes };
      },
    );
  });
  afterAll(() => server.stop());

  /** The hosted UI's code flow (the API flow, InitiateAuth, mints the same two tokens). */
  async function signIn() {
    const authorize = new URL(`${pool.url}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      state: 's',
    }).toString();
    const redirect = await fetch(authorize, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const response = await fetch(`${pool.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        client_id: clientId,
        redirect_uri: redirectUri,
      }),
    });
    const body = (await response.json()) as { access_token: string; id_token: string };
    return { accessToken: body.access_token, idToken: body.id_token };
  }

  const decode = (token: string, part: 0 | 1) =>
    JSON.parse(Buffer.from(token.split('.')[part] ?? '', 'base64url').toString()) as Record<string, unknown>;

  it('onboards with the cognito preset and runs the journey with its access token (audienceClaim client_id)', async () => {
    const issuer = pool.url as string;
    const brand = await onboard(issuer, 'cognito', 'prov-cognito', ['--client-id', clientId]);
    expect(brand).toMatchObject({
      audienceClaim: 'client_id',
      applicationId: clientId,
      jwksUri: `${issuer}/.well-known/jwks.json`,
    });
    expect(brand).not.toHaveProperty('userInfoEndpoint');

    const tokens = await signIn();
    const access = decode(tokens.accessToken, 1);
    const id = decode(tokens.idToken, 1);
    expect(access).toMatchObject({ token_use: 'access', client_id: clientId, username: 'carla', version: 2 });
    expect(access.aud).toBeUndefined();
    expect(id).toMatchObject({
      token_use: 'id',
      aud: clientId,
      'cognito:username': 'carla',
      email: 'carla@cognito.test',
    });
    for (const claim of ['origin_jti', 'event_id', 'auth_time', 'cognito:groups'])
      expect(access[claim]).toEqual(id[claim]);
    expect(decode(tokens.accessToken, 0)).toEqual({ alg: 'RS256', kid: expect.stringMatching(/=$/) });
    expect(decode(tokens.accessToken, 0).kid).not.toBe(decode(tokens.idToken, 0).kid);
    // Its ID token (aud = client id, token_use id, no client_id) is refused as a bearer.
    expect((await call('GET', '/v1/me', tokens.idToken)).status).toBe(401);
    // The customer is linked on sub (cognito:username is not the sub); the names and e-mail come from the ID token.
    const session = await journey(tokens, user.sub, {
      firstName: 'Carla',
      lastName: 'Cognito',
      email: 'carla@cognito.test',
    });
    // No userinfo endpoint in its discovery: the mapped claims come from the verified ID token.
    expect(session.claimsSource).toBe('id_token');
  });
});
