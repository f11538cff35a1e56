import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/admin/handler.js';
import { Routes } from '../../shared/routes.js';
import {
  type BrandAdminRig,
  brandBody,
  credentialsAccepted,
  goLiveOf,
  silentLogger,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';
import { lambdaContext, proxyEvent } from '../support/events.js';

let rig: BrandAdminRig;
beforeAll(async () => {
  rig = await startBrandAdminRig();
});
afterAll(async () => rig.close());

function rigOptions() {
  return {
    store: rig.store,
    secretWriter: { putSecret: async () => undefined, deleteSecret: async () => undefined },
    capillaryCredentials: credentialsAccepted,
    audit: rig.audit,
    ssmPrefix: '/t',
  };
}

const USER_ARN = 'arn:aws:iam::123456789012:user/brand-admin';

/** An event as API Gateway passes it after IAM auth (resource = route template). */
function iamEvent(
  method: string,
  resource: string,
  path: string,
  body?: unknown,
  extra: Partial<APIGatewayProxyEvent> = {},
) {
  const brandId = /\/brands\/([^/]+)/.exec(path)?.[1];
  return proxyEvent({
    httpMethod: method,
    resource,
    path,
    pathParameters: brandId ? { brandId } : null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: {
      requestId: 'r-1',
      identity: { userArn: USER_ARN, caller: 'AIDAEXAMPLE' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
    ...extra,
  });
}

const iamHandler = () => createHandler({ logger: silentLogger(), admin: () => rig.admin, golive: () => goLiveOf(rig) });
interface ResponseBody {
  brand: { version: number; [key: string]: unknown };
  brands: { brandId: string }[];
  error?: { code: string; details?: unknown[] };
  [key: string]: unknown;
}
const json = (body: string) => JSON.parse(body) as ResponseBody;

describe('admin handler (IAM in AWS)', () => {
  it('creates with 201, updates with 200 and records the IAM principal as actor', async () => {
    // Arrange
    const handler = iamHandler();
    const resource = '/v1/admin/brands/{brandId}';

    // Act
    const created = await handler(
      iamEvent('PUT', resource, '/v1/admin/brands/h1', brandBody(rig.ciam, 'h1')),
      lambdaContext,
    );
    const got = await handler(iamEvent('GET', resource, '/v1/admin/brands/h1'), lambdaContext);
    const updated = await handler(
      iamEvent('PUT', resource, '/v1/admin/brands/h1', { ...json(got.body), status: 'disabled' }),
      lambdaContext,
    );

    // Assert
    expect(created.statusCode).toBe(201);
    expect(json(created.body).brand.version).toBe(1);
    expect(got.statusCode).toBe(200);
    expect(updated.statusCode).toBe(200);
    expect(json(updated.body).brand).toMatchObject({ version: 2, status: 'disabled' });
    expect((await rig.store.get('h1'))?.updatedBy).toBe(USER_ARN);
    expect(rig.audit.events.at(-1)?.details).toMatchObject({ actor: USER_ARN, version: 2 });
  });

  it('lists, validates and deletes through the route table paths', async () => {
    const handler = iamHandler();
    await handler(
      iamEvent('PUT', '/v1/admin/brands/{brandId}', '/v1/admin/brands/h2', brandBody(rig.ciam, 'h2')),
      lambdaContext,
    );
    const list = await handler(iamEvent('GET', '/v1/admin/brands', '/v1/admin/brands'), lambdaContext);
    expect(json(list.body).brands.map((b) => b.brandId)).toContain('h2');
    const validate = await handler(
      iamEvent(
        'POST',
        '/v1/admin/brands/{brandId}/validate',
        '/v1/admin/brands/h3/validate',
        brandBody(rig.ciam, 'h3'),
      ),
      lambdaContext,
    );
    expect(validate.statusCode).toBe(200);
    expect(json(validate.body)).toMatchObject({ valid: true, brandId: 'h3' });
    const del = await handler(
      iamEvent('DELETE', '/v1/admin/brands/{brandId}', '/v1/admin/brands/h2', undefined, {
        queryStringParameters: { version: '1' },
      }),
      lambdaContext,
    );
    expect(del.statusCode).toBe(200);
    expect(json(del.body)).toEqual({ deleted: { brandId: 'h2', version: 1 } });
  });

  it('refuses a request that carries no IAM identity (an admin route deployed without IAM auth)', async () => {
    const event = iamEvent('GET', '/v1/admin/brands', '/v1/admin/brands');
    event.requestContext = { requestId: 'r' } as APIGatewayProxyEvent['requestContext'];
    const result = await iamHandler()(event, lambdaContext);
    expect(result.statusCode).toBe(403);
  });

  it('answers bad requests with stable 4xx codes and no change', async () => {
    // Arrange
    const handler = iamHandler();
    const resource = '/v1/admin/brands/{brandId}';
    const before = await rig.snapshot();

    // Act
    const results = await Promise.all([
      handler(iamEvent('PUT', resource, '/v1/admin/brands/h4', '{not json'), lambdaContext),
      handler(iamEvent('PUT', resource, '/v1/admin/brands/h4', '[1,2]'), lambdaContext),
      handler(iamEvent('PUT', resource, '/v1/admin/brands/h4', brandBody(rig.ciam, 'h5')), lambdaContext),
      handler(iamEvent('PUT', resource, '/v1/admin/brands/h4', { x: 'y'.repeat(40_000) }), lambdaContext),
      handler(iamEvent('GET', resource, '/v1/admin/brands/NOT_AN_ID'), lambdaContext),
      handler(
        iamEvent('DELETE', resource, '/v1/admin/brands/h4', undefined, { queryStringParameters: { version: 'x' } }),
        lambdaContext,
      ),
      handler(iamEvent('POST', resource, '/v1/admin/brands/h4'), lambdaContext),
      handler(iamEvent('GET', '/v1/admin/other', '/v1/admin/other'), lambdaContext),
      handler(iamEvent('PUT', resource, '/v1/admin/brands/h4', '{"__proto__":{"polluted":true}}'), lambdaContext),
    ]);

    // Assert
    expect(results.map((r) => [r.statusCode, json(r.body).error?.code])).toEqual([
      [400, 'INVALID_JSON'],
      [400, 'INVALID_JSON'],
      [400, 'VALIDATION_FAILED'],
      [413, 'BODY_TOO_LARGE'],
      [404, 'BRAND_NOT_FOUND'],
      [400, 'VALIDATION_FAILED'],
      [405, 'METHOD_NOT_ALLOWED'],
      [404, 'ROUTE_NOT_FOUND'],
      [400, 'INVALID_JSON'],
    ]);
    expect(json(results[2]?.body ?? '{}').error?.details).toContainEqual({
      field: 'brandId',
      message: 'must equal the brand id in the path (h4)',
    });
    expect(await rig.snapshot()).toEqual(before);
  });

  it('serves every admin route of shared/routes.ts (none falls through to a 404, 405 or 500)', async () => {
    const handler = iamHandler();
    const admin = Routes.filter((route) => route.functionName === 'admin');
    expect(admin.length).toBeGreaterThan(4);
    for (const route of admin) {
      const path = route.path.replace('{brandId}', 'routes1');
      const answer = await handler(
        iamEvent(route.method, route.path, path, brandBody(rig.ciam, 'routes1')),
        lambdaContext,
      );
      expect(answer.statusCode, `${route.method} ${route.path}`).toBeLessThan(500);
      expect(json(answer.body).error?.code ?? '', `${route.method} ${route.path}`).not.toMatch(
        /ROUTE_NOT_FOUND|METHOD_NOT_ALLOWED/,
      );
    }
  });

  it('never echoes secrets in any response', async () => {
    const handler = iamHandler();
    const put = await handler(
      iamEvent('PUT', '/v1/admin/brands/{brandId}', '/v1/admin/brands/h6', brandBody(rig.ciam, 'h6')),
      lambdaContext,
    );
    const refused = await handler(
      iamEvent('PUT', '/v1/admin/brands/{brandId}', '/v1/admin/brands/h6', brandBody(rig.ciam, 'h6')),
      lambdaContext,
    );
    expect(put.body).not.toContain('cap-secret');
    expect(refused.statusCode).toBe(409);
    expect(refused.body).not.toContain('cap-secret');
  });
});

describe('admin handler outside the local stack', () => {
  it('refuses loopback URLs when the admin does not allow them', async () => {
    const { BrandAdmin } = await import('../../shared/config/brand-admin.js');
    const strict = new BrandAdmin({ ...rigOptions(), allowLoopbackUrls: false });
    await expect(strict.validate('h9', brandBody(rig.ciam, 'h9'))).rejects.toMatchObject({
      status: 400,
      details: expect.arrayContaining([
        { field: 'jwksUri', message: 'loopback URLs are accepted only by the local stack' },
      ]),
    });
  });
});

describe('admin handler (local admin key)', () => {
  const handler = () =>
    createHandler({ logger: silentLogger(), admin: () => rig.admin, golive: () => goLiveOf(rig), adminKey: 'k-123' });
  const localEvent = (key?: string) =>
    proxyEvent({
      httpMethod: 'GET',
      resource: '/v1/admin/brands',
      path: '/v1/admin/brands',
      headers: key === undefined ? {} : { 'X-Admin-Key': key },
    });

  it('accepts the right key (any header case) and refuses a wrong or missing one with 403 FORBIDDEN, as the gateway does', async () => {
    expect((await handler()(localEvent('k-123'), lambdaContext)).statusCode).toBe(200);
    expect((await handler()(localEvent('k-124'), lambdaContext)).statusCode).toBe(403);
    expect((await handler()(localEvent('k-12'), lambdaContext)).statusCode).toBe(403);
    expect((await handler()(localEvent(), lambdaContext)).statusCode).toBe(403);
  });
});
