// Test-only calls to the development CIAM: a client-credentials token for an application principal, and
// RP-initiated logout of a browser session (which makes the CIAM call every back-channel logout URI).
import { type DevCiam, LOYALTY_SCOPE } from '../../local/dev-ciam.js';
import { cookieHeader, storeCookies } from '../../local/dev-ciam-client.js';

/** Gets a client-credentials JWT access token (an application principal; `sub` = client id). */
export async function clientCredentialsToken(
  ciam: Pick<DevCiam, 'issuer'>,
  client: { clientId: string; clientSecret: string },
  resource: string,
): Promise<string> {
  const response = await fetch(`${ciam.issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope: LOYALTY_SCOPE }),
  });
  const tokens = (await response.json()) as Record<string, unknown>;
  if (!response.ok || typeof tokens.access_token !== 'string') {
    throw new Error(`client credentials failed: ${response.status} ${JSON.stringify(tokens)}`);
  }
  return tokens.access_token;
}

/**
 * RP-initiated logout at the CIAM for the browser session in `cookies`; the CIAM then calls every
 * client's back-channel logout URI. Resolves once the CIAM has answered.
 */
export async function logoutAtCiam(
  ciam: Pick<DevCiam, 'issuer'>,
  cookies: Map<string, string>,
  idToken: string,
): Promise<void> {
  const start = await fetch(`${ciam.issuer}/session/end?${new URLSearchParams({ id_token_hint: idToken })}`, {
    headers: { cookie: cookieHeader(cookies) },
  });
  storeCookies(cookies, start);
  const html = await start.text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (!xsrf) throw new Error(`logout page without xsrf (status ${start.status})`);
  const confirm = await fetch(`${ciam.issuer}/session/end/confirm`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: cookieHeader(cookies), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }),
  });
  storeCookies(cookies, confirm);
  await confirm.arrayBuffer();
  if (confirm.status >= 400) throw new Error(`logout confirm failed: ${confirm.status}`);
}
