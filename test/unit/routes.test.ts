// The router over shared/routes.ts that the admin handler uses: path parameters, 404 and 405.
import { describe, expect, it } from 'vitest';
import { compileRoutePath, createRouter, Routes } from '../../shared/routes.js';

describe('route matching', () => {
  it('decodes path parameters, keeps a malformed escape as sent and allows one trailing slash', () => {
    const match = compileRoutePath('/v1/admin/brands/{brandId}/validate');
    expect(match('/v1/admin/brands/a%2Db/validate')).toEqual({ brandId: 'a-b' });
    expect(match('/v1/admin/brands/%E0%A4%A/validate')).toEqual({ brandId: '%E0%A4%A' });
    expect(match('/v1/admin/brands/a/validate/')).toEqual({ brandId: 'a' });
    expect(match('/v1/admin/brands/a/b/validate')).toBeUndefined();
    expect(compileRoutePath('/v1/a.b')('/v1/aXb')).toBeUndefined();
  });

  it('tells a missing route from a missing method', () => {
    const route = createRouter(Routes.filter((r) => r.functionName === 'admin'));
    expect(route('PUT', '/v1/admin/brands/b1')).toMatchObject({
      kind: 'found',
      route: { method: 'PUT', path: '/v1/admin/brands/{brandId}' },
      params: { brandId: 'b1' },
    });
    expect(route('POST', '/v1/admin/brands/b1')).toEqual({
      kind: 'method-not-allowed',
      allowed: ['GET', 'PUT', 'DELETE'],
    });
    expect(route('GET', '/v1/admin/brands/b1/validate')).toEqual({ kind: 'method-not-allowed', allowed: ['POST'] });
    expect(route('GET', '/v1/admin/other')).toEqual({ kind: 'not-found' });
  });
});
