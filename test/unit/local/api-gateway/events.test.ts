// Event building alone: headers and query as API Gateway collects them, body encoding, the request context
// and the REQUEST authorizer / proxy integration events built from one request's facts.
import { describe, expect, it } from 'vitest';
import {
  authorizerEvent,
  clfTime,
  encodeBody,
  methodArnFor,
  proxyEvent,
  type RequestFacts,
  requestContext,
} from '../../../../local/api-gateway/events.js';
import { collectHeaders, collectQuery } from '../../../../local/api-gateway/request.js';
import type { RouteDefinition } from '../../../../shared/routes.js';

const ROUTE: RouteDefinition = {
  method: 'GET',
  path: '/v1/admin/brands/{brandId}',
  functionName: 'admin',
  auth: 'ciam',
  summary: '',
};

function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return {
    route: ROUTE,
    method: 'HEAD',
    routeMethod: 'GET',
    path: '/v1/admin/brands/demo',
    pathParameters: { brandId: 'demo' },
    ...collectHeaders(['Host', '127.0.0.1:3000', 'User-Agent', 'ua/1', 'X-Two', 'a', 'X-Two', 'b']),
    query: collectQuery(new URL('http://local/?a=1&a=2&b=3')),
    stage: 'local',
    requestId: 'req-1',
    sourceIp: '127.0.0.9',
    ...overrides,
  };
}

describe('collectHeaders and collectQuery', () => {
  it('keeps the client case, the last value in headers and every value in multiValueHeaders', () => {
    expect(collectHeaders(['X-Two', 'a', 'x-two', 'c', 'X-Two', 'b', 'dangling'])).toEqual({
      headers: { 'X-Two': 'b', 'x-two': 'c' },
      multiValueHeaders: { 'X-Two': ['a', 'b'], 'x-two': ['c'] },
    });
  });

  it('gives both query forms, or null for both without a query', () => {
    expect(collectQuery(new URL('http://local/?a=1&a=2&b=%20'))).toEqual({
      queryStringParameters: { a: '2', b: ' ' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: [' '] },
    });
    expect(collectQuery(new URL('http://local/'))).toEqual({
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
    });
  });
});

describe('encodeBody', () => {
  it('passes text as UTF-8 and sends binary, or invalid UTF-8 in a text type, base64', () => {
    expect(encodeBody(Buffer.alloc(0), 'application/json')).toEqual({ body: null, isBase64Encoded: false });
    expect(encodeBody(Buffer.from('{"é":1}'), 'application/json; charset=utf-8')).toEqual({
      body: '{"é":1}',
      isBase64Encoded: false,
    });
    expect(encodeBody(Buffer.from('x'), 'application/merge-patch+json')).toEqual({ body: 'x', isBase64Encoded: false });
    expect(encodeBody(Buffer.from('x'), undefined)).toEqual({ body: 'x', isBase64Encoded: false });
    expect(encodeBody(Buffer.from([0xff, 0x00]), 'image/png')).toEqual({ body: '/wA=', isBase64Encoded: true });
    expect(encodeBody(Buffer.from([0xc3]), 'text/plain')).toEqual({ body: 'ww==', isBase64Encoded: true });
  });
});

describe('request context', () => {
  it('formats requestTime as CLF in UTC', () => {
    expect(clfTime(new Date(Date.UTC(2015, 3, 9, 2, 4, 5)))).toBe('09/Apr/2015:02:04:05 +0000');
  });

  it('names the stage path, the resource, the host and the caller', () => {
    const time = new Date(Date.UTC(2026, 11, 1, 12, 0, 0));
    const context = requestContext(
      ROUTE,
      'GET',
      '/v1/admin/brands/demo',
      'dev',
      'r',
      '127.0.0.2',
      {
        host: 'h:1',
        'user-agent': 'ua',
      },
      time,
    );
    expect(context).toMatchObject({
      httpMethod: 'GET',
      path: '/dev/v1/admin/brands/demo',
      stage: 'dev',
      requestId: 'r',
      requestTimeEpoch: time.getTime(),
      resourcePath: ROUTE.path,
      domainName: 'h:1',
      identity: { sourceIp: '127.0.0.2', userAgent: 'ua' },
    });
    expect(requestContext(ROUTE, 'GET', '/x', 'dev', 'r', 'ip', {}).domainName).toBe('127.0.0.1');
  });
});

describe('authorizerEvent', () => {
  it('is a REQUEST event for the route method ARN, carrying the method as sent', () => {
    const event = authorizerEvent(facts());
    expect(event.type).toBe('REQUEST');
    expect(event.methodArn).toBe(methodArnFor('local', 'GET', '/v1/admin/brands/demo'));
    expect(event.methodArn).toBe('arn:aws:execute-api:local:000000000000:local/local/GET/v1/admin/brands/demo');
    expect(event).toMatchObject({
      resource: ROUTE.path,
      httpMethod: 'HEAD',
      pathParameters: { brandId: 'demo' },
      headers: { 'X-Two': 'b' },
      multiValueHeaders: { 'X-Two': ['a', 'b'] },
      queryStringParameters: { a: '2', b: '3' },
      stageVariables: null,
    });
    expect(event.requestContext.requestId).toBe('req-1');
  });
});

describe('proxyEvent', () => {
  it('uses the route method, the encoded body and no authorizer without one', () => {
    const event = proxyEvent(facts(), Buffer.from('hi'), undefined);
    expect(event).toMatchObject({
      httpMethod: 'GET',
      body: 'hi',
      isBase64Encoded: false,
      path: '/v1/admin/brands/demo',
    });
    expect(event.requestContext.httpMethod).toBe('HEAD');
    expect(event.requestContext.authorizer).toBeUndefined();
    expect(event.requestContext.identity.sourceIp).toBe('127.0.0.9');
  });

  it('gives null path parameters when the route has none, and the authorizer context when allowed', () => {
    const event = proxyEvent(facts({ pathParameters: {} }), Buffer.alloc(0), { principalId: 'p', brandId: 'demo' });
    expect(event.pathParameters).toBeNull();
    expect(event.body).toBeNull();
    expect(event.requestContext.authorizer).toEqual({ principalId: 'p', brandId: 'demo', integrationLatency: 0 });
  });
});
