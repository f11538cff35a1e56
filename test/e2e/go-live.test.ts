// The go-live tools through the local stack, as an operator runs them (issue 24 items 1-4): `brand doctor` on the
// demo brand with and without a member's token, `brand diagnose` for allowed, refused and revoked tokens, `brand
// prelink` dry run and --apply (interrupted by Capillary, then resumed), `brand init` for a local CIAM and saves
// refused for placeholders or wrong Capillary credentials, and the gateway's 401 with its reason and challenge.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { runCli } from '../support/brand-cli.js';
import { LOCAL_BRANDS_SOURCE_ACCOUNT_ID } from '../../local/demo-brand.js';

let stack: LocalStack;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'go-live-'));
  // Persisted, so dev-clients.json tells the CLI where the simulator is (brand init of a local CIAM reads it).
  stack = await startLocalStack({
    quiet: true,
    playground: false,
    authorizerCacheTtlSeconds: 0,
    dataDir: join(dir, 'data'),
  });
}, 60_000);
afterAll(async () => {
  await stack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) =>
  runCli(
    { LOCAL_ADMIN_KEY: stack.adminKey, CIAM_GATEWAY_URL: stack.urls.gateway, LOCAL_DATA_DIR: join(dir, 'data') },
    ...args,
  );

const tokensOf = (sub: string) => loginWithCode(stack.ciam, stack.clients.app, sub);

describe('brand doctor', () => {
  it('checks the demo brand against the development CIAM and the simulated org, writing nothing', async () => {
    // Arrange
    stack.capillary.calls.length = 0;

    // Act
    const human = await cli('doctor', 'demo');
    const json = await cli('doctor', 'demo', '--json');

    // Assert
    expect(human, human.stderr).toMatchObject({ code: 0 });
    for (const line of [
      'Brand doctor: demo (',
      'CIAM',
      'PASS  Discovery document',
      'PASS  JWKS keys',
      'Capillary org',
      'PASS  Token with the brand credentials',
      'PASS  cuid lookup on OAUTH_EXTERNAL',
      'reading: cuid lookup refused (documented',
      'Not run',
      'Authorizer decision: needs a member access token',
    ]) {
      expect(human.stdout).toContain(line);
    }
    const report = JSON.parse(json.stdout);
    expect(report.counts.fail).toBe(0);
    expect(stack.capillary.calls.filter((call) => call.method !== 'GET' && !call.path.startsWith('/v3/'))).toEqual([]);
  });

  it("traces a member's token: the decision, the claims each mapping reads, and what the first session would do", async () => {
    // Act
    const alice = await cli('doctor', 'demo', '--token', (await tokensOf('alice')).accessToken);
    const bob = await cli('doctor', 'demo', '--token', (await tokensOf('bob')).accessToken, '--json');
    const carol = await cli('doctor', 'demo', '--token', (await tokensOf('carol')).accessToken, '--json');

    // Assert
    expect(alice.stdout).toContain('PASS  Authorizer decision: allowed');
    expect(alice.stdout).toContain('PASS  Mapped claims: read from userinfo');
    expect(alice.stdout).toContain('PASS  First session (dry run): create');
    expect(alice.stdout).toContain('verdict  allowed: ALLOWED');
    const bobSession = JSON.parse(bob.stdout).ciam.find((item: { id: string }) => item.id === 'first-session');
    expect(bobSession.summary).toMatch(/^merge customer 1000: the verified mobile and email belong to member 1000/);
    const carolSession = JSON.parse(carol.stdout).ciam.find((item: { id: string }) => item.id === 'first-session');
    expect(carolSession.summary).toContain('the unverified e-mail is left out');
    // A dry run: nobody was created or linked.
    expect(stack.capillary.customers()).toHaveLength(1);
  });
});

describe('brand diagnose', () => {
  it('explains an allowed token, an ID token sent as a bearer, a malformed one and a revoked one', async () => {
    // Arrange
    const tokens = await tokensOf('dave');

    // Act
    const allowed = await cli('diagnose', '--token', tokens.accessToken);
    const idToken = await cli('diagnose', '--token', tokens.idToken);
    const malformed = await cli('diagnose', '--token', 'not-a-jwt', '--brand', 'demo');
    await fetch(`${stack.urls.gateway}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ allSessions: true }),
    });
    const revoked = await cli('diagnose', '--token', tokens.accessToken, '--json');

    // Assert
    expect(allowed).toMatchObject({ code: 0 });
    expect(allowed.stdout).toContain('verdict  allowed: ALLOWED');
    expect(allowed.stdout).toMatch(/JWKS {5}http:\/\/127\.0\.0\.1:\d+\/jwks: kids /);
    expect(idToken).toMatchObject({ code: 1 });
    expect(idToken.stdout).toContain('verdict  refused: AUDIENCE_INVALID');
    expect(idToken.stdout).toContain('answer   401 UNAUTHORIZED with WWW-Authenticate: Bearer error="invalid_token"');
    expect(malformed.stdout).toContain('verdict  refused: TOKEN_MALFORMED');
    expect(JSON.parse(revoked.stdout)).toMatchObject({ verdict: 'revoked', reason: 'USER_REVOKED' });
  });

  it('the gateway names the same reason locally (x-local-authorizer-reason) and challenges its 401', async () => {
    const tokens = await tokensOf('alice');
    const response = await fetch(`${stack.urls.gateway}/v1/me`, {
      headers: { authorization: `Bearer ${tokens.idToken}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-local-authorizer-reason')).toBe('AUDIENCE_INVALID');
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});

describe('brand prelink', () => {
  it('lists what each first session would do, then links the existing members, resuming after an interruption', async () => {
    // Arrange: a CIAM export (one line invalid), and a member holding e-mail and mobile of another one
    const other = stack.capillary.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'zed@demo.example' }] }],
    });
    const users = [
      { sub: 'pl-new', email: 'new@demo.example', email_verified: true },
      {
        sub: 'pl-bob',
        email: 'bob@demo.example',
        email_verified: true,
        phone_number: '+919800000002',
        phone_number_verified: true,
      },
      { sub: 'pl-unverified', email: 'zed@demo.example', email_verified: false },
      'not json',
      {
        sub: 'pl-split',
        email: 'zed@demo.example',
        email_verified: true,
        phone_number: '+919800000002',
        phone_number_verified: true,
      },
      { sub: 'pl-zed', email: 'zed@demo.example', email_verified: true, given_name: 'Zed' },
    ];
    const file = join(dir, 'users.jsonl');
    writeFileSync(
      file,
      `${users.map((user) => (typeof user === 'string' ? user : JSON.stringify(user))).join('\n')}\n`,
    );
    const before = stack.capillary.customers().length;

    // Act: the dry run
    const dry = await cli('prelink', 'demo', '--users', file, '--batch', '2');

    // Assert: the reviewed list and the counts; nothing written
    expect(dry, dry.stderr).toMatchObject({ code: 0 });
    expect(dry.stdout).toContain('Prelink demo: 6 users (dry run, nothing written)');
    expect(dry.stdout).toContain('line 2  merge  pl-bob customer 1000:');
    // An unverified e-mail is never looked up (issue 21 item 11): that user gets a customer of its own, the member
    // holding the address stays out of it, and nothing in the list tells whether the address is a member's.
    expect(dry.stdout).not.toContain('pl-unverified');
    expect(dry.stdout).toContain('line 4  invalid -: not JSON');
    expect(dry.stdout).toContain('line 5  refuse pl-split IDENTIFIER_TAKEN:');
    expect(dry.stdout).toContain(`line 6  merge  pl-zed customer ${other.id}:`);
    expect(dry.stdout).toContain('Summary: linked 0, link 0, merge 2, create 2, refuse 1, invalid 1, error 0');
    expect(stack.capillary.customers()).toHaveLength(before);

    // Act: --apply, with Capillary failing from the third batch on (an interruption)
    stack.capillary.injectFault({
      kind: 'status',
      status: 503,
      after: 6,
      count: 100,
      match: 'GET /v2/customers/lookup',
    });
    const interrupted = await cli('prelink', 'demo', '--users', file, '--batch', '2', '--apply');
    stack.capillary.clearFaults();
    const state = JSON.parse(readFileSync(`${file}.prelink-apply.json`, 'utf8'));
    const resumed = await cli('prelink', 'demo', '--users', file, '--batch', '2', '--apply', '--json');

    // Assert: stopped with its place kept, then resumed to the end; the members are linked, not duplicated
    expect(interrupted.code).toBe(1);
    expect(interrupted.stderr).toContain('run the same command again to resume');
    expect(state.nextLine).toBeGreaterThan(1);
    expect(resumed, resumed.stderr).toMatchObject({ code: 0 });
    const result = JSON.parse(resumed.stdout);
    expect(result.summary).toMatchObject({ merge: 2, create: 2, refuse: 1, invalid: 1, error: 0 });
    expect(
      result.results
        .filter((item: { applied?: string }) => item.applied === 'linked')
        .map((item: { sub: string }) => item.sub),
    ).toEqual(expect.arrayContaining(['pl-bob', 'pl-zed']));
    expect(stack.capillary.customers()).toHaveLength(before);
    const bob = stack.capillary.customer(1000);
    expect(
      bob?.profiles.some((profile) => profile.identifiers.some((i) => i.type === 'cuid' && i.value === 'pl-bob')),
    ).toBe(true);
    // Linked: a rerun finds them linked.
    const again = await cli('prelink', 'demo', '--users', file, '--json');
    expect(JSON.parse(again.stdout).summary).toMatchObject({ linked: 2 });
  });
});

describe('onboarding a brand of a local CIAM', () => {
  it('brand init points a loopback issuer at the simulator; placeholders and wrong Capillary credentials are refused at save', async () => {
    // Arrange
    const file = join(dir, 'local-brand.json');

    // Act: init with only what the simulator cannot guess
    const init = await cli(
      'init',
      '--issuer',
      stack.urls.ciam,
      '--brand-id',
      'mine',
      '--client-id',
      'mine-app',
      '--application-id',
      'https://api.mine.example',
      '--out',
      file,
    );
    const brand = JSON.parse(readFileSync(file, 'utf8'));
    const validate = await cli('validate', '--file', file);
    writeFileSync(file, JSON.stringify({ ...brand, clientId: 'REPLACE_WITH_CIAM_CLIENT_ID' }));
    const placeholder = await cli('validate', '--file', file);
    writeFileSync(
      file,
      JSON.stringify({ ...brand, secrets: { capillary: { key: 'demo-capillary-key', secret: 'nope' } } }),
    );
    const wrongSecret = await cli('put', '--file', file);

    // Assert
    expect(init, init.stderr).toMatchObject({ code: 0 });
    expect(init.stdout).not.toContain('replace before put');
    expect(brand.capillary).toMatchObject({
      baseUrl: stack.urls.capillary,
      sourceAccountId: LOCAL_BRANDS_SOURCE_ACCOUNT_ID,
    });
    expect(brand.secrets.capillary.key).toBe('demo-capillary-key');
    expect(validate, validate.stderr).toMatchObject({ code: 0 });
    expect(placeholder.code).toBe(1);
    expect(placeholder.stderr).toContain('- clientId: still holds the placeholder REPLACE_WITH_CIAM_CLIENT_ID');
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toContain('error BRAND_VALIDATION_FAILED (HTTP 422)');
    expect(wrongSecret.stderr).toContain('- secrets.capillary: Capillary at http://127.0.0.1:');
  });
});
