import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CapillaryAccountUnknownError,
  CapillaryConflictError,
  CapillaryIdentifierChangeError,
  CapillaryLookupRefusedError,
  CapillaryMergedError,
  CapillaryNotFoundError,
  CapillaryRejectedError,
  CapillaryUnavailableError,
} from '../../../shared/capillary/capillary-errors.js';
import { CapillaryClient } from '../../../shared/capillary/capillary-client.js';
import { InMemorySecretSource } from '../../../shared/config/secret-source.js';
import { ConfigError, ErrorCodes } from '../../../shared/errors.js';
import { client, TOKEN } from '../../support/scripted-capillary.js';

describe('CapillaryClient', () => {
  it('gets an OAuth token once and sends it as X-CAP-API-OAUTH-TOKEN on every call', async () => {
    // Arrange
    const c = client([
      TOKEN,
      { status: 200, body: { entity: 7, warnings: [] } },
      { status: 200, body: { entity: 7, warnings: [] } },
    ]);
    // Act
    const query = { source: 'OAUTH_EXTERNAL', accountId: 'acc', identifierName: 'cuid', identifierValue: 'sub-1' };
    const first = await c.api.lookupCustomerId(query);
    const second = await c.api.lookupCustomerId(query);
    // Assert
    expect([first, second]).toEqual([7, 7]);
    expect(c.requests[0]).toMatchObject({ method: 'POST', body: { key: 'k', secret: 's' } });
    expect(c.requests[0]?.url.pathname).toBe('/v3/oauth/token/generate');
    expect(c.requests[1]?.headers['X-CAP-API-OAUTH-TOKEN']).toBe('tok-1');
    expect(Object.fromEntries(c.requests[1]?.url.searchParams ?? [])).toEqual(query);
    expect(c.remaining()).toBe(0);
  });

  it('renews the token shortly before ttlSeconds runs out', async () => {
    const c = client([
      TOKEN,
      { status: 200, body: { entity: 1, warnings: [] } },
      { status: 200, body: { data: { accessToken: 'tok-2', ttlSeconds: 300 }, errors: null } },
      { status: 200, body: { entity: 1, warnings: [] } },
    ]);
    const query = { source: 'ALL', identifierName: 'email', identifierValue: 'a@b.co' };
    await c.api.lookupCustomerId(query);
    c.advance(300_000 - 60_000); // the last minute of a 5-minute token
    await c.api.lookupCustomerId(query);
    expect(c.requests.map((r) => r.url.pathname)).toEqual([
      '/v3/oauth/token/generate',
      '/v2/customers/lookup',
      '/v3/oauth/token/generate',
      '/v2/customers/lookup',
    ]);
    expect(c.requests[3]?.headers['X-CAP-API-OAUTH-TOKEN']).toBe('tok-2');
  });

  it('shares one token request between concurrent calls', async () => {
    const c = client([TOKEN, ...Array.from({ length: 3 }, () => ({ status: 200, body: { entity: 2, warnings: [] } }))]);
    const query = { source: 'ALL', identifierName: 'mobile', identifierValue: '4477' };
    await Promise.all([c.api.lookupCustomerId(query), c.api.lookupCustomerId(query), c.api.lookupCustomerId(query)]);
    expect(c.requests.filter((r) => r.url.pathname === '/v3/oauth/token/generate')).toHaveLength(1);
  });

  it('fetches a new token once when Capillary answers 401', async () => {
    const c = client([
      TOKEN,
      { status: 401, body: { errors: [{ code: 401, message: 'Authentication failed' }] } },
      { status: 200, body: { data: { accessToken: 'tok-2', ttlSeconds: 300 }, errors: null } },
      { status: 200, body: { entity: 3, warnings: [] } },
    ]);
    expect(await c.api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'x@y.z' })).toBe(3);
    expect(c.sleeps).toEqual([]);
  });

  it('refuses the credentials (502) when a renewed token is refused again, without retrying further', async () => {
    const refused = { status: 401, body: { errors: [{ code: 401, message: 'Authentication failed' }] } };
    const c = client([TOKEN, refused, { ...TOKEN }, refused]);
    const error = await c.api.getCustomer(1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryRejectedError);
    expect(error).toMatchObject({ status: 502, message: expect.stringContaining('credentials refused') });
    expect(c.remaining()).toBe(0);
  });

  it('uses Basic till auth with the md5 of the password', async () => {
    const c = client([{ status: 200, body: { entity: 4, warnings: [] } }], {
      authMode: 'basic',
      secrets: new InMemorySecretSource({ '/cap/demo': JSON.stringify({ tillId: 'till.1', password: 'pw' }) }),
    });
    await c.api.lookupCustomerId({ source: 'INSTORE', identifierName: 'mobile', identifierValue: '4477' });
    const md5 = createHash('md5').update('pw').digest('hex');
    expect(c.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from(`till.1:${md5}`).toString('base64')}`);
  });

  it('decides success from the body: a merge warning and even an HTTP 500 carrying createdId succeed', async () => {
    const c = client([
      TOKEN,
      { status: 200, body: { createdId: 10, warnings: [{ status: false, code: 8050, message: 'merged' }] } },
      { status: 500, body: { createdId: 11, warnings: [] } },
    ]);
    const merged = await c.api.addCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'a@b.co' }] }],
    });
    expect(merged).toMatchObject({ customerId: 10, warnings: [{ code: 8050 }], requestId: 'req-2' });
    expect((await c.api.addCustomer({ profiles: [] })).customerId).toBe(11);
    expect(c.sleeps).toEqual([]);
  });

  it('treats 8015 as not found: undefined from lookups, CapillaryNotFoundError from get', async () => {
    const notFound = {
      status: 200,
      body: { warnings: [], errors: [{ status: false, code: 8015, message: 'not found' }] },
    };
    const c = client([TOKEN, notFound, notFound]);
    expect(
      await c.api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'no@one.co' }),
    ).toBeUndefined();
    const error = await c.api.getCustomer(99).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryNotFoundError);
    expect(error).toMatchObject({ code: ErrorCodes.NOT_FOUND, status: 404, capillary: { codes: [8015] } });
  });

  it.each([8006, 8007, 8008])(
    'maps duplicate code %i to a 409 CapillaryConflictError without retrying',
    async (code) => {
      const c = client([TOKEN, { status: 400, body: { errors: [{ status: false, code, message: 'exists' }] } }]);
      const error = await c.api.addCustomer({ profiles: [] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CapillaryConflictError);
      expect(error).toMatchObject({ code: ErrorCodes.CONFLICT, status: 409 });
      expect(c.sleeps).toEqual([]);
    },
  );

  it('treats an HTTP 500 carrying 8006 as a duplicate: a 409, no retry', async () => {
    const c = client([TOKEN, { status: 500, body: { errors: [{ status: false, code: 8006, message: 'exists' }] } }]);
    const error = await c.api.addCustomer({ profiles: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryConflictError);
    expect(c.requests).toHaveLength(2);
    expect(c.sleeps).toEqual([]);
  });

  it('treats an HTTP 500 carrying 8015 as not found, without retrying', async () => {
    const notFound = { status: 500, body: { warnings: [], errors: [{ status: false, code: 8015, message: 'none' }] } };
    const c = client([TOKEN, notFound, notFound]);
    expect(
      await c.api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'no@one.co' }),
    ).toBeUndefined();
    await expect(c.api.getCustomer(5)).rejects.toBeInstanceOf(CapillaryNotFoundError);
    expect(c.requests).toHaveLength(3);
  });

  it('sends source on every get (ALL unless told otherwise)', async () => {
    const customer = { status: 200, body: { id: 5, profiles: [], warnings: [] } };
    const c = client([TOKEN, customer, customer]);
    await c.api.getCustomer(5);
    await c.api.getCustomer(5, 'INSTORE');
    expect(c.requests.slice(1).map((r) => r.url.search)).toEqual(['?source=ALL', '?source=INSTORE']);
  });

  it('reports a merged-away customer (8069) as CapillaryMergedError and a refused lookup (8013) as its own error', async () => {
    const c = client([
      TOKEN,
      { status: 400, body: { errors: [{ status: false, code: 8069, message: 'merged' }] } },
      { status: 400, body: { errors: [{ status: false, code: 8013, message: 'invalid identifier' }] } },
    ]);
    await expect(c.api.getCustomer(5)).rejects.toBeInstanceOf(CapillaryMergedError);
    await expect(
      c.api.lookupCustomerId({
        source: 'OAUTH_EXTERNAL',
        accountId: 'a',
        identifierName: 'cuid',
        identifierValue: 's',
      }),
    ).rejects.toBeInstanceOf(CapillaryLookupRefusedError);
  });

  it('reports the cuid lookup refused with 8003 (CAPILLARY.md §3) as a refusal too', async () => {
    const c = client([TOKEN, { status: 400, body: { errors: [{ status: false, code: 8003, message: 'refused' }] } }]);
    const query = { source: 'OAUTH_EXTERNAL', accountId: 'a', identifierName: 'cuid', identifierValue: 's' } as const;
    await expect(c.api.lookupCustomerId(query)).rejects.toBeInstanceOf(CapillaryLookupRefusedError);
  });

  it.each([8011, 8127, 8045])('reports %i (an unknown source account) as SOURCE_ACCOUNT_UNKNOWN', async (code) => {
    const c = client([TOKEN, { status: 400, body: { errors: [{ status: false, code, message: 'invalid account' }] } }]);
    const query = { source: 'OAUTH_EXTERNAL', accountId: 'a', identifierName: 'cuid', identifierValue: 's' } as const;
    const error = await c.api.lookupCustomerId(query).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryAccountUnknownError);
    expect(error).toMatchObject({ status: 502, code: ErrorCodes.SOURCE_ACCOUNT_UNKNOWN });
  });

  it.each([
    [8070, ErrorCodes.IDENTIFIER_CHANGE_REFUSED],
    [8071, ErrorCodes.IDENTIFIER_TAKEN],
    [8074, ErrorCodes.IDENTIFIER_IN_MULTIPLE_CUSTOMERS],
    [8075, ErrorCodes.PRIMARY_IDENTIFIER_MISMATCH],
  ])('treats changeIdentifier warning %i beside a createdId as a failure (%s)', async (code, gatewayCode) => {
    const c = client([
      TOKEN,
      { status: 200, body: { createdId: 5, warnings: [{ status: false, code, message: 'no' }] } },
    ]);
    const error = await c.api
      .changeIdentifier(5, 'INSTORE', undefined, { add: [{ type: 'email', value: 'n@x.co' }], remove: [] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryIdentifierChangeError);
    expect(error).toMatchObject({ status: 409, code: gatewayCode });
  });

  it('maps 8090 to INSTORE_PROFILE_REQUIRED', async () => {
    const c = client([TOKEN, { status: 400, body: { errors: [{ status: false, code: 8090, message: 'instore' }] } }]);
    await expect(c.api.addCustomer({ profiles: [] })).rejects.toMatchObject({
      status: 502,
      code: ErrorCodes.INSTORE_PROFILE_REQUIRED,
    });
  });

  it('stops retrying when the invocation deadline nears and answers 503 at once', async () => {
    let left = 5_000;
    // The first backoff uses up the invocation's time: no further attempt starts.
    const c = client([TOKEN, { status: 503, body: {} }, { status: 503, body: {} }, { status: 503, body: {} }], {
      sleep: async () => {
        left = 100;
      },
    });
    const error = await c.api
      .within({ remainingMs: () => left })
      .getCustomer(5)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 503, code: ErrorCodes.UPSTREAM_UNAVAILABLE });
    expect(c.remaining()).toBe(2);
  });

  it('maps other business errors to 502 without retrying', async () => {
    const c = client([
      TOKEN,
      { status: 400, body: { errors: [{ status: false, code: 8014, message: 'invalid mobile' }] } },
    ]);
    const error = await c.api.addCustomer({ profiles: [] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryRejectedError);
    expect(error).toMatchObject({ status: 502, code: ErrorCodes.UPSTREAM_ERROR });
  });

  it('retries 5xx, 429, 521 and timeouts with full-jitter exponential backoff', async () => {
    const c = client(
      [
        TOKEN,
        { status: 502, body: { errors: [{ code: 502, message: 'bad gateway' }] } },
        { status: 429, body: {} },
        { status: 521, body: { errors: [{ code: 521, message: 'retry later' }] } },
        'timeout',
        { status: 200, body: { entity: 5, warnings: [] } },
      ],
      { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 } },
    );
    expect(await c.api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'a@b.co' })).toBe(5);
    // random() = 0.5 of min(1000, 100 * 2^attempt)
    expect(c.sleeps).toEqual([100, 200, 400, 500]);
  });

  it('answers 503 with the Retry-After hint once timeouts or throttling exhaust the retries', async () => {
    const c = client([TOKEN, 'timeout', 'network', { status: 429, body: {}, headers: { 'retry-after': '7' } }]);
    const error = await c.api
      .lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'a@b.co' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CapillaryUnavailableError);
    expect(error).toMatchObject({ status: 503, code: ErrorCodes.UPSTREAM_UNAVAILABLE, retryAfterSeconds: 7 });
  });

  it('answers 502 with a retry hint when 500s exhaust the retries', async () => {
    const c = client([TOKEN, { status: 500 }, { status: 500 }, { status: 500 }]);
    const error = await c.api.getCustomer(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, code: ErrorCodes.UPSTREAM_ERROR, retryAfterSeconds: 2 });
  });

  it('aborts a call that exceeds the per-request timeout', async () => {
    const hanging = (_input: string, init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    const api = new CapillaryClient({
      baseUrl: 'https://eu.api.capillarytech.test',
      authMode: 'basic',
      credentialsParameter: '/cap/demo',
      secrets: new InMemorySecretSource({ '/cap/demo': JSON.stringify({ tillId: 't', password: 'p' }) }),
      timeoutMs: 100,
      fetch: hanging,
      retry: { maxAttempts: 1 },
    });
    await expect(api.getCustomer(1)).rejects.toMatchObject({
      status: 503,
      message: expect.stringContaining('timeout'),
    });
  });

  it('logs the X-Cap-Requestid of every call and never the token', async () => {
    const c = client([TOKEN, { status: 200, body: { entity: 1, warnings: [] } }]);
    await c.api.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: 'a@b.co' });
    expect(c.logs).toContainEqual({
      message: 'capillary call',
      extra: expect.objectContaining({ capRequestId: 'req-2', status: 200 }),
    });
    expect(JSON.stringify(c.logs)).not.toContain('tok-1');
  });

  it('refuses credentials of the wrong shape as a deploy error, and a missing secret as 503', async () => {
    const wrong = client([], { secrets: new InMemorySecretSource({ '/cap/demo': '{"user":"x"}' }) });
    await expect(wrong.api.getCustomer(1)).rejects.toBeInstanceOf(ConfigError);
    const missing = client([], { secrets: new InMemorySecretSource({}) });
    await expect(missing.api.getCustomer(1)).rejects.toMatchObject({
      status: 503,
      code: ErrorCodes.CONFIG_UNAVAILABLE,
    });
  });

  it('refuses wrong OAuth credentials with 502 without retrying', async () => {
    const c = client([{ status: 401, body: { data: null, errors: [{ code: 1001, message: 'bad' }] } }]);
    await expect(c.api.getCustomer(1)).rejects.toBeInstanceOf(CapillaryRejectedError);
    expect(c.sleeps).toEqual([]);
  });
});
