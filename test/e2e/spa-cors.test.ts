// A real single-page app on its own origin: oidc-client-ts in Debian's headless Chromium, served from another
// loopback port than the gateway, signs in at the development CIAM (code + PKCE, the SPA client's redirect
// URI added by spaOrigins, as SPA_ORIGINS does for `npm start`), then calls the gateway cross-origin. No
// request interception: the browser itself sends the preflights and enforces CORS on every answer.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SPA_CLIENT_ID } from '../../local/demo-brand.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const LIBRARY = readFileSync('node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js', 'utf8');

/** The SPA: one page that starts the login, handles the callback and calls the gateway. */
function page(config: { authority: string; gateway: string; origin: string }): string {
  return `<!doctype html><meta charset="utf-8"><title>SPA</title><button id="login" onclick="startLogin()">Log in</button><pre id="result"></pre>
<script src="/oidc-client-ts.js"></script>
<script>
const config = ${JSON.stringify(config)};
const manager = new oidc.UserManager({
  authority: config.authority,
  client_id: ${JSON.stringify(DEMO_SPA_CLIENT_ID)},
  redirect_uri: config.origin + '/callback',
  scope: 'openid email phone profile loyalty:read',
  response_type: 'code',
  loadUserInfo: false,
  extraQueryParams: { login_hint: 'alice' },
});
async function call(method, path, token, body) {
  try {
    const headers = { authorization: 'Bearer ' + token };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(config.gateway + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: await response.json() };
  } catch (error) {
    return { status: 'blocked', body: String(error) };
  }
}
window.startLogin = () => manager.signinRedirect();
if (location.pathname === '/callback') {
  manager.signinCallback().then(async (user) => {
    const session = await call('POST', '/v1/auth/session', user.access_token, { idToken: user.id_token });
    const me = await call('GET', '/v1/me', user.access_token);
    const refused = await call('GET', '/v1/me', 'not.a.token');
    document.getElementById('result').textContent = JSON.stringify({ session, me, refused });
  }, (error) => { document.getElementById('result').textContent = JSON.stringify({ error: String(error) }); });
}
</script>`;
}

describe('a browser app on its own origin', () => {
  let spa: Server;
  let spaOrigin: string;
  let stack: LocalStack;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium"`);
    }
    spa = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://spa').pathname;
      if (path === '/oidc-client-ts.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(LIBRARY);
        return;
      }
      const html = page({ authority: stack.urls.ciam, gateway: stack.urls.gateway, origin: spaOrigin });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    });
    await new Promise<void>((resolve) => spa.listen(0, '127.0.0.1', resolve));
    spaOrigin = `http://127.0.0.1:${(spa.address() as AddressInfo).port}`;
    stack = await startLocalStack({ port: 0, quiet: true, playground: false, spaOrigins: [spaOrigin] });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    spa?.closeAllConnections();
    await new Promise<void>((resolve) => (spa ? spa.close(() => resolve()) : resolve()));
  });

  it('logs in with oidc-client-ts at the dev CIAM and calls the gateway with CORS, 401 answers included', async () => {
    expect(new URL(spaOrigin).port).not.toBe(new URL(stack.urls.gateway).port);
    const tab = await browser.newPage();
    await tab.goto(`${spaOrigin}/`);
    await tab.click('#login');
    await tab.waitForURL(`${spaOrigin}/callback**`);
    await tab.waitForFunction(() => (document.getElementById('result')?.textContent ?? '') !== '');
    const result = JSON.parse((await tab.textContent('#result')) ?? '{}');
    expect(result.error).toBeUndefined();
    expect(result.session).toMatchObject({ status: 201, body: { cuid: 'alice', status: 'created' } });
    expect(result.me).toMatchObject({ status: 200, body: { cuid: 'alice' } });
    // The authorizer's 401 is readable by the page: the gateway answer carries CORS for this origin.
    expect(result.refused).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } });
    await tab.close();
  });
});
