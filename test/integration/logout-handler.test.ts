import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/logout/handler.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { CachedRevocationChecker } from '../../shared/revocation/cached-revocation-checker.js';
import { DynamoRevocationStore } from '../../shared/adapters/dynamo-revocation-store.js';
import { createRevocationGuard } from '../../shared/revocation/revocation-guard.js';
import { authorizedEvent, lambdaContext, proxyEvent, sampleAuth } from '../support/events.js';
import { logoutTestBrand } from '../unit/revocation/brand-fixture.js';

const T0 = 1_800_000_000;

describe('POST /v1/auth/logout on DynamoDB (dynalite)', () => {
  let dynamo: LocalDynamo;
  let documentClient: DynamoDBDocumentClient;
  let tables = 0;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    documentClient = DynamoDBDocumentClient.from(dynamo.client);
  });
  afterAll(() => dynamo.close());

  async function setup() {
    const names = localTableNames(`logout-${++tables}`);
    await createGatewayTables(dynamo.client, names);
    const clock = { now: T0 * 1000 };
    const now = () => clock.now;
    const store = new DynamoRevocationStore({ documentClient, tableName: names.revocations, now });
    const audit = new InMemoryAuditLog();
    const logger = createLogger('logout-test');
    const logout = createHandler({
      store,
      audit,
      brands: new InMemoryBrandDirectory([logoutTestBrand()]),
      now,
      logger,
    });
    // A project handler (e.g. GET /v1/me) guarded on every call, as every API function is.
    const me = createAuthenticatedApiHandler({ logger, guards: [createRevocationGuard(store)] }, async () =>
      jsonResponse(200, { ok: true }),
    );
    return { store, audit, logout, me, clock, now };
  }

  const post = (auth: ReturnType<typeof sampleAuth>, body: string | null) =>
    authorizedEvent(auth, { httpMethod: 'POST', path: '/v1/auth/logout', body });

  it('answers 204 and the same token is refused by the project handlers at once', async () => {
    // Arrange
    const { logout, me } = await setup();
    const auth = sampleAuth({ iat: T0 - 10, exp: T0 + 890 });
    expect((await me(authorizedEvent(auth), lambdaContext)).statusCode).toBe(200);
    // Act
    const result = await logout(post(auth, null), lambdaContext);
    // Assert
    expect(result.statusCode).toBe(204);
    expect(result.headers?.['cache-control']).toBe('no-store');
    const after = await me(authorizedEvent(auth), lambdaContext);
    expect(after.statusCode).toBe(401);
    expect(JSON.parse(after.body).error.code).toBe('TOKEN_REVOKED');
  });

  it('is seen by the authorizer cache within its TTL, not before the cached answer ages out', async () => {
    const { logout, store, clock, now } = await setup();
    const auth = sampleAuth({ sid: '', jti: 'jti-cached', iat: T0 - 10, exp: T0 + 890 });
    const authorizerView = new CachedRevocationChecker(store, { ttlSeconds: 5, now });
    const asQuery = { brandId: auth.brandId, sub: auth.sub, sid: auth.sid, jti: auth.jti, iat: auth.iat };
    expect(await authorizerView.check(asQuery)).toBeUndefined();
    expect((await logout(post(auth, '{}'), lambdaContext)).statusCode).toBe(204);
    clock.now += 4_999;
    expect(await authorizerView.check(asQuery)).toBeUndefined();
    clock.now += 1;
    expect(await authorizerView.check(asQuery)).toBe('TOKEN_REVOKED');
  });

  it('is idempotent: logging out twice answers 204 both times', async () => {
    const { logout } = await setup();
    const auth = sampleAuth({ iat: T0 - 10, exp: T0 + 890 });
    expect((await logout(post(auth, null), lambdaContext)).statusCode).toBe(204);
    expect((await logout(post(auth, null), lambdaContext)).statusCode).toBe(204);
  });

  it('with allSessions refuses every other session of the user but not a later login', async () => {
    const { logout, me } = await setup();
    const phone = sampleAuth({ sid: 'sid-phone', jti: 'jti-phone', iat: T0 - 100, exp: T0 + 800 });
    const laptop = sampleAuth({ sid: 'sid-laptop', jti: 'jti-laptop', iat: T0 - 50, exp: T0 + 850 });
    expect((await logout(post(phone, '{"allSessions":true}'), lambdaContext)).statusCode).toBe(204);
    expect((await me(authorizedEvent(laptop), lambdaContext)).statusCode).toBe(401);
    const fresh = sampleAuth({ sid: 'sid-new', jti: 'jti-new', iat: T0 + 1, exp: T0 + 901 });
    expect((await me(authorizedEvent(fresh), lambdaContext)).statusCode).toBe(200);
  });

  it('refuses an unknown body field with 400 naming the field, and revokes nothing', async () => {
    const { logout, me } = await setup();
    const auth = sampleAuth({ iat: T0 - 10, exp: T0 + 890 });
    const result = await logout(post(auth, '{"everywhere":true}'), lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'everywhere', message: 'unknown field' }],
    });
    expect((await me(authorizedEvent(auth), lambdaContext)).statusCode).toBe(200);
  });

  it('refuses a body that is not a JSON object with 400 INVALID_JSON', async () => {
    const { logout } = await setup();
    const result = await logout(post(sampleAuth(), '[true]'), lambdaContext);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.code).toBe('INVALID_JSON');
  });

  it('answers 401 without an authorizer context', async () => {
    const { logout } = await setup();
    const result = await logout(proxyEvent({ httpMethod: 'POST', body: null }), lambdaContext);
    expect(result.statusCode).toBe(401);
  });
});
