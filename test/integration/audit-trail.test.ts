import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as createBackchannelHandler } from '../../functions/backchannel-logout/handler.js';
import { createHandler as createLogoutHandler } from '../../functions/logout/handler.js';
import { type DevCiam, startDevCiam } from '../../local/dev-ciam.js';
import { loginWithCode } from '../../local/dev-ciam-client.js';
import { logoutAtCiam } from '../support/dev-ciam-session.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { AuditEventTypes } from '../../shared/audit/audit-event.js';
import { hashSubject, maskEmail, maskMobile } from '../../shared/audit/redaction.js';
import { TEST_SUBJECT_KEY, testSubjectHasher } from '../support/subject-key.js';
import { AuditLineSchema } from '../../shared/audit/audit-line-schema.js';
import { AUDIT_MESSAGE, createAuditLogger, StructuredAuditLog } from '../../shared/audit/structured-audit-log.js';
import { JwksCache, verifyLogoutToken } from '../../shared/auth/verify-logout-token.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { createAuthenticatedApiHandler } from '../../shared/http/api-handler.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createLogger } from '../../shared/observability/logger.js';
import { METRICS_NAMESPACE, PowertoolsGatewayMetrics } from '../../shared/observability/metrics.js';
import { DynamoRevocationStore } from '../../shared/adapters/dynamo-revocation-store.js';
import { createRevocationGuard } from '../../shared/revocation/revocation-guard.js';
import { authorizedEvent, lambdaContext, proxyEvent } from '../support/events.js';
import { logoutTestBrand } from '../unit/revocation/brand-fixture.js';

const API = 'https://api.demo.loyalty.test';
const SUB = 'cust-7f3a9c';
const EMAIL = 'grace.hopper@example.com';
const MOBILE = '+447700900123';
const CLIENT = { clientId: 'demo-app', clientSecret: 'audit-client-secret-value', redirectUri: 'http://127.0.0.1/cb' };

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

describe('audit trail of a full flow', () => {
  let dynamo: LocalDynamo;
  let ciam: DevCiam;
  let bridge: Server;
  const logoutTokens: string[] = [];
  let forward: (body: string, contentType: string) => Promise<number> = async () => 503;

  beforeAll(async () => {
    dynamo = await startLocalDynamo();
    bridge = createServer(async (req, res) => {
      const body = await readBody(req);
      logoutTokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(await forward(body, req.headers['content-type'] ?? '')).end();
    });
    await new Promise<void>((resolve) => bridge.listen(0, '127.0.0.1', () => resolve()));
    const { port } = bridge.address() as AddressInfo;
    ciam = await startDevCiam({
      accounts: { [SUB]: { given_name: 'Grace', email: EMAIL, email_verified: true, phone_number: MOBILE } },
      clients: [
        { ...CLIENT, redirectUris: [CLIENT.redirectUri], backchannelLogoutUri: `http://127.0.0.1:${port}/bcl/demo` },
      ],
      apiResource: API,
      allowLoopbackBackchannel: true,
    });
  });
  afterAll(async () => {
    await ciam.close();
    await new Promise<void>((resolve) => {
      bridge.closeAllConnections();
      bridge.close(() => resolve());
    });
    await dynamo.close();
  });

  it('writes schema-valid audit lines and EMF metrics with no token, secret, e-mail, mobile or raw sub', async () => {
    // Arrange: the real handlers, the real audit writer and metrics, stdout captured
    const names = localTableNames('audit-trail');
    await createGatewayTables(dynamo.client, names);
    const store = new DynamoRevocationStore({
      documentClient: DynamoDBDocumentClient.from(dynamo.client),
      tableName: names.revocations,
    });
    const brand = logoutTestBrand({
      issuer: ciam.issuer,
      jwksUri: ciam.jwksUri,
      userInfoEndpoint: ciam.userInfoEndpoint,
    });
    const brands = new InMemoryBrandDirectory([brand]);
    const metrics = new PowertoolsGatewayMetrics(
      new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'audit-test' }),
    );
    const audit = new StructuredAuditLog({ logger: createAuditLogger('audit-test'), metrics });
    const logger = createLogger('audit-test');
    const jwks = new JwksCache(ciam.jwksUri, { fetch, now: Date.now });
    const backchannel = createBackchannelHandler({
      store,
      brands,
      audit,
      now: Date.now,
      logger,
      subjectHasher: testSubjectHasher,
      verify: (token, b) => verifyLogoutToken(token, b, { jwks, now: Date.now }),
    });
    forward = async (body, contentType) =>
      (
        await backchannel(
          proxyEvent({
            httpMethod: 'POST',
            pathParameters: { brandId: 'demo' },
            headers: { 'content-type': contentType },
            body,
          }),
          lambdaContext,
        )
      ).statusCode;
    const logout = createLogoutHandler({ store, brands, audit, now: Date.now, logger });
    const subjectHash = hashSubject(TEST_SUBJECT_KEY, 'demo', SUB);
    const me = createAuthenticatedApiHandler(
      {
        logger,
        guards: [
          createRevocationGuard(store, {
            onRevoked: (auth, reason) =>
              audit.record({ type: 'authz.decision', outcome: 'deny', reason, brandId: auth.brandId, subjectHash }),
          }),
        ],
      },
      async () => jsonResponse(200, {}),
    );
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });

    let tokens: Awaited<ReturnType<typeof loginWithCode>>;
    try {
      // Act: login, allow, link, sync, identifier change, INSTORE, brand change, app logout, deny, CIAM logout
      tokens = await loginWithCode(ciam, CLIENT, SUB);
      const claims = JSON.parse(Buffer.from(tokens.accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
      const auth = {
        brandId: 'demo',
        orgId: 100,
        iss: brand.issuer,
        sub: SUB,
        principalType: 'user' as const,
        sid: '',
        jti: String(claims.jti),
        iat: Number(claims.iat),
        exp: Number(claims.exp),
        clockSkew: brand.clockSkewSeconds,
        tokenHash: 'ab12cd34ef56ab78',
        subjectHash,
      };
      audit.record({
        type: 'authz.decision',
        outcome: 'allow',
        reason: 'ALLOW',
        brandId: 'demo',
        subjectHash,
        details: { principalType: 'user' },
      });
      audit.record({
        type: 'session.link',
        outcome: 'success',
        reason: 'CREATED',
        brandId: 'demo',
        subjectHash,
        details: { customerId: 412345678, changedFields: ['firstName'], identifierChangePending: false },
      });
      audit.record({
        type: 'profile.sync',
        outcome: 'success',
        reason: 'UPDATED',
        brandId: 'demo',
        subjectHash,
        details: { customerId: 412345678, changedFields: ['lastName'] },
      });
      audit.record({
        type: 'identifier.change',
        outcome: 'success',
        reason: 'CHANGED',
        brandId: 'demo',
        subjectHash,
        details: { customerId: 412345678, added: [`email:${maskEmail(EMAIL)}`, `mobile:${maskMobile(MOBILE)}`] },
      });
      audit.record({
        type: 'instore.registration',
        outcome: 'success',
        reason: 'REGISTERED',
        brandId: 'demo',
        subjectHash,
        details: { customerId: 412345678, fields: ['gender'] },
      });
      audit.record({
        type: 'brand.change',
        outcome: 'success',
        reason: 'UPDATED',
        brandId: 'demo',
        details: { actor: 'arn-role-admin', version: 2, changedFields: ['clockSkewSeconds'] },
      });
      audit.record({
        type: 'member.write',
        outcome: 'success',
        reason: 'REWARD_ISSUED',
        brandId: 'demo',
        subjectHash,
        details: { rewardId: 5001, pointsSpent: 150 },
      });
      audit.record({
        type: 'member.refusal',
        outcome: 'deny',
        reason: 'STEP_UP_REQUIRED',
        brandId: 'demo',
        subjectHash,
        details: { route: 'rewardIssue' },
      });
      // A careless caller: the safety net must catch these.
      audit.record({
        type: 'session.link',
        outcome: 'failure',
        reason: 'UPSTREAM_ERROR',
        brandId: 'demo',
        subjectHash,
        details: { email: EMAIL, mobile: MOBILE, note: tokens.accessToken },
      });
      expect((await me(authorizedEvent(auth), lambdaContext)).statusCode).toBe(200);
      expect((await logout(authorizedEvent(auth, { httpMethod: 'POST', body: null }), lambdaContext)).statusCode).toBe(
        204,
      );
      expect((await me(authorizedEvent(auth), lambdaContext)).statusCode).toBe(401);
      await logoutAtCiam(ciam, tokens.cookies, tokens.idToken);
    } finally {
      spy.mockRestore();
    }

    // Assert: every line is JSON; audit lines match the schema and cover every event type
    const records = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line));
    const auditLines = records.filter((record) => record.audit === true);
    for (const line of auditLines) {
      expect(line.message).toBe(AUDIT_MESSAGE);
      expect(line.level).toBe('INFO');
      expect(typeof line.timestamp).toBe('string');
      AuditLineSchema.parse(line);
    }
    expect(new Set(auditLines.map((line) => line.auditType))).toEqual(new Set(AuditEventTypes));
    expect(auditLines.filter((line) => line.auditType === 'logout').map((line) => line.reason)).toEqual([
      'APP_TOKEN',
      'BACKCHANNEL',
    ]);
    expect(auditLines.find((line) => line.auditType === 'authz.decision' && line.outcome === 'deny')?.reason).toBe(
      'TOKEN_REVOKED',
    );
    expect(auditLines.find((line) => line.redactedFields)?.redactedFields).toEqual(['email', 'mobile', 'note']);
    const emf = records.filter((record) => record._aws !== undefined);
    expect(new Set(emf.map((record) => record._aws.CloudWatchMetrics[0].Metrics[0].Name))).toEqual(
      new Set([
        'AuthzDecision',
        'SessionLink',
        'ProfileSync',
        'IdentifierChange',
        'InstoreRegistration',
        'BrandChange',
        'Logout',
        'MemberWrite',
        'MemberRefusal',
        'AuditRedaction',
      ]),
    );
    // Nothing sensitive anywhere in the captured output, audit or not.
    const output = lines.join('');
    expect(logoutTokens).toHaveLength(1);
    for (const secret of [
      tokens.accessToken,
      tokens.idToken,
      logoutTokens[0] ?? 'x',
      CLIENT.clientSecret,
      EMAIL,
      MOBILE,
      MOBILE.slice(1),
      SUB,
    ]) {
      expect(output).not.toContain(secret);
    }
    expect(output).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });
});
