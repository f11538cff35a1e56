import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { clientCredentialsToken } from '../support/dev-ciam-session.js';

const API = 'https://api.demo.loyalty.test';
const CLIENT = { clientId: 'demo-app', clientSecret: 'demo-secret', redirectUri: 'http://127.0.0.1/cb' };

describe('development CIAM', () => {
  let ciam: DevCiam;
  beforeAll(async () => {
    ciam = await startDevCiam({
      accounts: {
        'user-1': { given_name: 'Ada', family_name: 'Lovelace', email: 'ada@example.com', email_verified: true },
      },
      clients: [{ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] }],
      apiResource: API,
    });
  });
  afterAll(() => ciam.close());

  it('issues a real ID token and a JWT access token for a code + PKCE login', async () => {
    const tokens = await loginWithCode(ciam, CLIENT, 'user-1');
    const jwks = createRemoteJWKSet(new URL(ciam.jwksUri));
    const id = await jwtVerify(tokens.idToken, jwks, { issuer: ciam.issuer, audience: CLIENT.clientId });
    expect(id.payload).toMatchObject({ sub: 'user-1', given_name: 'Ada', email: 'ada@example.com' });
    const at = await jwtVerify(tokens.accessToken, jwks, { issuer: ciam.issuer, audience: API, typ: 'at+jwt' });
    expect(at.payload.sub).toBe('user-1');
    const userinfo = await fetch(ciam.userInfoEndpoint, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(userinfo.status).toBe(200);
  });

  it('answers an empty, malformed or oversized account change 400 INVALID_JSON and keeps the user', async () => {
    for (const body of ['', '{', JSON.stringify({ given_name: 'x'.repeat(16_384) })]) {
      const answer = await fetch(`${ciam.issuer}/account/users/user-1`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(answer.status).toBe(400);
      expect(await answer.json()).toEqual({ error: { code: 'INVALID_JSON', message: 'Body must be a JSON object' } });
    }
    const user = await (await fetch(`${ciam.issuer}/account/users/user-1`)).json();
    expect(user).toMatchObject({ given_name: 'Ada' });
  });

  it('issues a client-credentials access token for the application', async () => {
    const token = await clientCredentialsToken(ciam, CLIENT, API);
    const jwks = createRemoteJWKSet(new URL(ciam.jwksUri));
    const { payload } = await jwtVerify(token, jwks, { issuer: ciam.issuer, audience: API });
    expect(payload.client_id).toBe(CLIENT.clientId);
  });
});
