// The member API end to end on the local stack, driven as a real app would: openid-client signs a seeded user in
// at the development CIAM (authorization code + PKCE), the app links the session, reads every member route,
// meets the demo brand's requirements on the reward exchange (the rewards:redeem scope, then a step-up to acr mfa
// within 300 s, asked for by the WWW-Authenticate challenge), exchanges points, replays the exchange with the same
// Idempotency-Key and sees the balance drop once. Through the API Gateway emulator, the real authorizer and
// functions, dynalite and the Capillary simulator; under both readings of the simulator's reward requestId.
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDEEM_SCOPE } from '../../local/dev-ciam.js';
import { followRedirects } from '../../local/dev-ciam-client.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';

const BASE_SCOPE = 'openid email phone profile loyalty:read';

describe.each(['replay', 'error'] as const)('the member API on the local stack (requestId repeat: %s)', (repeat) => {
  let stack: LocalStack;
  let gateway: string;
  let config: client.Configuration;
  const cookies = new Map<string, string>();

  beforeAll(async () => {
    stack = await startLocalStack({ quiet: true, playground: false, configCacheTtlSeconds: 0 });
    gateway = stack.urls.gateway;
    stack.capillary.loyalty.configure({ rewardRequestIdRepeat: repeat });
    const app = stack.clients.app;
    config = await client.discovery(new URL(stack.urls.ciam), app.clientId, app.clientSecret, undefined, {
      execute: [client.allowInsecureRequests],
    });
  }, 60_000);
  afterAll(() => stack?.close());

  /** Authorization code + PKCE in one CIAM browser session (its cookies kept, so a step-up signs in again there). */
  async function signIn(scope: string, extra: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: stack.clients.app.redirectUri,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      login_hint: 'alice',
      ...extra,
    });
    const callback = await followRedirects(url.href, stack.clients.app.redirectUri, cookies);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    return tokens.access_token;
  }

  async function call(
    method: string,
    path: string,
    token: string,
    init: { body?: unknown; headers?: Record<string, string> } = {},
  ) {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: each route's JSON answer is read by the assertions.
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  it('signs in, links, reads every route, exchanges points with a step-up, replays, and spends once', async () => {
    // Sign in and link the session: alice is new, the link creates her Capillary customer.
    let token = await signIn(BASE_SCOPE);
    const session = await call('POST', '/v1/auth/session', token, { body: {} });
    expect(session.status).toBe(201);
    const customerId = session.body.customerId as number;

    // Every read route answers about her customer.
    const loyalty = await call('GET', '/v1/me/loyalty', token);
    expect(loyalty.status).toBe(200);
    expect(loyalty.body.customerId).toBe(customerId);
    const balance = () => call('GET', '/v1/me/loyalty', token).then((r) => r.body.programs[0].points.current as number);
    let entries = 0;
    let cursor: string | null = null;
    do {
      const page = await call('GET', `/v1/me/points/history?limit=50${cursor ? `&cursor=${cursor}` : ''}`, token);
      expect(page.status).toBe(200);
      entries += page.body.entries.length;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(entries).toBeGreaterThan(10);
    for (const path of ['/v1/me/transactions', '/v1/me/coupons', '/v1/me/rewards', '/v1/me/rewards/issued']) {
      const answer = await call('GET', path, token);
      expect([path, answer.status, answer.body.customerId]).toEqual([path, 200, customerId]);
    }
    const echo = await call('POST', '/v1/me/neo/echo', token, { body: { data: { hello: 'neo' } } });
    expect(echo.body).toMatchObject({ customerId: String(customerId), body: { data: { hello: 'neo' } } });

    // The documented test control credits her: the card shows it.
    const before = await balance();
    const credited = await fetch(`${stack.urls.capillary}/__sim/customers/${customerId}/loyalty`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ points: 500 }),
    });
    expect(credited.status).toBe(200);
    expect(await balance()).toBeCloseTo(before + 500, 3);

    // The exchange: the demo brand needs the rewards:redeem scope ...
    const key = crypto.randomUUID();
    const exchange = (bearer: string) =>
      call('POST', '/v1/me/rewards/5001/issue', bearer, { body: {}, headers: { 'Idempotency-Key': key } });
    const noScope = await exchange(token);
    expect([noScope.status, noScope.body.error.code]).toEqual([403, 'INSUFFICIENT_SCOPE']);
    expect(noScope.headers.get('www-authenticate')).toContain(`scope="${REDEEM_SCOPE}"`);
    // ... and a recent second-factor sign-in: the challenge says which, the app signs in again with it.
    token = await signIn(`${BASE_SCOPE} ${REDEEM_SCOPE}`);
    const challenge = await exchange(token);
    expect([challenge.status, challenge.body.error.code]).toEqual([401, 'STEP_UP_REQUIRED']);
    const wwwAuthenticate = challenge.headers.get('www-authenticate') ?? '';
    const acrValues = /acr_values="([^"]+)"/.exec(wwwAuthenticate)?.[1];
    const maxAge = /max_age=(\d+)/.exec(wwwAuthenticate)?.[1];
    expect([acrValues, maxAge]).toEqual(['mfa', '300']);
    token = await signIn(`${BASE_SCOPE} ${REDEEM_SCOPE}`, { acr_values: acrValues ?? '', max_age: maxAge ?? '' });

    const issuedBefore = stack.capillary.loyalty.issuesPerformed();
    const pointsBefore = await balance();
    const issued = await exchange(token);
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ customerId, rewardId: 5001, status: 'issued', pointsSpent: 150 });
    expect(issued.body.balance.points).toBeCloseTo(pointsBefore - 150, 3);

    // The same key again (a retry after a lost answer): the first answer, nothing spent.
    const replay = await exchange(token);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(issued.body);
    expect(await balance()).toBeCloseTo(pointsBefore - 150, 3);
    expect(stack.capillary.loyalty.issuesPerformed()).toBe(issuedBefore + 1);
    const got = await call('GET', '/v1/me/rewards/issued', token);
    expect(got.body.rewards.filter((r: { rewardId: number }) => r.rewardId === 5001)).toHaveLength(1);
  });
});
