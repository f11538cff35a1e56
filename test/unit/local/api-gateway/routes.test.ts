// Route matching alone: `{param}` segments, decoding, trailing slashes, HEAD as GET, and the 405 Allow list.
import { describe, expect, it } from 'vitest';
import { allowedMethods, compileRoute, routeTable } from '../../../../local/api-gateway/routes.js';
import type { RouteDefinition } from '../../../../shared/routes.js';

const route = (method: RouteDefinition['method'], path: string): RouteDefinition => ({
  method,
  path,
  functionName: 'admin',
  auth: 'none',
  summary: '',
});

describe('compileRoute', () => {
  it('matches literal segments exactly, with an optional trailing slash', () => {
    const match = compileRoute('/v1/me');
    expect(match('/v1/me')).toEqual({});
    expect(match('/v1/me/')).toEqual({});
    expect(match('/v1/mex')).toBeUndefined();
    expect(match('/v1/me/x')).toBeUndefined();
    expect(match('/V1/me')).toBeUndefined();
  });

  it('captures one decoded segment per {param} and keeps undecodable ones raw', () => {
    const match = compileRoute('/v1/admin/brands/{brandId}/keys/{kid}');
    expect(match('/v1/admin/brands/acme%20co/keys/k1')).toEqual({ brandId: 'acme co', kid: 'k1' });
    expect(match('/v1/admin/brands/%E0%A4%A/keys/k1')).toEqual({ brandId: '%E0%A4%A', kid: 'k1' });
    expect(match('/v1/admin/brands/a/b/keys/k1')).toBeUndefined();
    expect(match('/v1/admin/brands//keys/k1')).toBeUndefined();
  });

  it('treats regex characters in literal segments literally', () => {
    const match = compileRoute('/a.b/(c)');
    expect(match('/a.b/(c)')).toEqual({});
    expect(match('/axb/(c)')).toBeUndefined();
  });
});

describe('routeTable', () => {
  const lookup = routeTable([
    route('GET', '/v1/admin/brands/{brandId}'),
    route('PUT', '/v1/admin/brands/{brandId}'),
    route('POST', '/v1/auth/session'),
  ]);

  it('finds the route of the method with its parameters, and every route of the path', () => {
    const found = lookup('PUT', '/v1/admin/brands/demo');
    expect(found.hit?.route.method).toBe('PUT');
    expect(found.hit?.params).toEqual({ brandId: 'demo' });
    expect(found.candidates.map((r) => r.method)).toEqual(['GET', 'PUT']);
    expect(found.routeMethod).toBe('PUT');
  });

  it('looks HEAD up as GET', () => {
    const found = lookup('HEAD', '/v1/admin/brands/demo');
    expect(found.routeMethod).toBe('GET');
    expect(found.hit?.route.method).toBe('GET');
  });

  it('has no hit for another method (candidates left for OPTIONS/405) nor for an unknown path', () => {
    const wrongMethod = lookup('DELETE', '/v1/admin/brands/demo');
    expect(wrongMethod.hit).toBeUndefined();
    expect(wrongMethod.candidates).toHaveLength(2);
    const unknown = lookup('GET', '/v1/nothing');
    expect(unknown.hit).toBeUndefined();
    expect(unknown.candidates).toEqual([]);
  });
});

describe('allowedMethods', () => {
  it('lists each method once and adds HEAD where GET is', () => {
    expect(allowedMethods([route('GET', '/x'), route('PUT', '/x'), route('GET', '/x')])).toBe('GET, PUT, HEAD');
    expect(allowedMethods([route('POST', '/x')])).toBe('POST');
  });
});
