// Every flow that needs the user's data to change at the CIAM, walked through the local stack as a
// developer would: `npm run ciam -- user set` (runCiamCli, reading LOCAL_DATA_DIR like the real command)
// changes alice at the development CIAM; identifier sync then changes her e-mail in Capillary, and after
// a name change the session link reports `updated`. The account page's form does the same.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runCiamCli } from '../../tools/ciam-cli.js';

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ciam-flows-'));
  stack = await startLocalStack({ quiet: true, dataDir, playground: false, authorizerCacheTtlSeconds: 0 });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function ciam(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCiamCli(args, {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env: { LOCAL_DATA_DIR: dataDir },
    fetch: (url, init) => fetch(url, init),
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function tokenFor(sub: string): Promise<string> {
  return (await loginWithCode(stack.ciam, stack.clients.app, sub)).accessToken;
}

async function post(path: string, token: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.urls.gateway}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function capillaryEmailsOf(sub: string): string[] {
  const customer = stack.capillary
    .customers()
    .find((c) => c.profiles.some((p) => p.identifiers.some((i) => i.type === 'cuid' && i.value === sub)));
  return (customer?.profiles ?? []).flatMap((p) => p.identifiers.filter((i) => i.type === 'email').map((i) => i.value));
}

describe('changing a user at the development CIAM', () => {
  it('identifier sync carries alice’s new e-mail to Capillary', async () => {
    // Arrange: alice is linked with her seeded e-mail
    expect((await post('/v1/auth/session', await tokenFor('alice'))).status).toBe(201);
    expect(capillaryEmailsOf('alice')).toEqual(['alice@demo.example']);

    // Act
    const set = await ciam('user', 'set', 'alice', '--email', 'alice.new@demo.example', '--email-verified', 'true');
    const token = await tokenFor('alice');
    const pending = await post('/v1/auth/session', token);
    const sync = await post('/v1/me/identifiers/sync', token);

    // Assert
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ sub: 'alice', email: 'alice.new@demo.example' });
    expect(pending.body).toMatchObject({ status: 'linked', identifierChangePending: true });
    expect(sync).toMatchObject({ status: 200, body: { status: 'changed' } });
    expect(capillaryEmailsOf('alice')).toEqual(['alice.new@demo.example']);
  });

  it('a name change makes the next session report updated, and the token carries the new name', async () => {
    // Act
    const set = await ciam('user', 'set', 'alice', '--given-name', 'Alicia', '--family-name', 'Martins');
    const login = await loginWithCode(stack.ciam, stack.clients.app, 'alice');
    const session = await post('/v1/auth/session', login.accessToken);
    const idClaims = JSON.parse(Buffer.from(login.idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));

    // Assert
    expect(set.code).toBe(0);
    expect(idClaims).toMatchObject({ given_name: 'Alicia', family_name: 'Martins', name: 'Alicia Martins' });
    expect(session).toMatchObject({ status: 200, body: { status: 'updated', mapped: { firstName: 'Alicia' } } });
  });

  it('the mobile and its verified flag change too; an unverified new mobile is refused by identifier sync', async () => {
    // Act
    const set = await ciam('user', 'set', 'alice', '--mobile', '+919800000099', '--mobile-verified', 'false');
    const sync = await post('/v1/me/identifiers/sync', await tokenFor('alice'));

    // Assert
    expect(set.code).toBe(0);
    expect(JSON.parse(set.stdout)).toMatchObject({ phone_number: '+919800000099', phone_number_verified: false });
    expect(sync).toMatchObject({ status: 403, body: { error: { code: 'UNVERIFIED_IDENTIFIER' } } });
  });

  it('the account page form saves a change that later tokens carry', async () => {
    // Arrange
    const pageHtml = await (await fetch(`${stack.urls.ciam}/account`)).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(pageHtml)?.[1] ?? '';

    // Act
    const saved = await fetch(`${stack.urls.ciam}/account/dave`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        csrf,
        given_name: 'David',
        family_name: 'Lee',
        email: 'dave@demo.example',
        email_verified: 'true',
        phone_number: '+919800000004',
        phone_number_verified: 'true',
      }),
    });
    const forged = await fetch(`${stack.urls.ciam}/account/dave`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrf: 'forged', given_name: 'Mallory' }),
    });
    const login = await loginWithCode(stack.ciam, stack.clients.app, 'dave');
    const idClaims = JSON.parse(Buffer.from(login.idToken.split('.')[1] ?? '', 'base64url').toString('utf8'));

    // Assert
    expect(pageHtml).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    expect(saved.status).toBe(303);
    expect(forged.status).toBe(403);
    expect(idClaims).toMatchObject({ given_name: 'David', phone_number_verified: true });
  });

  it('serves its logout and error pages without fetching anything from the internet', async () => {
    // Act
    const login = await loginWithCode(stack.ciam, stack.clients.app, 'bob');
    const logout = await fetch(
      `${stack.urls.ciam}/session/end?${new URLSearchParams({ id_token_hint: login.idToken })}`,
      { headers: { cookie: [...login.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } },
    );
    const error = await fetch(`${stack.urls.ciam}/auth?client_id=nobody&response_type=code`);
    const pages = [await logout.text(), await error.text()];

    // Assert
    expect(logout.status).toBe(200);
    expect(pages[0]).toContain('name="xsrf"');
    expect(error.status).toBe(400);
    for (const html of pages) expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)|@import|fonts\./);
  });

  it('refuses bad changes with a clear error and exit code', async () => {
    // Act
    const badEmail = await ciam('user', 'set', 'alice', '--email', 'not-an-email');
    const badFlag = await ciam('user', 'set', 'alice', '--email-verified', 'yes');
    const unknown = await ciam('user', 'set', 'mallory', '--given-name', 'M');
    const nothing = await ciam('user', 'set', 'alice');

    // Assert
    expect(badEmail).toMatchObject({ code: 1 });
    expect(badEmail.stderr).toContain('VALIDATION_FAILED');
    expect(badEmail.stderr).toContain('email');
    expect(badFlag).toMatchObject({ code: 2 });
    expect(unknown).toMatchObject({ code: 1 });
    expect(unknown.stderr).toContain('No user mallory');
    expect(nothing).toMatchObject({ code: 2 });
  });

  it('names LOCAL_DATA_DIR when the stack data is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ciam-empty-'));
    try {
      const out: string[] = [];
      const code = await runCiamCli(['user', 'get', 'alice'], {
        stdout: () => undefined,
        stderr: (text) => out.push(text),
        env: { LOCAL_DATA_DIR: empty },
        fetch: (url, init) => fetch(url, init),
      });
      expect(code).toBe(1);
      expect(out.join('\n')).toContain(`LOCAL_DATA_DIR=${empty}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
