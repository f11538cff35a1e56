// The playground in a real browser: Debian's Chromium (headless, driven by playwright-core, no browser
// download) against the local stack started in-process. Signs in through the development CIAM with code +
// PKCE, sees the linked customer, logs out at the gateway and sees the session refused; then the same for
// the CIAM's RP-initiated logout (which calls the gateway's back-channel logout). Every gateway answer the
// page receives is checked against openapi/openapi.json. Then, at a 390 px phone width, a name change on the
// CIAM's account page reaches Capillary through profile sync, with identifiers grouped by source profile.
// UPDATE_SCREENSHOT=1 rewrites docs/images/playground.png, playground-phone.png and ciam-account.png.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { checkLiveResponse, loadOpenApi } from '../contract/openapi-document.js';
import { LOCAL_BRANDS_SOURCE_ACCOUNT_ID } from '../../local/demo-brand.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
const SCREENSHOT = new URL('../../docs/images/playground.png', import.meta.url);
const PHONE_SCREENSHOT = new URL('../../docs/images/playground-phone.png', import.meta.url);
const ACCOUNT_SCREENSHOT = new URL('../../docs/images/ciam-account.png', import.meta.url);
const doc = loadOpenApi();

describe('the developer playground in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  let origin: string;
  const contractProblems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: run "apt-get install -y chromium" (.ci/run does this in CI)`,
      );
    }
    // Every port free-picked, nothing persisted; the stack builds the playground into a temporary folder.
    stack = await startLocalStack({ port: 0, quiet: true });
    origin = new URL(stack.urls.gateway).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function openPlayground(viewport = { width: 1440, height: 1180 }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    // Every answer of the gateway's API must be one the OpenAPI document describes.
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.origin !== origin || !(url.pathname.startsWith('/v1/') || url.pathname === '/health')) return;
      const text = await response.text().catch(() => '');
      let body: unknown;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        body = text;
      }
      const method = response.request().method();
      contractProblems.push(...checkLiveResponse(doc, method, url.pathname, response.status(), body));
    });
    await page.goto(`${origin}/`);
    return page;
  }

  /** Signs in at the development CIAM's login page (as its first seeded user unless `as`); returns the user's sub. */
  async function signIn(page: Page, as?: string): Promise<string> {
    await page.click('#login-button:not([disabled])');
    await page.waitForSelector('select#login');
    const sub =
      as ?? (await page.$eval('select#login', (select) => (select as HTMLSelectElement).options[0]?.value ?? ''));
    await page.selectOption('select#login', sub);
    await page.click('#sign-in');
    await page.locator('#who-sub').waitFor();
    return sub;
  }

  async function expectRefusedSession(page: Page): Promise<string> {
    await page.click('#btn-session');
    const code = page.locator('#error-code');
    await code.waitFor();
    return (await code.textContent()) ?? '';
  }

  it('signs in, shows the linked customer, logs out and then shows the session refused', async () => {
    // Arrange
    const page = await openPlayground();

    // Act: sign in (code + PKCE); the page then links the session and reads GET /v1/me.
    const sub = await signIn(page);
    await page.locator('#customer-summary').waitFor();

    // Assert: the four panels are filled for this user.
    expect(await page.textContent('#who-sub')).toBe(sub);
    expect(await page.textContent('#claims')).toContain(sub);
    expect(await page.textContent('#session-status')).toMatch(/^(created|linked|updated)$/);
    expect(await page.textContent('#mapped')).toContain('firstName');
    expect(await page.textContent('#authorizer-decision')).toContain('Allow');
    expect(await page.textContent('#authorizer')).toContain('brandId');
    expect(await page.textContent('#customer-summary')).toContain(sub);
    expect(await page.locator('#customer .profile').first().textContent()).toContain('OAUTH_EXTERNAL');
    expect(await page.isHidden('#error')).toBe(true);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.screenshot({ path: fileURLToPath(SCREENSHOT), fullPage: false });
    }

    // Act: log out at the gateway, then try the same tokens again.
    await page.click('#btn-logout');
    await page.locator('#calls li[data-label="Logout (gateway)"][data-status="204"]').waitFor();
    const refused = await expectRefusedSession(page);

    // Assert: the session is refused with a readable error code.
    expect(refused).toBe('TOKEN_REVOKED');
    expect(await page.textContent('#error')).toContain('HTTP 401');
    expect(await page.locator('#calls li[data-label="Session link"]').first().getAttribute('data-status')).toBe('401');
    expect(contractProblems).toEqual([]);
    // The page's OpenAPI link serves the document from the repository.
    expect(await (await page.request.get(`${origin}/openapi.json`)).json()).toEqual(doc);
    await page.close();
  }, 90_000);

  it('runs profile sync, identifier sync and the INSTORE registration form, showing each answer', async () => {
    // Arrange
    const page = await openPlayground();
    await signIn(page);
    await page.locator('#customer-summary').waitFor();
    const answer = async (button: string, label: string) => {
      await page.click(button);
      const call = page.locator(`#calls li[data-label="${label}"]`).first();
      await call.waitFor();
      return call.getAttribute('data-status');
    };

    // Act
    const profile = await answer('#btn-profile-sync', 'Profile sync');
    const identifiers = await answer('#btn-identifiers-sync', 'Identifier sync');
    const registration = await answer('#btn-registration', 'INSTORE registration');
    await page.locator('#customer .profile', { hasText: 'INSTORE' }).waitFor();

    // Assert
    expect([profile, identifiers, registration]).toEqual(['200', '200', '201']);
    expect(await page.isHidden('#error')).toBe(true);
    expect(contractProblems).toEqual([]);
    await page.close();
  }, 90_000);

  it('logs out at the CIAM, whose back-channel call makes the gateway refuse the old tokens', async () => {
    // Arrange
    const page = await openPlayground();
    await signIn(page);
    await page.locator('#customer-summary').waitFor();

    // Act: RP-initiated logout at the CIAM, confirmed on its page; the CIAM calls the back-channel URI.
    await page.click('#btn-ciam-logout');
    await page.waitForURL((url) => url.origin !== origin);
    await page.click('button[name="logout"][value="yes"]');
    await page.waitForURL((url) => url.origin === origin);
    await page.locator('#notice:not([hidden])').waitFor();
    const notice = await page.textContent('#notice');
    const refused = await expectRefusedSession(page);

    // Assert
    expect(notice).toContain('Signed out at the CIAM');
    expect(refused).toBe('TOKEN_REVOKED');
    expect(contractProblems).toEqual([]);
    await page.close();
  }, 90_000);

  it('keeps the calls across the sign-in redirect, marks unverified identifiers, logs out with id_token_hint', async () => {
    // Arrange: carol's e-mail is not verified by the CIAM
    const page = await openPlayground();
    await page.locator('#calls li[data-label="CIAM discovery"]').first().waitFor();

    // Act
    await signIn(page, 'carol');
    await page.locator('#customer-summary').waitFor();
    await page.click('#btn-logout');
    const logout = page.locator('#calls li[data-label="Logout (gateway)"]').first();
    await logout.waitFor();

    // Assert: the calls made before the CIAM's redirect are still listed, in order
    const labels = await page.$$eval('#calls li', (items) => items.map((item) => item.getAttribute('data-label')));
    expect(labels.filter((label) => label === 'Playground config')).toHaveLength(2);
    expect(labels.lastIndexOf('CIAM discovery')).toBeGreaterThan(labels.indexOf('Token exchange (code + PKCE)'));
    expect(await page.textContent('#mapped')).toContain('carol@demo.example (unverified: not sent to Capillary)');
    expect(await page.textContent('#mapped')).not.toContain('(unverified: not sent to Capillary)9');
    expect(await logout.getAttribute('data-status')).toBe('204');
    expect(await logout.textContent()).toContain('"id_token_hint"');
    expect(contractProblems).toEqual([]);
    await page.close();
  }, 90_000);

  it('signs in to any saved brand: another provider, its issuer, client and scopes chosen on the page', async () => {
    // Arrange: the developer's own provider (oauth2-mock-server), saved as a brand through the admin API
    const { OAuth2Server } = await import('oauth2-mock-server');
    const provider = new OAuth2Server();
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    const issuer = provider.issuer.url ?? '';
    provider.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
      if (token.payload.aud === undefined) token.payload.aud = 'https://api.own.test';
    });
    provider.service.on('beforeUserinfo', (response: { body: Record<string, unknown> }) => {
      response.body = {
        sub: 'johndoe',
        given_name: 'John',
        family_name: 'Doe',
        email: 'john@own.test',
        email_verified: true,
      };
    });
    try {
      const brand = {
        brandId: 'own',
        brandName: 'Own provider',
        orgId: 100458,
        issuer,
        applicationId: 'https://api.own.test',
        clientId: 'own-spa',
        jwksUri: `${issuer}/jwks`,
        userInfoEndpoint: `${issuer}/userinfo`,
        fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
        capillary: { baseUrl: stack.urls.capillary, sourceAccountId: LOCAL_BRANDS_SOURCE_ACCOUNT_ID },
        secrets: { capillary: { key: 'demo-capillary-key', secret: 'demo-capillary-local-secret' } },
      };
      const saved = await fetch(`${stack.urls.gateway}/v1/admin/brands/own`, {
        method: 'PUT',
        headers: { 'x-admin-key': stack.adminKey, 'content-type': 'application/json' },
        body: JSON.stringify(brand),
      });
      expect(saved.status, await saved.clone().text()).toBe(201);
      const page = await openPlayground();

      // Act: choose the brand (issuer and client fill in), use it, sign in (the provider answers at once)
      await page.locator('#target-brand option[value="own"]').waitFor({ state: 'attached' });
      await page.selectOption('#target-brand', 'own');
      expect(await page.inputValue('#target-issuer')).toBe(issuer);
      expect(await page.inputValue('#target-client')).toBe('own-spa');
      await page.click('#target-apply');
      await page.locator('#notice:not([hidden])').waitFor();
      await page.click('#login-button:not([disabled])');
      await page.locator('#session-status').waitFor();

      // Assert: the session of the other brand, with its own X-Brand-Id
      expect(await page.textContent('#session-status')).toBe('created');
      expect(await page.textContent('#authorizer')).toContain('own');
      const session = await page.locator('#calls li[data-label="Session link"]').first().textContent();
      expect(session).toContain('"x-brand-id": "own"');
      expect(await page.isHidden('#ciam-account-link')).toBe(true);
      expect(contractProblems).toEqual([]);
      await page.close();
    } finally {
      await provider.stop();
    }
  }, 90_000);

  it('works at a 390 px phone width: account page change, profile sync, identifiers by source, favicon', async () => {
    // Arrange: a phone-sized page, signed in, registered in store (so two source profiles hold the e-mail)
    const page = await openPlayground({ width: 390, height: 844 });
    const sub = await signIn(page);
    await page.locator('#customer-summary').waitFor();
    await page.click('#btn-registration');
    await page.locator('#customer .profile', { hasText: 'INSTORE' }).waitFor();
    const accountUrl = await page.getAttribute('#ciam-account-link', 'href');

    // Act: change the user's given name on the development CIAM's account page, then sync the profile.
    const account = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await account.goto(accountUrl ?? '');
    const form = account.locator(`form#account-${sub}`);
    await form.locator('input[name="given_name"]').fill('Alicia');
    await form.locator('button[type="submit"]').click();
    await account.locator('p.ok[role="status"]').waitFor();
    const accountWidth = await account.evaluate(() => document.documentElement.scrollWidth);
    if (process.env.UPDATE_SCREENSHOT === '1') await account.screenshot({ path: fileURLToPath(ACCOUNT_SCREENSHOT) });
    await account.close();
    await page.click('#btn-profile-sync');
    await page.locator('#calls li[data-label="Profile sync"][data-status="200"]').first().waitFor();
    // The answer shows where the finger is: the bar at the bottom of the screen, no scrolling.
    const bar = await page.locator('#last-result').boundingBox();
    const seen = await page.evaluate(() => ({ height: window.innerHeight, scrolled: window.scrollY }));
    expect(await page.textContent('#last-result')).toContain('200 Profile sync: POST /v1/me/profile/sync');
    expect(bar && bar.y >= 0 && bar.y + bar.height <= seen.height).toBe(true);
    const button = await page.locator('#btn-profile-sync').boundingBox();
    expect(button && button.y + button.height <= seen.height).toBe(true);
    await page.click('#btn-me');
    await page.locator('#customer .profile', { hasText: 'Alicia' }).first().waitFor();

    // Assert
    const sync = await page.locator('#calls li[data-label="Profile sync"]').first().textContent();
    expect(accountUrl).toBe(`${stack.urls.ciam}/account`);
    expect(accountWidth).toBeLessThanOrEqual(390);
    expect(sync).toContain('"status": "updated"');
    const sources = await page.$$eval('#customer .profile', (blocks) =>
      blocks.map((block) => ({
        label: block.getAttribute('data-source') ?? '',
        rows: [...block.querySelectorAll('th')].map((th) => th.textContent ?? ''),
      })),
    );
    const oauth = sources.find((block) => block.label.startsWith('OAUTH_EXTERNAL'));
    const instore = sources.find((block) => block.label.startsWith('INSTORE'));
    expect(oauth?.rows.filter((row) => row === 'email')).toEqual(['email']);
    expect(instore?.rows.filter((row) => row === 'email')).toEqual(['email']);
    // The flat identifier list (each e-mail once per source, unlabelled) is no longer shown.
    expect(await page.textContent('#customer-summary')).not.toContain('identifiers');
    // No empty rows anywhere, and nothing wider than the phone.
    const emptyCells = await page.$$eval('table.kv td', (cells) => cells.filter((td) => td.textContent === '').length);
    expect(emptyCells).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const favicon = await page.request.get(`${origin}/favicon.svg`);
    expect(await page.getAttribute('link[rel="icon"]', 'href')).toBe('favicon.svg');
    expect(favicon.status()).toBe(200);
    expect(favicon.headers()['content-type']).toBe('image/svg+xml');
    expect(contractProblems).toEqual([]);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      await page.locator('#customer').scrollIntoViewIfNeeded();
      await page.screenshot({ path: fileURLToPath(PHONE_SCREENSHOT), fullPage: false });
    }
    await page.close();
  }, 90_000);
});
