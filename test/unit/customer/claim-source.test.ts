import { hashToken } from '../../../shared/auth/authorize-request.js';
import { describe, expect, it } from 'vitest';
import { parseBrandConfig } from '../../../shared/config/brand-config.js';
import { CiamClaimSource, tokenMatchesHash } from '../../../shared/customer/claim-source.js';
import { ErrorCodes } from '../../../shared/errors.js';
import { sampleAuth } from '../../support/events.js';

const brand = parseBrandConfig({
  brandId: 'demo',
  brandName: 'Demo',
  orgId: 1,
  issuer: 'https://id.example.com',
  applicationId: 'app',
  clientId: 'client',
  jwksUri: 'https://id.example.com/jwks',
  userInfoEndpoint: 'https://id.example.com/me',
  fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
  capillary: { baseUrl: 'https://eu.api.capillarytech.com', sourceAccountId: 'acc', credentialsParameter: '/cap/demo' },
});

const payload = Buffer.from(JSON.stringify({ sub: 'user-1', scope: 'openid', given_name: 'FromToken' })).toString(
  'base64url',
);
const accessToken = `eyJhbGciOiJSUzI1NiJ9.${payload}.c2ln`;
const auth = sampleAuth({ tokenHash: hashToken(accessToken) });

function source(answer: () => Promise<Response>) {
  const seen: { url: string; init: RequestInit }[] = [];
  const claims = new CiamClaimSource({
    fetch: async (url, init) => {
      seen.push({ url, init });
      return answer();
    },
  });
  return { claims, seen };
}

describe('CiamClaimSource', () => {
  it('merges the token payload with userinfo (userinfo wins) and calls userinfo with the bearer token', async () => {
    const { claims, seen } = source(async () => Response.json({ sub: 'user-1', given_name: 'Fresh', email: 'a@b.co' }));
    const result = await claims.load({ brand, auth, accessToken });
    expect(result).toMatchObject({ sub: 'user-1', given_name: 'Fresh', email: 'a@b.co', scope: 'openid' });
    expect(seen[0]?.url).toBe('https://id.example.com/me');
    expect((seen[0]?.init.headers as Record<string, string> | undefined)?.authorization).toBe(`Bearer ${accessToken}`);
    expect(seen[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it('refuses a bearer token that is not the one the authorizer verified', async () => {
    const { claims, seen } = source(async () => Response.json({ sub: 'user-1' }));
    await expect(
      claims.load({ brand, auth: sampleAuth({ tokenHash: 'ffffffffffffffff' }), accessToken }),
    ).rejects.toMatchObject({
      status: 401,
    });
    expect(seen).toHaveLength(0);
  });

  it('refuses a userinfo answer for another subject', async () => {
    const { claims } = source(async () => Response.json({ sub: 'someone-else' }));
    await expect(claims.load({ brand, auth, accessToken })).rejects.toMatchObject({
      status: 502,
      code: ErrorCodes.CIAM_UNAVAILABLE,
    });
  });

  it('answers 503 CIAM_UNAVAILABLE when userinfo fails and 401 when the CIAM refuses the token', async () => {
    await expect(
      source(async () => new Response('', { status: 500 })).claims.load({ brand, auth, accessToken }),
    ).rejects.toMatchObject({
      status: 503,
      code: ErrorCodes.CIAM_UNAVAILABLE,
      retryAfterSeconds: 2,
    });
    await expect(
      source(async () => {
        throw new TypeError('fetch failed');
      }).claims.load({ brand, auth, accessToken }),
    ).rejects.toMatchObject({ status: 503 });
    await expect(
      source(async () => new Response('', { status: 401 })).claims.load({ brand, auth, accessToken }),
    ).rejects.toMatchObject({
      status: 401,
    });
    await expect(
      source(async () => new Response('<html>')).claims.load({ brand, auth, accessToken }),
    ).rejects.toMatchObject({
      status: 502,
    });
  });

  it('refuses a plain-http userinfo endpoint that is not loopback', async () => {
    const httpBrand = { ...brand, userInfoEndpoint: 'http://id.example.com/me' };
    const { claims, seen } = source(async () => Response.json({ sub: 'user-1' }));
    await expect(claims.load({ brand: httpBrand, auth, accessToken })).rejects.toMatchObject({ status: 502 });
    expect(seen).toHaveLength(0);
  });
});

describe('tokenMatchesHash', () => {
  it("accepts the authorizer's fingerprint of the token (or a prefix of 8+) and nothing shorter or foreign", () => {
    const token = 'h.p.signature';
    expect(tokenMatchesHash(token, hashToken(token))).toBe(true);
    expect(tokenMatchesHash(token, hashToken(token).slice(0, 8))).toBe(true);
    expect(tokenMatchesHash(token, hashToken(token).slice(0, 4))).toBe(false);
    expect(tokenMatchesHash('h.p.other', hashToken(token))).toBe(false);
  });
});

describe('issue 21 item 9: the userinfo body is capped while it is read', () => {
  /** A body produced on demand, 16 KiB a pull, up to 16 MiB; counts what the reader pulled and whether it cancelled. */
  function endlessBody(declaredLength?: number) {
    const state = { pulls: 0, cancelled: false };
    const chunk = new TextEncoder().encode(`{"sub":"user-1","pad":"${'a'.repeat(16_384)}`);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        state.pulls++;
        if (state.pulls > 1_024) controller.close();
        else controller.enqueue(chunk);
      },
      cancel() {
        state.cancelled = true;
      },
    });
    const headers = declaredLength === undefined ? undefined : { 'content-length': String(declaredLength) };
    return { state, response: new Response(body, { status: 200, ...(headers ? { headers } : {}) }) };
  }

  it('stops reading past 64 KiB (no 16 MiB buffered) and answers 502 CIAM_UNAVAILABLE', async () => {
    const { state, response } = endlessBody();
    const { claims } = source(async () => response);
    await expect(claims.load({ brand, auth, accessToken })).rejects.toMatchObject({
      status: 502,
      code: ErrorCodes.CIAM_UNAVAILABLE,
    });
    expect(state.pulls).toBeLessThan(10);
    expect(state.cancelled).toBe(true);
  });

  it('refuses a declared Content-Length over the cap without reading the body', async () => {
    const { state, response } = endlessBody(10_000_000);
    const { claims } = source(async () => response);
    await expect(claims.load({ brand, auth, accessToken })).rejects.toMatchObject({ status: 502 });
    expect(state.pulls).toBeLessThanOrEqual(1);
  });
});
