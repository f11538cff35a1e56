// The development CIAM's authentication context: acr, amr and auth_time in its JWT access tokens, and step-up on
// request (RFC 9470): acr_values a session does not meet, max_age past, and prompt=login each make the user sign
// in again within the same browser session; the login page asks for the one-time code when mfa is requested.
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevCiam, REDEEM_SCOPE, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';

const API = 'https://api.demo.loyalty.test';
const CLIENT = { clientId: 'demo-app', clientSecret: 'demo-secret', redirectUri: 'http://127.0.0.1/cb' };

/** Starts an authorization request and returns its interaction URL and the cookies to continue it with. */
async function startInteraction(
  extra: Record<string, string>,
  cookie = '',
): Promise<{ interaction: URL; jar: string }> {
  const params = new URLSearchParams({
    client_id: CLIENT.clientId,
    response_type: 'code',
    redirect_uri: CLIENT.redirectUri,
    scope: 'openid',
    code_challenge_method: 'S256',
    code_challenge: 'x'.repeat(43),
    ...extra,
  });
  const start = await fetch(`${issuer}/auth?${params}`, { redirect: 'manual', headers: { cookie } });
  const jar = new Map(cookie ? cookie.split('; ').map((pair) => pair.split('=') as [string, string]) : []);
  for (const setCookie of start.headers.getSetCookie()) {
    const [pair] = setCookie.split(';');
    const [name, value] = (pair ?? '').split('=');
    if (name && value !== undefined) jar.set(name, value);
  }
  return {
    interaction: new URL(start.headers.get('location') ?? '', issuer),
    jar: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}
let issuer = '';

describe('development CIAM step-up', () => {
  let ciam: DevCiam;
  beforeAll(async () => {
    ciam = await startDevCiam({
      accounts: { ada: { given_name: 'Ada', family_name: 'Lovelace' } },
      clients: [{ clientId: CLIENT.clientId, clientSecret: CLIENT.clientSecret, redirectUris: [CLIENT.redirectUri] }],
      apiResource: API,
    });
    issuer = ciam.issuer;
  });
  afterAll(() => ciam.close());

  it('puts acr, amr and auth_time of the sign-in in the access token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const claims = decodeJwt((await loginWithCode(ciam, CLIENT, 'ada')).accessToken);
    expect(claims).toMatchObject({ acr: 'pwd', amr: ['pwd'] });
    expect(claims.auth_time).toBeGreaterThanOrEqual(before - 1);
  });

  it('signs in again with the second factor when acr_values asks for mfa, within the same session', async () => {
    const first = await loginWithCode(ciam, CLIENT, 'ada');
    const stepped = await loginWithCode(ciam, CLIENT, 'ada', undefined, { acrValues: 'mfa', cookies: first.cookies });
    expect(decodeJwt(stepped.accessToken)).toMatchObject({ acr: 'mfa', amr: ['pwd', 'otp'] });
    // The session now meets mfa: asking again needs no new sign-in (same auth_time).
    const again = await loginWithCode(ciam, CLIENT, 'ada', undefined, { acrValues: 'mfa', cookies: first.cookies });
    expect(decodeJwt(again.accessToken).auth_time).toBe(decodeJwt(stepped.accessToken).auth_time);
  });

  it('signs in again once max_age has passed (a fresh auth_time), not without it', async () => {
    const first = await loginWithCode(ciam, CLIENT, 'ada');
    const firstTime = Number(decodeJwt(first.accessToken).auth_time);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const aged = await loginWithCode(ciam, CLIENT, 'ada', undefined, { maxAge: 1, cookies: first.cookies });
    expect(Number(decodeJwt(aged.accessToken).auth_time)).toBeGreaterThan(firstTime);
    const reused = await loginWithCode(ciam, CLIENT, 'ada', undefined, { cookies: first.cookies });
    expect(decodeJwt(reused.accessToken).auth_time).toBe(decodeJwt(aged.accessToken).auth_time);
  });

  it('shows the login page for prompt=login even with a hint (the hinted user chosen), and signs in again', async () => {
    const first = await loginWithCode(ciam, CLIENT, 'ada');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const cookie = [...first.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const { interaction, jar } = await startInteraction({ prompt: 'login', login_hint: 'ada' }, cookie);
    const page = await (await fetch(interaction, { headers: { cookie: jar } })).text();
    expect(page).toContain('<option value="ada" selected>');
    expect(page).not.toContain('id="otp"');
    const done = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'ada', password: 'x' }),
      redirect: 'manual',
    });
    expect(done.status).toBe(303);
  });

  it('grants rewards:redeem only when the client asks for it', async () => {
    const plain = decodeJwt((await loginWithCode(ciam, CLIENT, 'ada')).accessToken);
    expect(String(plain.scope).split(' ')).not.toContain(REDEEM_SCOPE);
    const redeem = decodeJwt(
      (await loginWithCode(ciam, CLIENT, 'ada', `openid profile loyalty:read ${REDEEM_SCOPE}`)).accessToken,
    );
    expect(String(redeem.scope).split(' ')).toContain(REDEEM_SCOPE);
  });

  it('asks for the one-time code on the login page when mfa is requested, and refuses a login without it', async () => {
    const { interaction, jar: cookie } = await startInteraction({ acr_values: 'mfa' });
    const page = await (await fetch(interaction, { headers: { cookie } })).text();
    expect(page).toContain('id="otp"');
    const refused = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'ada', password: 'x' }),
      redirect: 'manual',
    });
    expect(refused.status).toBe(400);
    const accepted = await fetch(`${interaction.href}/login`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ login: 'ada', password: 'x', otp: '123456' }),
      redirect: 'manual',
    });
    expect(accepted.status).toBe(303);
  });
});
