// The sample events under events/ (for `sam local invoke`): one per function plus the authorizer, each
// naming a real route, shaped exactly like the events the local API Gateway emulator sends, and accepted
// by the real handlers (health answers 200; the authorizer parses its event and refuses the placeholder).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { APIGatewayProxyEvent, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createAuthorizerHandler } from '../../../functions/authorizer/handler.js';
import { createHandler as createHealthHandler } from '../../../functions/health/handler.js';
import { startApiGatewayEmulator } from '../../../local/api-gateway/server.js';
import type { ApiGatewayEmulator } from '../../../local/api-gateway/types.js';
import { InMemoryAuditLog } from '../../../shared/audit/audit-event.js';
import { parseAuthorizerContext } from '../../../shared/auth/authorizer-context.js';
import { stageWildcardResource } from '../../../shared/auth/authorizer-policy.js';
import { InMemoryBrandDirectory } from '../../../shared/config/brand-directory.js';
import { RegistrationBodySchema } from '../../../shared/customer/instore-registration.js';
import { IdTokenBodySchema } from '../../../shared/customer/request-body.js';
import { AppLogoutBodySchema } from '../../../shared/revocation/app-logout.js';
import { createLogger } from '../../../shared/observability/logger.js';
import { NeverRevoked } from '../../../shared/revocation/revocation-checker.js';
import { FunctionNames, Routes } from '../../../shared/routes.js';

const EVENTS = resolve(import.meta.dirname, '../../../events');
const context = { awsRequestId: 'sample-events', functionName: 'test' } as Context;

function readEvent(name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(join(EVENTS, `${name}.json`), 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${name}.json`);
  return parsed as Record<string, unknown>;
}

/** Keys with a value (the authorizer context is absent on routes without an authorizer). */
function keys(value: unknown): string[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value)
    .filter(([key, entry]) => entry !== undefined && key !== 'authorizer')
    .map(([key]) => key)
    .sort();
}

describe('events/ sample events', () => {
  let emulator: ApiGatewayEmulator;
  let live: APIGatewayProxyEvent | undefined;
  let liveAuthorizer: APIGatewayRequestAuthorizerEvent | undefined;

  beforeAll(async () => {
    // The reference shapes: what the emulator really sends for an authorized call.
    emulator = await startApiGatewayEmulator({
      routes: Routes,
      adminKey: 'k',
      authorizerCacheTtlSeconds: 0,
      loadAuthorizer: async () => async (event) => {
        liveAuthorizer = event;
        return {
          principalId: 'demo|alice',
          policyDocument: { Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: '*' }] },
          context: { brandId: 'demo' },
        };
      },
      loadHandler: async () => async (event) => {
        live = event;
        return { statusCode: 204 };
      },
    });
    await fetch(`${emulator.url}/v1/me?x=1`, { headers: { authorization: 'Bearer t' } });
  });

  afterAll(async () => {
    await emulator?.close();
  });

  it.each(FunctionNames.map((name) => [name]))(
    '%s.json is a proxy event of one of its routes, shaped as the emulator sends it',
    (name) => {
      // Arrange
      const event = readEvent(name);

      // Assert
      const route = Routes.find((r) => r.path === event.resource && r.method === event.httpMethod);
      expect(route?.functionName).toBe(name);
      expect(keys(event)).toEqual(keys(live));
      const requestContext = event.requestContext as Record<string, unknown>;
      expect(keys(requestContext)).toEqual(keys(live?.requestContext));
      expect(keys(requestContext.identity)).toEqual(keys(live?.requestContext.identity));
      if (route?.auth === 'ciam') {
        expect(parseAuthorizerContext(requestContext.authorizer)).toMatchObject({ brandId: 'demo' });
        expect(JSON.stringify(event)).toContain('REPLACE_WITH_ACCESS_TOKEN');
      }
    },
  );

  it.each([
    ['session', IdTokenBodySchema],
    ['profile', IdTokenBodySchema],
    ['identifiers', IdTokenBodySchema],
    ['registration', RegistrationBodySchema],
    ['logout', AppLogoutBodySchema],
  ] as const)('%s.json carries a body its handler parses', (name, schema) => {
    // Arrange
    const event = readEvent(name);

    // Assert
    expect(schema.safeParse(JSON.parse(String(event.body))).success).toBe(true);
  });

  it('authorizer.json is a REQUEST authorizer event shaped as the emulator sends it', () => {
    // Arrange
    const event = readEvent('authorizer');

    // Assert
    expect(event.type).toBe('REQUEST');
    expect(stageWildcardResource(event.methodArn)).toBe('arn:aws:execute-api:eu-west-1:123456789012:abc123/dev/*/*');
    expect(keys(event)).toEqual(keys(liveAuthorizer));
  });

  it('health.json gets 200 from the real health handler', async () => {
    // Arrange
    const handler = createHealthHandler({ logger: createLogger('health'), stage: 'dev', version: 'test' });

    // Act
    const result = await handler(readEvent('health') as unknown as APIGatewayProxyEvent, context);

    // Assert
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ status: 'ok', stage: 'dev' });
  });

  it('authorizer.json is parsed by the real authorizer, which refuses the placeholder token as Unauthorized', async () => {
    // Arrange
    const audit = new InMemoryAuditLog();
    const handler = createAuthorizerHandler({
      brandDirectory: new InMemoryBrandDirectory(),
      revocationChecker: NeverRevoked,
      auditLog: audit,
      logger: createLogger('authorizer'),
      now: Date.now,
    });

    // Act
    const outcome = handler(readEvent('authorizer') as unknown as APIGatewayRequestAuthorizerEvent, context);

    // Assert: the token, not the event shape, is what it refuses.
    await expect(outcome).rejects.toThrow(/^Unauthorized$/);
    expect(audit.events[0]).toMatchObject({ type: 'authz.decision', outcome: 'deny' });
    expect(audit.events[0]?.reason).not.toBe('METHOD_ARN_INVALID');
  });
});
