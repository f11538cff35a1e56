// Issue 14 items 3, 4, 9 and 10 through the real handlers: brand administration over dynalite + the
// local SSM server (admin handler, BrandAdmin, DynamoBrandStore, DynamoLinkStore), and the authorizer
// and post-auth handlers over an in-memory brand directory with real JWKS caches.
import type { APIGatewayAuthorizerResult, APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as createAdminHandler } from '../../functions/admin/handler.js';
import { createHandler as createAuthorizerHandler } from '../../functions/authorizer/handler.js';
import { createHandler as createMeHandler } from '../../functions/me/handler.js';
import { InMemoryAuditLog } from '../../shared/audit/audit-event.js';
import { createAuditLogger, StructuredAuditLog } from '../../shared/audit/structured-audit-log.js';
import { AuthorizerUnavailableError, hashToken } from '../../shared/auth/authorize-request.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import { createTokenVerifier } from '../../shared/auth/verify-access-token.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import { InMemoryBrandDirectory } from '../../shared/config/brand-directory.js';
import { InMemoryLinkStore } from '../../shared/customer/link-store.js';
import { httpsOnly, isInternalAddress } from '../../shared/http/outbound-url.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import {
  type BrandAdminRig,
  brandBody,
  credentialsAccepted,
  goLiveOf,
  silentLogger,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';
import { authorizedEvent, lambdaContext, proxyEvent, sampleAuth } from '../support/events.js';
import {
  accessClaims,
  authorizerEvent,
  generateTestKey,
  makeBrand,
  memoryJwksFetch,
  NOW_MS,
  signJwt,
  startJwksServer,
} from '../support/jwt.js';

let rig: BrandAdminRig;
beforeAll(async () => {
  rig = await startBrandAdminRig();
});
afterAll(async () => rig.close());

const USER_ARN = 'arn:aws:iam::123456789012:user/brand-admin';

function adminEvent(method: string, brandId: string, body?: unknown, query?: Record<string, string>) {
  return proxyEvent({
    httpMethod: method,
    resource: '/v1/admin/brands/{brandId}',
    path: `/v1/admin/brands/${brandId}`,
    pathParameters: { brandId },
    queryStringParameters: query ?? null,
    body: body === undefined ? null : JSON.stringify(body),
    requestContext: {
      requestId: 'r-1',
      identity: { userArn: USER_ARN },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });
}

interface AdminBody {
  brand: Record<string, unknown> & { version: number; issuer: string };
  error: { code: string; message: string; details: { field: string; message: string }[] };
}

async function admin(
  method: string,
  brandId: string,
  body?: unknown,
  query?: Record<string, string>,
  use?: BrandAdmin,
) {
  const handler = createAdminHandler({
    logger: silentLogger(),
    admin: () => use ?? rig.admin,
    golive: () => goLiveOf(rig),
  });
  const result = await handler(adminEvent(method, brandId, body, query), lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body) as AdminBody };
}

describe('item 3: one brand cannot lock out another', () => {
  it('refuses a brand whose issuer and audience another brand already accepts, naming that brand', async () => {
    const first = await admin('PUT', 'aud-a', brandBody(rig.ciam, 'aud-a', { applicationId: 'shared-api' }));
    expect(first.status).toBe(201);

    const second = await admin('PUT', 'aud-b', brandBody(rig.ciam, 'aud-b', { applicationId: 'shared-api' }));

    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('BRAND_AUDIENCE_TAKEN');
    expect(second.body.error.message).toContain('brand aud-a');
    expect(second.body.error.details).toEqual([
      { field: 'acceptedAudiences', message: expect.stringContaining('shared-api') },
    ]);
    expect((await admin('GET', 'aud-b')).status).toBe(404);
  });

  it('accepts the overlap only when both brands require their own client claim and their client ids differ', async () => {
    const body = (id: string, extra = {}) =>
      brandBody(rig.ciam, id, { applicationId: 'shared-api-2', acceptedAudiences: ['shared-api-2'], ...extra });
    expect((await admin('PUT', 'cc-a', body('cc-a', { requireClientClaim: true }))).status).toBe(201);
    expect((await admin('PUT', 'cc-b', body('cc-b'))).body.error.code).toBe('BRAND_AUDIENCE_TAKEN');
    const sameClient = await admin('PUT', 'cc-c', body('cc-c', { requireClientClaim: true, clientId: 'cc-a-app' }));
    expect(sameClient.body.error.code).toBe('BRAND_ISSUER_CLIENT_TAKEN');

    expect((await admin('PUT', 'cc-b', body('cc-b', { requireClientClaim: true }))).status).toBe(201);
  });

  it('selects the brand by client_id (RFC 9068) as well as azp, and a requireClientClaim brand takes only its own client', async () => {
    const key = generateTestKey('RS256', 'k1');
    const shared = {
      applicationId: 'https://api.shared.test',
      acceptedAudiences: ['https://api.shared.test'],
      requireClientClaim: true,
    };
    const brandA = makeBrand({ brandId: 'brand-a', clientId: 'app-a', ...shared });
    const brandB = makeBrand({ brandId: 'brand-b', clientId: 'app-b', ...shared });
    const directory = new InMemoryBrandDirectory([brandA, brandB]);
    const cache = new JwksCache(brandA.jwksUri, {
      fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch,
      now: () => NOW_MS,
    });
    const handler = createAuthorizerHandler({
      brandDirectory: directory,
      revocationChecker: NeverRevoked,
      auditLog: new InMemoryAuditLog(),
      logger: silentLogger(),
      now: () => NOW_MS,
      jwks: () => cache,
    });
    const decide = async (claims: Record<string, unknown>) => {
      try {
        const token = signJwt(accessClaims(brandA, { aud: 'https://api.shared.test', ...claims }), key);
        const result = (await handler(
          authorizerEvent({ Authorization: `Bearer ${token}` }),
          lambdaContext,
        )) as APIGatewayAuthorizerResult;
        return result.context?.brandId;
      } catch (error) {
        return (error as Error).message;
      }
    };

    expect(await decide({ client_id: 'app-b' })).toBe('brand-b');
    expect(await decide({ azp: 'app-a' })).toBe('brand-a');
    expect(await decide({})).toBe('Unauthorized');
    directory.delete('brand-b');
    // Brand B gone: its client's tokens must not fall through to brand A, which shares the audience.
    expect(await decide({ client_id: 'app-b' })).toBe('Unauthorized');
    expect(await decide({ client_id: 'app-a' })).toBe('brand-a');
  });
});

describe('item 4: a deleted and re-created brand is a new brand', () => {
  it('writes a new revision on every save, so version 1 after a re-create is not the old version 1', async () => {
    const revision = async () => (await rig.store.get('rev-1'))?.config.revision;
    expect((await admin('PUT', 'rev-1', brandBody(rig.ciam, 'rev-1'))).status).toBe(201);
    const created = await revision();
    expect((await admin('DELETE', 'rev-1')).status).toBe(200);
    const again = await admin('PUT', 'rev-1', brandBody(rig.ciam, 'rev-1'));
    const recreated = await revision();
    expect((await admin('PUT', 'rev-1', { ...brandBody(rig.ciam, 'rev-1'), version: 1 })).status).toBe(200);

    expect(again.body.brand.version).toBe(1);
    expect(created).toMatch(/^[0-9a-f-]{36}$/);
    expect(recreated).not.toBe(created);
    expect(await revision()).not.toBe(recreated);
    // The GET view is the PUT body: the revision is metadata, never part of the document.
    expect((await admin('GET', 'rev-1')).body).not.toHaveProperty('revision');
  });

  it('never answers a re-created brand from the verified-token cache of the old one', async () => {
    const key = generateTestKey('RS256', 'k1');
    const old: BrandConfig = { ...makeBrand({}, 1), revision: 'rev-old' };
    const directory = new InMemoryBrandDirectory([old]);
    const cache = new JwksCache(old.jwksUri, { fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch, now: () => NOW_MS });
    const verifier = createTokenVerifier({ brandDirectory: directory, now: () => NOW_MS, jwks: () => cache });
    const token = signJwt(accessClaims(old), key);
    await verifier.verify(token);

    // Deleted and re-created: version 1 again, but another revision and a stricter algorithm list.
    directory.put({ ...makeBrand({ allowedAlgorithms: ['ES256'] }, 1), revision: 'rev-new' });

    await expect(verifier.verify(token)).rejects.toMatchObject({ reason: 'ALG_NOT_ALLOWED' });
  });

  it("deletes a brand's links with it, so a re-created brand starts with none", async () => {
    expect((await admin('PUT', 'lnk-1', brandBody(rig.ciam, 'lnk-1'))).status).toBe(201);
    await rig.links.putIfAbsent({ brandId: 'lnk-1', sub: 'alice', customerId: 41, linkedAt: 1 });
    await rig.links.putIfAbsent({ brandId: 'lnk-10', sub: 'alice', customerId: 42, linkedAt: 1 });

    const stale = await admin('DELETE', 'lnk-1', undefined, { version: '7' });
    expect(stale.body.error.code).toBe('VERSION_CONFLICT');
    // A refused delete changes nothing, links included.
    expect(await rig.links.get('lnk-1', 'alice')).toMatchObject({ customerId: 41 });
    const deleted = await admin('DELETE', 'lnk-1');
    expect(deleted.status).toBe(200);
    expect(
      (await admin('PUT', 'lnk-1', brandBody(rig.ciam, 'lnk-1', { issuer: `${rig.ciam.issuer}/other` }))).status,
    ).toBe(201);

    expect(await rig.links.get('lnk-1', 'alice')).toBeUndefined();
    expect(await rig.links.get('lnk-10', 'alice')).toMatchObject({ customerId: 42 });
    expect(rig.audit.events.find((e) => e.reason === 'DELETED' && e.brandId === 'lnk-1')?.details).toMatchObject({
      linksRemoved: 1,
    });
  });

  it('refuses an issuer change while customers are linked, unless forced', async () => {
    const put = await admin('PUT', 'iss-1', brandBody(rig.ciam, 'iss-1'));
    expect(put.status).toBe(201);
    const moved = brandBody(rig.ciam, 'iss-1', { issuer: `${rig.ciam.issuer}/tenant-2`, version: 1 });
    expect(
      (await admin('PUT', 'iss-1', { ...brandBody(rig.ciam, 'iss-1'), brandName: 'Renamed', version: 1 })).status,
    ).toBe(200);
    await rig.links.putIfAbsent({ brandId: 'iss-1', sub: 'bob', customerId: 7, linkedAt: 1 });

    const refused = await admin('PUT', 'iss-1', { ...moved, version: 2 });
    const badForce = await admin('PUT', 'iss-1', { ...moved, version: 2 }, { force: 'yes' });
    const forced = await admin('PUT', 'iss-1', { ...moved, version: 2 }, { force: 'true' });

    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('BRAND_HAS_LINKS');
    expect(refused.body.error.details).toEqual([{ field: 'issuer', message: expect.stringContaining('force=true') }]);
    expect(badForce.status).toBe(400);
    expect(forced.status).toBe(200);
    expect(forced.body.brand.issuer).toBe(`${rig.ciam.issuer}/tenant-2`);
  });

  it('refuses in the handlers a cached Allow issued under the brand issuer that no longer holds (401)', async () => {
    const brand = makeBrand({ brandId: 'demo' });
    const me = createMeHandler({
      logger: silentLogger(),
      brands: new InMemoryBrandDirectory([brand]),
      services: {
        links: new InMemoryLinkStore(),
        capillary: { forBrand: () => ({}) as never },
        claims: { load: async () => ({}) },
        audit: new InMemoryAuditLog(),
      },
    });
    const event = (iss: string) =>
      authorizedEvent(sampleAuth({ iss }), { headers: { Authorization: 'bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln' } });

    const stale = await me(event('https://old-ciam.test'), lambdaContext);
    const current = await me(event(brand.issuer), lambdaContext);

    expect(stale.statusCode).toBe(401);
    // Same issuer: the caller resolves (lower-case scheme included) and the use-case runs: not linked yet.
    expect(current.statusCode).toBe(404);
    expect(JSON.parse(current.body).error.code).toBe('CUSTOMER_NOT_LINKED');
  });
});

describe('item 9: the audit allow-lists the documented fields', () => {
  it('writes tokenHash of an authorizer decision and secretsUpdated of a brand change without redaction', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const auditLog = new StructuredAuditLog({ logger: createAuditLogger('audit-test'), strict: true });
      const key = generateTestKey('RS256', 'k1');
      const brand = makeBrand();
      const cache = new JwksCache(brand.jwksUri, {
        fetch: memoryJwksFetch({ keys: [key.jwk] }).fetch,
        now: () => NOW_MS,
      });
      const authorizer = createAuthorizerHandler({
        brandDirectory: new InMemoryBrandDirectory([brand]),
        revocationChecker: NeverRevoked,
        auditLog,
        logger: silentLogger(),
        now: () => NOW_MS,
        jwks: () => cache,
      });
      const token = signJwt(accessClaims(brand), key);
      await authorizer(authorizerEvent({ Authorization: `Bearer ${token}` }), lambdaContext);
      const strictAdmin = new BrandAdmin({
        store: rig.store,
        secretWriter: { putSecret: async () => undefined, deleteSecret: async () => undefined },
        capillaryCredentials: credentialsAccepted,
        audit: auditLog,
        ssmPrefix: '/ciam-gateway/test',
        allowLoopbackUrls: true,
      });
      expect((await admin('PUT', 'aud-log', brandBody(rig.ciam, 'aud-log'), undefined, strictAdmin)).status).toBe(201);

      const audits = lines.map((line) => JSON.parse(line)).filter((line) => line.audit === true);
      expect(audits.find((a) => a.auditType === 'authz.decision')?.details).toMatchObject({
        tokenHash: hashToken(token),
      });
      expect(audits.find((a) => a.auditType === 'brand.change')?.details).toMatchObject({ secretsUpdated: true });
      expect(audits.every((a) => a.redactedFields === undefined)).toBe(true);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('item 10: outbound URLs never reach internal addresses outside the local stage', () => {
  it('classifies resolved addresses, IPv4-mapped IPv6 included', () => {
    for (const internal of [
      '127.0.0.1',
      '127.9.9.9',
      '10.0.0.5',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '100.64.0.1',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '0:0:0:0:0:ffff:10.0.0.1',
      'not-an-ip',
    ]) {
      expect([internal, isInternalAddress(internal)]).toEqual([internal, true]);
    }
    // Documentation ranges (203.0.113.0/24, 2001:db8::/32) are reserved, not public (issue 21 item 7).
    for (const external of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:93.184.215.14']) {
      expect([external, isInternalAddress(external)]).toEqual([external, false]);
    }
  });

  function strictAdmin(addresses: Record<string, string[]>, fetched: string[]) {
    const jwks = rig.ciam.jwks.body;
    return new BrandAdmin({
      store: rig.store,
      secretWriter: { putSecret: async () => undefined, deleteSecret: async () => undefined },
      capillaryCredentials: credentialsAccepted,
      audit: rig.audit,
      ssmPrefix: '/ciam-gateway/test',
      allowLoopbackUrls: false,
      // The rig's brands name Capillary's EU cluster, whose host is checked too (a public address here).
      resolveHost: async (host) => addresses[host] ?? (host === 'eu.api.capillarytech.com' ? ['203.0.113.9'] : []),
      fetch: async (url) => {
        fetched.push(url);
        return url.endsWith('/jwks')
          ? new Response(JSON.stringify(jwks), { status: 200 })
          : new Response('not found', { status: 404 });
      },
    });
  }
  const publicBrand = (id: string, host = 'ciam.public.test', extra = {}) =>
    brandBody(rig.ciam, id, {
      issuer: `https://${host}`,
      jwksUri: `https://${host}/jwks`,
      userInfoEndpoint: `https://${host}/me`,
      ...extra,
    });

  it('refuses, before fetching anything, a host that resolves to a private or metadata address', async () => {
    const fetched: string[] = [];
    const use = strictAdmin(
      { 'ciam.inside.test': ['93.184.215.14', '10.0.0.5'], 'keys.inside.test': ['::ffff:169.254.169.254'] },
      fetched,
    );
    const refused = await admin(
      'PUT',
      'ssrf-1',
      publicBrand('ssrf-1', 'ciam.inside.test', {
        jwksUri: 'https://keys.inside.test/jwks',
        userInfoEndpoint: 'https://[::ffff:7f00:1]/me',
        // Issue 21 item 7: Capillary's base URL is an outbound URL too (the brand's Capillary secret goes there).
        capillary: { baseUrl: 'https://169.254.169.254', sourceAccountId: 'src-1' },
      }),
      undefined,
      use,
    );

    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('BRAND_VALIDATION_FAILED');
    expect(refused.body.error.details.map((d) => d.field).sort()).toEqual([
      'capillary.baseUrl',
      'issuer',
      'jwksUri',
      'userInfoEndpoint',
    ]);
    expect(refused.body.error.details[0]?.message).toContain('10.0.0.5');
    expect(fetched).toEqual([]);
  });

  it('accepts hosts that resolve to public addresses only (and then runs the usual checks)', async () => {
    const fetched: string[] = [];
    const saved = await admin(
      'PUT',
      'ssrf-2',
      publicBrand('ssrf-2'),
      undefined,
      strictAdmin({ 'ciam.public.test': ['93.184.215.14'], 'eu.api.capillarytech.com': ['52.17.0.10'] }, fetched),
    );
    expect(saved.status).toBe(201);
    expect(fetched).toContain('https://ciam.public.test/jwks');
  });

  it('refuses plain http on the read path outside the local stage: the JWKS is never fetched', async () => {
    const key = generateTestKey('RS256', 'k1');
    const server = await startJwksServer({ keys: [key.jwk] });
    try {
      const brand = makeBrand({ jwksUri: server.uri });
      const decide = async (allowHttp: boolean) => {
        const cache = new JwksCache(server.uri, {
          fetch: httpsOnly((u, i) => fetch(u, i), { allowHttp }),
          now: () => NOW_MS,
        });
        const handler = createAuthorizerHandler({
          brandDirectory: new InMemoryBrandDirectory([brand]),
          revocationChecker: NeverRevoked,
          auditLog: new InMemoryAuditLog(),
          logger: silentLogger(),
          now: () => NOW_MS,
          jwks: () => cache,
        });
        return handler(
          authorizerEvent({ Authorization: `Bearer ${signJwt(accessClaims(brand), key)}` }),
          lambdaContext,
        );
      };

      await expect(decide(false)).rejects.toBeInstanceOf(AuthorizerUnavailableError);
      expect(server.requests).toBe(0);
      expect(((await decide(true)) as APIGatewayAuthorizerResult).policyDocument.Statement[0]?.Effect).toBe('Allow');
      expect(server.requests).toBe(1);
    } finally {
      await server.close();
    }
  });
});
