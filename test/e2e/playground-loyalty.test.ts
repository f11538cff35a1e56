// The playground's member API panel in a real browser (Debian's Chromium via playwright-core) against the local
// stack: after sign-in the loyalty card, history, transactions, coupons, rewards and issued rewards show the
// member's account; exchanging a reward meets the demo brand's step-up (acr mfa within 300 s), the page signs in
// again at the development CIAM (the one-time code asked for, the same user chosen) and the exchange resumes with
// the same Idempotency-Key: the reward is issued once and the card shows the new balance. At 390 px the panel
// fits the screen. Every gateway answer the page receives is checked against openapi/openapi.json.
// UPDATE_SCREENSHOT=1 rewrites docs/images/playground-loyalty.png.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { checkLiveResponse, loadOpenApi } from '../contract/openapi-document.js';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync', '--no-first-run'];
const SCREENSHOT = new URL('../../docs/images/playground-loyalty.png', import.meta.url);
const doc = loadOpenApi();

describe('the playground member API panel in Chromium', () => {
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
    stack = await startLocalStack({ port: 0, quiet: true });
    origin = new URL(stack.urls.gateway).origin;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function open(viewport: { width: number; height: number }): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.on('response', async (response) => {
      const url = new URL(response.url());
      if (url.origin !== origin || !url.pathname.startsWith('/v1/')) return;
      // A body the browser dropped when the page left for a sign-in cannot be read; the rest is checked.
      const text = await response.text().catch(() => undefined);
      if (text === undefined) return;
      const body = text === '' ? undefined : (JSON.parse(text) as unknown);
      contractProblems.push(
        ...checkLiveResponse(doc, response.request().method(), url.pathname, response.status(), body),
      );
    });
    await page.goto(`${origin}/`);
    return page;
  }

  it('shows the account and exchanges a reward through the step-up, once', async () => {
    const page = await open({ width: 1440, height: 1400 });
    // The exchange's requests, across the sign-in redirect (the page's own call list starts afresh after it).
    const exchanges: { key: string | undefined; status: number }[] = [];
    page.on('response', (response) => {
      if (!response.url().endsWith('/v1/me/rewards/5001/issue')) return;
      exchanges.push({ key: response.request().headers()['idempotency-key'], status: response.status() });
    });
    // Sign in as alice (a new member: the session link creates her customer and the simulator seeds her account).
    await page.click('#login-button:not([disabled])');
    await page.waitForSelector('select#login');
    await page.selectOption('select#login', 'alice');
    await page.click('#sign-in');
    await page.locator('#customer-summary').waitFor();
    const customerId = Number((await page.textContent('#customer-summary'))?.match(/customerId\s*(\d+)/)?.[1]);
    expect(customerId).toBeGreaterThan(0);

    // The account, panel by panel.
    await page.click('#btn-loyalty');
    await page.locator('#loyalty-card .program').first().waitFor();
    expect(await page.textContent('#loyalty-card')).toMatch(/next tier/);
    for (const [button, target] of [
      ['#btn-history', '#loyalty-history li'],
      ['#btn-transactions', '#loyalty-transactions li'],
      ['#btn-coupons', '#loyalty-coupons li[data-status="active"]'],
      ['#btn-rewards', '#loyalty-rewards button.exchange'],
    ] as const) {
      await page.click(button);
      await page.locator(target).first().waitFor();
    }
    const points = () => stack.capillary.loyalty.account(customerId)?.programs[0]?.loyaltyPoints ?? Number.NaN;
    const before = points();
    const issued = stack.capillary.loyalty.issuesPerformed();

    // Exchange: the brand asks for a step-up; the CIAM asks for the one-time code, alice already chosen.
    await page.click('#loyalty-rewards button.exchange[data-reward="5001"]');
    await page.waitForSelector('input#otp');
    expect(await page.$eval('select#login', (select) => (select as HTMLSelectElement).value)).toBe('alice');
    await page.fill('input#otp', '123456');
    await page.click('#sign-in');

    // Back on the page: the exchange resumed with its key and was issued; the card shows the new balance.
    const result = page.locator('#exchange-result[data-status="201"]');
    await result.waitFor();
    expect(await result.textContent()).toContain('Issued (new)');
    expect(stack.capillary.loyalty.issuesPerformed()).toBe(issued + 1);
    expect(points()).toBeCloseTo(before - 150, 3);
    expect(exchanges.map((e) => e.status)).toEqual([401, 201]);
    expect(exchanges[0]?.key).toBeTruthy();
    expect(exchanges[1]?.key).toBe(exchanges[0]?.key);
    await page.locator('#loyalty-issued li').first().waitFor();
    expect(await page.textContent('#loyalty-card')).toMatch(/to go \(CUMULATIVE_PURCHASES\)/);
    if (process.env.UPDATE_SCREENSHOT === '1') {
      for (const button of ['#btn-history', '#btn-transactions', '#btn-coupons']) await page.click(button);
      await page.locator('#loyalty-coupons li').first().waitFor();
      await page.locator('#loyalty').screenshot({ path: fileURLToPath(SCREENSHOT) });
    }
    await page.close();
  });

  it('fits a 390 px phone screen', async () => {
    const page = await open({ width: 390, height: 900 });
    await page.click('#login-button:not([disabled])');
    await page.waitForSelector('select#login');
    await page.selectOption('select#login', 'bob');
    await page.click('#sign-in');
    await page.locator('#customer-summary').waitFor();
    await page.click('#btn-loyalty');
    await page.locator('#loyalty-card .program').first().waitFor();
    await page.click('#btn-rewards');
    await page.locator('#loyalty-rewards li').first().waitFor();
    const widest = await page.$$eval('#loyalty, #loyalty *', (elements) =>
      Math.max(...elements.map((element) => element.getBoundingClientRect().right)),
    );
    expect(widest).toBeLessThanOrEqual(390);
    await page.close();
  });

  it('received only documented answers from the gateway', () => {
    expect(contractProblems).toEqual([]);
  });
});
