// Issue 21 item 6: every way a refresh-token revocation at the CIAM can go, as an outcome (never an error):
// the discovery document names the endpoint (and must be the brand's own), the app authenticates as itself.
import { describe, expect, it } from 'vitest';
import { InMemorySecretSource } from '../../../shared/config/secret-source.js';
import { ProviderTokenRevoker } from '../../../shared/revocation/provider-revocation.js';
import { makeBrand } from '../../support/jwt.js';

const brand = makeBrand();
const withSecrets = makeBrand({ clientSecretsParameter: '/ciam-gateway/test/brands/brand-a/ciam-clients' });
const discovery = { issuer: brand.issuer, revocation_endpoint: `${brand.issuer}/oauth/revoke` };

function revoker(
  answers: { discovery?: () => Response; revoke?: () => Response },
  secrets = new InMemorySecretSource(),
) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    if (url.endsWith('/.well-known/openid-configuration')) {
      return (answers.discovery ?? (() => Response.json(discovery)))();
    }
    return (answers.revoke ?? (() => new Response('', { status: 200 })))();
  };
  return { revoker: new ProviderTokenRevoker({ fetch, secrets }), calls };
}

describe('ProviderTokenRevoker', () => {
  it('posts the token as the public app (client_id) to the discovered endpoint, and reuses the discovery', async () => {
    const { revoker: r, calls } = revoker({});
    expect(await r.revokeRefreshToken(brand, 'brand-a-app', 'rt-1')).toEqual({ revoked: true });
    expect(await r.revokeRefreshToken(brand, 'brand-a-app', 'rt-2')).toEqual({ revoked: true });
    expect(calls.map((c) => c.url)).toEqual([
      'https://ciam.brand-a.test/.well-known/openid-configuration',
      'https://ciam.brand-a.test/oauth/revoke',
      'https://ciam.brand-a.test/oauth/revoke',
    ]);
    const body = new URLSearchParams(String(calls[1]?.init.body));
    expect(Object.fromEntries(body)).toEqual({
      token: 'rt-1',
      token_type_hint: 'refresh_token',
      client_id: 'brand-a-app',
    });
    expect((calls[1]?.init.headers as Record<string, string> | undefined)?.authorization).toBeUndefined();
    expect(calls[1]?.init.redirect).toBe('error');
  });

  it('authenticates a confidential app with Basic (RFC 6749 §2.3.1 encoding) from the SSM parameter', async () => {
    const secrets = new InMemorySecretSource({
      '/ciam-gateway/test/brands/brand-a/ciam-clients': JSON.stringify({ 'brand-a-app': 's3cr:t+' }),
    });
    const { revoker: r, calls } = revoker({}, secrets);
    expect(await r.revokeRefreshToken(withSecrets, 'brand-a-app', 'rt')).toEqual({ revoked: true });
    const headers = calls[1]?.init.headers as Record<string, string>;
    expect(Buffer.from(String(headers.authorization).slice(6), 'base64').toString()).toBe('brand-a-app:s3cr%3At%2B');
    expect(new URLSearchParams(String(calls[1]?.init.body)).has('client_id')).toBe(false);
    // Another app of the brand without a secret in the parameter is public.
    expect(await r.revokeRefreshToken(withSecrets, 'other-app', 'rt')).toEqual({ revoked: true });
  });

  it.each([
    ['no revocation_endpoint', { discovery: () => Response.json({ issuer: brand.issuer }) }, 'NO_REVOCATION_ENDPOINT'],
    [
      'a discovery document of another issuer',
      { discovery: () => Response.json({ ...discovery, issuer: 'https://evil.test' }) },
      'NO_REVOCATION_ENDPOINT',
    ],
    ['no discovery document (404)', { discovery: () => new Response('', { status: 404 }) }, 'NO_REVOCATION_ENDPOINT'],
    ['discovery down (503)', { discovery: () => new Response('', { status: 503 }) }, 'PROVIDER_UNAVAILABLE'],
    ['discovery not JSON', { discovery: () => new Response('<html>') }, 'PROVIDER_UNAVAILABLE'],
    [
      'the app refused (401)',
      { revoke: () => new Response('{"error":"invalid_client"}', { status: 401 }) },
      'CLIENT_AUTH_FAILED',
    ],
    ['an unsupported token type (400)', { revoke: () => new Response('{}', { status: 400 }) }, 'PROVIDER_REFUSED'],
    ['the CIAM failing (500)', { revoke: () => new Response('', { status: 500 }) }, 'PROVIDER_UNAVAILABLE'],
    ['the CIAM throttling (429)', { revoke: () => new Response('', { status: 429 }) }, 'PROVIDER_UNAVAILABLE'],
    [
      'the CIAM unreachable',
      {
        revoke: () => {
          throw new TypeError('fetch failed');
        },
      },
      'PROVIDER_UNAVAILABLE',
    ],
  ])('answers revoked: false for %s', async (_name, answers, reason) => {
    const { revoker: r } = revoker(answers);
    expect(await r.revokeRefreshToken(brand, 'brand-a-app', 'rt')).toEqual({ revoked: false, reason });
  });

  it('answers CLIENT_SECRET_UNAVAILABLE when the brand keeps secrets that cannot be read', async () => {
    const { revoker: r, calls } = revoker({});
    expect(await r.revokeRefreshToken(withSecrets, 'brand-a-app', 'rt')).toEqual({
      revoked: false,
      reason: 'CLIENT_SECRET_UNAVAILABLE',
    });
    expect(calls.some((c) => c.url.endsWith('/oauth/revoke'))).toBe(false);
  });
});
