import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/health/handler.js';
import { createLogger } from '../../shared/observability/logger.js';

const context = { awsRequestId: 'req-1' } as Context;

function event(body: string | null): APIGatewayProxyEvent {
  return {
    body,
    headers: {},
    multiValueHeaders: {},
    httpMethod: 'GET',
    isBase64Encoded: false,
    path: '/health',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    resource: '/health',
    requestContext: { requestId: 'req-1' } as APIGatewayProxyEvent['requestContext'],
  };
}

describe('health handler', () => {
  it('answers 200 with the stage', async () => {
    const handler = createHandler({ logger: createLogger('test'), stage: 'dev', version: '1' });
    const result = await handler(event(null), context);
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ status: 'ok', stage: 'dev', version: '1' });
  });

  it('refuses a malformed body with a 400 and a stable code instead of a crash', async () => {
    const handler = createHandler({ logger: createLogger('test'), stage: 'dev', version: '1' });
    const result = await handler(event('{"__proto__": {"x": 1}}'), context);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body).error.code).toBe('INVALID_JSON');
  });
});
