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

/** An authorizer context for a token issued a minute ago that expires in 14 minutes (real clock). */
export function sampleAuth(overrides: Partial<AuthorizerContext> = {}): AuthorizerContext {
  const nowSeconds = Math.floor(Date.now() / 1000);
  return {
    brandId: 'demo',
    orgId: 100,
    iss: 'https://ciam.brand-a.test',
    sub: 'user-1',
    principalType: 'user',
    sid: 'sid-1',
    jti: 'jti-1',
    iat: nowSeconds - 60,
    exp: nowSeconds + 840,
    clockSkew: 60,
    tokenHash: 'abc123',
    subjectHash: '0123456789abcdef',
    ...overrides,
  };
}
