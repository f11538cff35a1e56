// The OpenAPI document against the local stack's API Gateway emulator: every documented operation is
// routed (never ROUTE_NOT_FOUND / METHOD_NOT_ALLOWED) and answers a documented status with a body that
// validates, and anything undocumented is not routed. `/openapi.json` serves the document itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { checkLiveResponse, listOperations, loadOpenApi } from './openapi-document.js';

const doc = loadOpenApi();

describe('openapi/openapi.json against the local stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, quiet: true, playground: false });
  }, 60_000);
  afterAll(() => stack?.close());

  async function call(method: string, path: string, init: RequestInit = {}) {
    const response = await fetch(`${stack.urls.gateway}${path}`, { method, ...init });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: response.status, body };
  }

  it('routes every documented operation to a documented answer, without credentials', async () => {
    for (const { method, path } of listOperations(doc)) {
      // Arrange
      const concrete = path.replace('{brandId}', stack.brandId);
      const init: RequestInit =
        method === 'GET' || method === 'DELETE'
          ? {}
          : path.includes('backchannel-logout')
            ? { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }
            : { headers: { 'content-type': 'application/json' }, body: '{}' };
      // Act
      const answer = await call(method, concrete, init);
      // Assert
      const where = `${method} ${path} -> ${answer.status} ${JSON.stringify(answer.body)}`;
      expect(JSON.stringify(answer.body), where).not.toMatch(/ROUTE_NOT_FOUND|METHOD_NOT_ALLOWED/);
      expect(checkLiveResponse(doc, method, concrete, answer.status, answer.body), where).toEqual([]);
    }
  });

  it('answers documented statuses for authorized calls of the admin API', async () => {
    const headers = { 'x-admin-key': stack.adminKey };
    const list = await call('GET', '/v1/admin/brands', { headers });
    const brand = await call('GET', `/v1/admin/brands/${stack.brandId}`, { headers });
    expect([list.status, brand.status]).toEqual([200, 200]);
    expect(checkLiveResponse(doc, 'GET', '/v1/admin/brands', list.status, list.body)).toEqual([]);
    expect(checkLiveResponse(doc, 'GET', `/v1/admin/brands/${stack.brandId}`, brand.status, brand.body)).toEqual([]);
  });

  it('does not route what the document does not describe', async () => {
    expect((await call('POST', '/health')).body).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
    expect((await call('GET', '/v1/auth/session')).body).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
    expect((await call('GET', '/v1/unknown')).body).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND' } });
  });

  it('serves the document at /openapi.json', async () => {
    expect(await call('GET', '/openapi.json')).toEqual({ status: 200, body: doc });
  });
});
