// Builders of API Gateway proxy events and Lambda contexts for handler tests.
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type AuthorizerContext, toWireContext } from '../../shared/auth/authorizer-context.js';

export function proxyEvent(overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  return {
    body: null,
    headers: {},
    multiValueHeaders: {},
    httpMethod: 'GET',
    isBase64Encoded: false,
    path: '/',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/',
    requestContext: { requestId: 'test-request' } as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

/** A proxy event as API Gateway passes it after the authorizer allowed `auth`. */
export function authorizedEvent(auth: AuthorizerContext, overrides: Partial<APIGatewayProxyEvent> = {}) {
  return proxyEvent({
    ...overrides,
    requestContext: {
      requestId: 'test-request',
      authorizer: { ...toWireContext(auth), principalId: `${auth.brandId}|${auth.sub}` },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });
}

export const lambdaContext = { awsRequestId: 'test-aws-request', functionName: 'test' } as Context;

export function sampleAuth(overrides: Partial<AuthorizerContext> = {}): AuthorizerContext {
  return {
    brandId: 'demo',
    orgId: 100,
    sub: 'user-1',
    principalType: 'user',
    sid: 'sid-1',
    jti: 'jti-1',
    iat: 1_700_000_000,
    exp: 1_700_000_900,
    tokenHash: 'abc123',
    ...overrides,
  };
}
