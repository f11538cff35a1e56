import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/backchannel-logout/handler.js';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { logoutAtCiam } from '../support/dev-ciam-session.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { hashSubject } from '../../shared/audit/redaction.js';
import { TEST_SUBJECT_KEY, testSubjectHasher } from '../support/subject-key.js';
import { BACKCHANNEL_LOGOUT_EVENT, JwksCache, verifyLogoutToken } from '../../shared/auth/verify-logout-token.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createLogger } from '../../shared/observability/logger.js';
import { DynamoRevocationStore } from '../../shared/adapters/dynamo-revocation-store.js';
import { lambdaContext, proxyEvent } from '../support/events.js';
import { logoutTestBrand } from '../unit/revocation/brand-fixture.js';

const API = 'https://api.demo.loyalty.test';

function decodePayload(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function formEvent(brandId: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  return proxyEvent({
    httpMethod: 'POST',
    path: `/v1/auth/backchannel-logout/${brandId}`,
    resource: '/v1/auth/backchannel-logout/{brandId}',
    pathParameters: { brandId },
    headers: { 'Content-Type': contentType },
    body,
  });
}

describe('back-channel logout', () => {
  let dynamo: LocalDynamo;
  let documentClient: DynamoDBDocumentClient;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    documentClient = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo.close());

  async function receiver(brands: BrandConfig[], jwks: (brand: BrandConfig) => JwksCache) {
    const names = localTableNames(`bcl-${++tables}`);
    await createGatewayTables(dynamo.client, names);
    const store = new DynamoRevocationStore({ documentClient, tableName: names.revocations });
    const audit = new InMemoryAuditLog();
    const handler = createHandler({
      store,
      audit,
      brands: new InMemoryBrandDirectory(brands),
      now: Date.now,
      verify: (token, brand) => verifyLogoutToken(token, brand, { jwks: jwks(brand), now: Date.now }),
      logger: createLogger('backchannel-test'),
      subjectHasher: testSubjectHasher,
    });
    const items = async () =>
      (await documentClient.send(new ScanCommand({ TableName: names.revocations }))).Items ?? [];
    return { store, audit, handler, items };
  }

  describe('from the development CIAM', () => {
    let ciam: DevCiam;
    let bridge: Server;
    let forward: (event: APIGatewayProxyEvent) => Promise<{ statusCode: number; body: string }> = async () => ({
      statusCode: 503,
      body: '',
    });
    const errors: unknown[] = [];
    const CLIENT = { clientId: 'demo-app', clientSecret: 'demo-secret', redirectUri: 'http://127.0.0.1/cb' };

    beforeAll(async () => {
      // A stand-in for API Gateway: forwards the CIAM's form POST to the handler as a proxy event.
      bridge = createServer(async (req, res) => {
        const brandId = /^\/v1\/auth\/backchannel-logout\/([^/?]+)/.exec(req.url ?? '')?.[1] ?? '';
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[name] = value;
        const event = { ...formEvent(brandId, await readBody(req)), headers, httpMethod: req.method ?? 'GET' };
        const result = await forward(event);
        res.writeHead(result.statusCode, { 'cache-control': 'no-store' }).end(result.body);
      });
      const bridgeUrl = await listen(bridge);
      ciam = await startDevCiam({
        accounts: { 'user-1': { given_name: 'Ada', email: 'ada@example.com', email_verified: true } },
        clients: [
          {
            clientId: CLIENT.clientId,
            clientSecret: CLIENT.clientSecret,
            redirectUris: [CLIENT.redirectUri],
            backchannelLogoutUri: `${bridgeUrl}/v1/auth/backchannel-logout/demo`,
          },
        ],
        apiResource: API,
        allowLoopbackBackchannel: true,
      });
      ciam.provider.on('backchannel.error', (_ctx, error) => errors.push(error));
    });
    afterAll(async () => {
      await ciam.close();
      await close(bridge);
    });

    it('revokes the session and the user tokens issued before it when the user logs out at the CIAM', async () => {
      // Arrange
      const brand = logoutTestBrand({
        issuer: ciam.issuer,
        jwksUri: ciam.jwksUri,
        userInfoEndpoint: ciam.userInfoEndpoint,
      });
      const cache = new JwksCache(ciam.jwksUri, { fetch, now: Date.now });
      const { store, audit, handler } = await receiver([brand], () => cache);
      forward = (event) => handler(event, lambdaContext);
      const tokens = await loginWithCode(ciam, CLIENT, 'user-1');
      const access = decodePayload(tokens.accessToken);
      const id = decodePayload(tokens.idToken);
      const accessQuery = {
        brandId: 'demo',
        sub: String(access.sub),
        sid: typeof access.sid === 'string' ? access.sid : '',
        jti: String(access.jti),
        iat: Number(access.iat),
      };
      expect(await store.check(accessQuery)).toBeUndefined();
      // Act
      await logoutAtCiam(ciam, tokens.cookies, tokens.idToken);
      // Assert
      expect(errors).toEqual([]);
      expect(await store.check(accessQuery)).toBe('USER_REVOKED');
      expect(await store.check({ ...accessQuery, sid: String(id.sid), jti: '' })).toBe('SESSION_REVOKED');
      expect(audit.events).toEqual([
        {
          type: 'logout',
          outcome: 'success',
          reason: 'BACKCHANNEL',
          brandId: 'demo',
          subjectHash: hashSubject(TEST_SUBJECT_KEY, 'demo', 'user-1'),
          details: { channel: 'backchannel', sessionRevoked: true, userRevoked: true },
        },
      ]);
    });
  });

  describe('with logout tokens signed by the test', () => {
    const CLIENT_ID = 'rp-client';
    let jwksServer: Server;
    let issuer: string;
    let brand: BrandConfig;
    let disabled: BrandConfig;
    let cache: JwksCache;
    let signingKey: CryptoKey;
    let otherKey: CryptoKey;

    beforeAll(async () => {
      const published = await generateKeyPair('ES256', { extractable: true });
      signingKey = published.privateKey;
      otherKey = (await generateKeyPair('ES256')).privateKey;
      const jwk = { ...(await exportJWK(published.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      jwksServer = createServer((req, res) => {
        if (req.url === '/jwks')
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
        else res.writeHead(404).end();
      });
      issuer = await listen(jwksServer);
      brand = logoutTestBrand({
        brandId: 'acme',
        issuer,
        jwksUri: `${issuer}/jwks`,
        userInfoEndpoint: `${issuer}/me`,
        clientId: CLIENT_ID,
        applicationId: CLIENT_ID,
      });
      disabled = { ...brand, brandId: 'sleepy', status: 'disabled' };
      cache = new JwksCache(brand.jwksUri, { fetch, now: Date.now });
    });
    afterAll(() => close(jwksServer));

    const nowSeconds = () => Math.floor(Date.now() / 1000);

    function claims(overrides: Record<string, unknown> = {}): JWTPayload {
      return {
        iss: issuer,
        aud: CLIENT_ID,
        iat: nowSeconds(),
        exp: nowSeconds() + 120,
        jti: randomUUID(),
        sub: `user-${randomUUID()}`,
        sid: `sid-${randomUUID()}`,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        ...overrides,
      };
    }

    async function sign(payload: JWTPayload, options: { key?: CryptoKey; kid?: string; typ?: string } = {}) {
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: options.kid ?? 'k1', typ: options.typ ?? 'logout+jwt' })
        .sign(options.key ?? signingKey);
    }

    const form = (token: string) => new URLSearchParams({ logout_token: token }).toString();

    it('accepts a valid token with 200 and no-store, and revokes its session and user', async () => {
      const { handler, store } = await receiver([brand], () => cache);
      const payload = claims();
      const result = await handler(formEvent('acme', form(await sign(payload))), lambdaContext);
      expect(result).toMatchObject({ statusCode: 200, headers: { 'cache-control': 'no-store' }, body: '' });
      const asQuery = { brandId: 'acme', sub: String(payload.sub), sid: '', jti: '', iat: Number(payload.iat) };
      expect(await store.check(asQuery)).toBe('USER_REVOKED');
      expect(await store.check({ ...asQuery, sid: String(payload.sid), iat: Number(payload.iat) + 1 })).toBe(
        'SESSION_REVOKED',
      );
    });

    it('revokes all sessions of the user when the token names no session', async () => {
      const { handler, store } = await receiver([brand], () => cache);
      const { sid: _sid, ...payload } = claims();
      const result = await handler(formEvent('acme', form(await sign(payload))), lambdaContext);
      expect(result.statusCode).toBe(200);
      const asQuery = { brandId: 'acme', sub: String(payload.sub), sid: 'any', jti: 'any', iat: Number(payload.iat) };
      expect(await store.check(asQuery)).toBe('USER_REVOKED');
    });

    it('refuses a replayed token with 400 and leaves the first revocation as it was', async () => {
      const { handler, items, audit } = await receiver([brand], () => cache);
      const token = await sign(claims());
      expect((await handler(formEvent('acme', form(token)), lambdaContext)).statusCode).toBe(200);
      const before = await items();
      const replay = await handler(formEvent('acme', form(token)), lambdaContext);
      expect(replay.statusCode).toBe(400);
      expect(JSON.parse(replay.body)).toEqual({
        error: 'invalid_request',
        error_description: 'logout token already used',
      });
      expect(await items()).toEqual(before);
      expect(audit.events.at(-1)).toMatchObject({ type: 'logout', outcome: 'failure', reason: 'REPLAYED' });
    });

    const refused: [string, () => Promise<string>, string][] = [
      ['forged with another key under the published kid', () => sign(claims(), { key: otherKey }), 'SIGNATURE_INVALID'],
      ['signed under an unknown kid', () => sign(claims(), { key: otherKey, kid: 'k-unknown' }), 'KID_UNKNOWN'],
      ['expired', () => sign(claims({ iat: nowSeconds() - 100, exp: nowSeconds() - 60 })), 'TOKEN_EXPIRED'],
      ['issued too long ago', () => sign(claims({ iat: nowSeconds() - 600, exp: nowSeconds() + 60 })), 'TOKEN_TOO_OLD'],
      ['carrying a nonce', () => sign(claims({ nonce: 'n-1' })), 'NONCE_PRESENT'],
      ['without the events claim', () => sign(claims({ events: undefined })), 'EVENTS_INVALID'],
      ['with another event only', () => sign(claims({ events: { 'urn:other': {} } })), 'EVENTS_INVALID'],
      ['naming neither sub nor sid', () => sign(claims({ sub: undefined, sid: undefined })), 'SUB_OR_SID_MISSING'],
      ['without a jti', () => sign(claims({ jti: undefined })), 'JTI_MISSING'],
      ['for another client', () => sign(claims({ aud: 'someone-else' })), 'AUDIENCE_INVALID'],
      ['from another issuer', () => sign(claims({ iss: `${issuer}/` })), 'ISSUER_UNKNOWN'],
      ['typed as an access token', () => sign(claims(), { typ: 'at+jwt' }), 'TYP_INVALID'],
      [
        'unsigned (alg none)',
        async () => {
          const header = Buffer.from(JSON.stringify({ alg: 'none', kid: 'k1' })).toString('base64url');
          return `${header}.${Buffer.from(JSON.stringify(claims())).toString('base64url')}.`;
        },
        // An empty signature part is refused while parsing, before the header is read.
        'ALG_NONE|TOKEN_MALFORMED',
      ],
    ];

    it.each(refused)('refuses a logout token %s with 400 and revokes nothing', async (_name, make, reason) => {
      // Arrange
      const { handler, items, audit } = await receiver([brand], () => cache);
      // Act
      const result = await handler(formEvent('acme', form(await make())), lambdaContext);
      // Assert
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['cache-control']).toBe('no-store');
      expect(JSON.parse(result.body)).toEqual({ error: 'invalid_request', error_description: 'invalid logout token' });
      expect(await items()).toEqual([]);
      expect(audit.events).toEqual([
        {
          type: 'logout',
          outcome: 'failure',
          reason: expect.stringMatching(new RegExp(`^(${reason})$`)),
          brandId: 'acme',
          details: { channel: 'backchannel' },
        },
      ]);
    });

    const badRequests: [string, () => Promise<ReturnType<typeof formEvent>>, string][] = [
      ['for an unknown brand', async () => formEvent('nobody', form(await sign(claims()))), 'unknown brand'],
      ['for a malformed brand id', async () => formEvent('../acme', form(await sign(claims()))), 'unknown brand'],
      ['for a disabled brand', async () => formEvent('sleepy', form(await sign(claims()))), 'brand is disabled'],
      [
        'sent as JSON',
        async () => formEvent('acme', JSON.stringify({ logout_token: await sign(claims()) }), 'application/json'),
        'body must be application/x-www-form-urlencoded',
      ],
      ['without logout_token', async () => formEvent('acme', 'token=x'), 'exactly one logout_token is required'],
      [
        'with two logout_tokens',
        async () => formEvent('acme', `${form(await sign(claims()))}&${form(await sign(claims()))}`),
        'exactly one logout_token is required',
      ],
      ['over the size cap', async () => formEvent('acme', `logout_token=${'a'.repeat(20_000)}`), 'body too large'],
      ['with GET', async () => ({ ...formEvent('acme', form(await sign(claims()))), httpMethod: 'GET' }), 'use POST'],
    ];

    it.each(badRequests)('answers a request %s with 400 and revokes nothing', async (_name, make, description) => {
      const { handler, items } = await receiver([brand, disabled], () => cache);
      const result = await handler(await make(), lambdaContext);
      expect(result.statusCode).toBe(400);
      expect(result.headers?.['cache-control']).toBe('no-store');
      expect(JSON.parse(result.body)).toEqual({ error: 'invalid_request', error_description: description });
      expect(await items()).toEqual([]);
    });

    it('accepts a base64-encoded form body with a charset parameter', async () => {
      const { handler } = await receiver([brand], () => cache);
      const event = {
        ...formEvent(
          'acme',
          Buffer.from(form(await sign(claims()))).toString('base64'),
          'application/x-www-form-urlencoded; charset=UTF-8',
        ),
        isBase64Encoded: true,
      };
      expect((await handler(event, lambdaContext)).statusCode).toBe(200);
    });

    it('answers 400 and lets the CIAM retry when the revocation cannot be written', async () => {
      // Arrange: the replay marker is written, then the revocation write fails
      const names = localTableNames(`bcl-${++tables}`);
      await createGatewayTables(dynamo.client, names);
      const real = new DynamoRevocationStore({ documentClient, tableName: names.revocations });
      let failWrites = true;
      const store = Object.assign(Object.create(real) as DynamoRevocationStore, {
        revokeSession: async (...args: Parameters<DynamoRevocationStore['revokeSession']>) => {
          if (failWrites) throw new Error('ProvisionedThroughputExceededException');
          return real.revokeSession(...args);
        },
      });
      const handler = createHandler({
        store,
        audit: new InMemoryAuditLog(),
        brands: new InMemoryBrandDirectory([brand]),
        now: Date.now,
        verify: (token, b) => verifyLogoutToken(token, b, { jwks: cache, now: Date.now }),
        logger: createLogger('backchannel-test'),
      });
      const token = await sign(claims());
      // Act
      const first = await handler(formEvent('acme', form(token)), lambdaContext);
      failWrites = false;
      const retry = await handler(formEvent('acme', form(token)), lambdaContext);
      // Assert
      expect(first.statusCode).toBe(400);
      expect(JSON.parse(first.body).error_description).toBe('logout failed');
      expect(retry.statusCode).toBe(200);
    });
  });
});
