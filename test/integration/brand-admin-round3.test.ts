// Issue 21 through the real admin handler on dynalite (with the local DynamoDB's TransactWriteItems). Item 2:
// no two brands can ever select one token, by any route (issuer + aud, audienceClaim client_id, client ids),
// under concurrent PUTs as well, and an operator can repair a pair that overlaps from before. Items 3, 5, 10:
// clientIds, the client-id audience warning, the save-time JWKS check with allowTokensWithoutKid and
// disagreeing key material.
import { generateKeyPairSync } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createAdminHandler } from '../../functions/admin/handler.js';
import { createDocumentClient } from '../../shared/adapters/aws-clients.js';
import { parseBrandDocument } from '../../shared/config/brand-config.js';
import {
  type BrandAdminRig,
  brandBody,
  goLiveOf,
  silentLogger,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';
import { lambdaContext, proxyEvent } from '../support/events.js';
import { selfSignedCertificate, x5cMembers } from '../support/x509.js';

let rig: BrandAdminRig;
beforeAll(async () => {
  rig = await startBrandAdminRig();
});
afterAll(async () => rig.close());

interface Answer {
  status: number;
  body: {
    brand?: Record<string, unknown> & { version: number };
    warnings?: string[];
    error?: { code: string; message: string; details: { field: string; message: string }[] };
  };
}

async function admin(method: string, brandId: string, body?: unknown): Promise<Answer> {
  const handler = createAdminHandler({ logger: silentLogger(), admin: () => rig.admin, golive: () => goLiveOf(rig) });
  const event = proxyEvent({
    httpMethod: method,
    resource: '/v1/admin/brands/{brandId}',
    path: `/v1/admin/brands/${brandId}`,
    pathParameters: { brandId },
    body: body === undefined ? null : JSON.stringify(body),
    requestContext: {
      requestId: 'r-1',
      identity: { userArn: 'arn:aws:iam::123456789012:user/brand-admin' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });
  const result = await handler(event, lambdaContext);
  return { status: result.statusCode, body: JSON.parse(result.body) };
}

describe('issue 21 item 2: no two brands can ever match one token', () => {
  it('(a) of two parallel PUTs with the same issuer and audience exactly one wins, every time', async () => {
    for (let round = 0; round < 3; round++) {
      const audience = `https://api.race-${round}.test`;
      const answers = await Promise.all(
        ['x', 'y'].map((side) =>
          admin(
            'PUT',
            `race-${round}-${side}`,
            brandBody(rig.ciam, `race-${round}-${side}`, { applicationId: audience }),
          ),
        ),
      );
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      const loser = answers.find((a) => a.status === 409);
      expect(loser?.body.error?.code).toBe('BRAND_AUDIENCE_TAKEN');
      const stored = (await rig.store.list()).filter((b) => b.config.acceptedAudiences.includes(audience));
      expect(stored).toHaveLength(1);
    }
  });

  it('of parallel PUTs sharing a client id (one as clientId, one in clientIds) exactly one wins', async () => {
    const answers = await Promise.all([
      admin('PUT', 'apps-a', brandBody(rig.ciam, 'apps-a', { clientId: 'shared-ios' })),
      admin('PUT', 'apps-b', brandBody(rig.ciam, 'apps-b', { clientIds: ['apps-b-app', 'shared-ios'] })),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error?.code).toBe('BRAND_ISSUER_CLIENT_TAKEN');
  });

  it("(b) refuses an audienceClaim client_id brand that accepts another brand's client id", async () => {
    expect((await admin('PUT', 'web-brand', brandBody(rig.ciam, 'web-brand'))).status).toBe(201);
    const rival = await admin(
      'PUT',
      'cid-rival',
      brandBody(rig.ciam, 'cid-rival', { audienceClaim: 'client_id', acceptedAudiences: ['web-brand-app'] }),
    );
    expect(rival.status).toBe(409);
    expect(rival.body.error?.code).toBe('BRAND_ISSUER_CLIENT_TAKEN');
    expect(rival.body.error?.details).toEqual([
      { field: 'acceptedAudiences', message: expect.stringContaining('brand web-brand') },
    ]);
    expect((await admin('GET', 'cid-rival')).status).toBe(404);
    // Its own client ids are fine.
    const own = await admin('PUT', 'cid-own', brandBody(rig.ciam, 'cid-own', { audienceClaim: 'client_id' }));
    expect(own.status).toBe(201);
  });

  it('lets an operator repair a pair that overlaps from before: an edit that removes the overlap is allowed', async () => {
    // Two brands written before selector keys existed, both accepting one audience of one issuer.
    const ddb = createDocumentClient(rig.dynamo.client);
    for (const id of ['old-a', 'old-b']) {
      const { secrets: _secrets, ...body } = brandBody(rig.ciam, id, { applicationId: 'https://api.legacy.test' });
      const document = parseBrandDocument({
        ...body,
        capillary: { ...(body.capillary as object), credentialsParameter: `/ciam-gateway/test/brands/${id}/capillary` },
      });
      await ddb.send(
        new PutCommand({
          TableName: rig.tableName,
          Item: { ...document, version: 1, updatedAt: '2026-01-01T00:00:00.000Z', updatedBy: 'legacy' },
        }),
      );
    }
    const edit = (id: string, overrides: Record<string, unknown>) =>
      admin('PUT', id, { ...brandBody(rig.ciam, id, overrides), version: 1 });

    // An edit that keeps the overlap is refused, naming the other brand.
    const kept = await edit('old-b', { applicationId: 'https://api.legacy.test', brandName: 'renamed' });
    expect(kept.status).toBe(409);
    expect(kept.body.error?.message).toContain('brand old-a');
    // The edit that removes it goes through; then the other brand saves too.
    expect((await edit('old-b', { applicationId: 'https://api.legacy-b.test' })).status).toBe(200);
    expect((await edit('old-a', { applicationId: 'https://api.legacy.test', brandName: 'A' })).status).toBe(200);
    // Both now hold their keys: a newcomer on either audience is refused.
    const newcomer = await admin(
      'PUT',
      'old-c',
      brandBody(rig.ciam, 'old-c', { applicationId: 'https://api.legacy-b.test' }),
    );
    expect(newcomer.body.error?.code).toBe('BRAND_AUDIENCE_TAKEN');
  });

  it('item 5: warns when a client id is listed as an accepted audience', async () => {
    const saved = await admin(
      'PUT',
      'warned',
      brandBody(rig.ciam, 'warned', { acceptedAudiences: ['loyalty-api-warned', 'warned-app'] }),
    );
    expect(saved.status).toBe(201);
    expect(saved.body.warnings).toEqual([expect.stringContaining('acceptedAudiences lists the client id warned-app')]);
    const quiet = await admin('PUT', 'quiet', brandBody(rig.ciam, 'quiet'));
    expect(quiet.body.warnings ?? []).toEqual([]);
  });

  it('item 3: stores and returns clientIds, and refuses more than 10', async () => {
    const saved = await admin(
      'PUT',
      'multi',
      brandBody(rig.ciam, 'multi', { clientIds: ['multi-ios', 'multi-android'] }),
    );
    expect(saved.status).toBe(201);
    expect((await admin('GET', 'multi')).body).toMatchObject({ clientIds: ['multi-ios', 'multi-android'] });
    const tooMany = await admin(
      'PUT',
      'many',
      brandBody(rig.ciam, 'many', { clientIds: Array.from({ length: 11 }, (_, i) => `c${i}`) }),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.details?.[0]?.field).toBe('clientIds');
  });
});

describe('item 10: key material at save time', () => {
  it('saves a brand whose JWKS has one kid-less key when it sets allowTokensWithoutKid, and only then', async () => {
    const original = rig.ciam.jwks.body;
    const { kid: _kid, ...kidless } = (original as { keys: Record<string, unknown>[] }).keys[0] ?? {};
    rig.ciam.jwks.body = { keys: [kidless] };
    try {
      const refused = await admin('PUT', 'no-kid', brandBody(rig.ciam, 'no-kid'));
      expect(refused.status).toBe(422);
      expect(refused.body.error?.details[0]?.message).toContain('has no kid (see allowTokensWithoutKid)');
      const saved = await admin('PUT', 'no-kid', brandBody(rig.ciam, 'no-kid', { allowTokensWithoutKid: true }));
      expect(saved.status).toBe(201);
    } finally {
      rig.ciam.jwks.body = original;
    }
  });

  it('refuses a JWKS whose only key disagrees with its x5c certificate', async () => {
    const original = rig.ciam.jwks.body;
    const [jwk] = (original as { keys: Record<string, unknown>[] }).keys;
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = selfSignedCertificate(other.publicKey, other.privateKey);
    rig.ciam.jwks.body = { keys: [{ ...jwk, ...x5cMembers(der) }] };
    try {
      const refused = await admin('PUT', 'mixed-key', brandBody(rig.ciam, 'mixed-key'));
      expect(refused.status).toBe(422);
      expect(refused.body.error?.details[0]?.message).toContain('x5c certificate that holds another key than its x/y');
    } finally {
      rig.ciam.jwks.body = original;
    }
  });
});

describe('item 6: the CIAM client secrets of confidential apps, kept like the Capillary credentials', () => {
  it('writes secrets.ciamClients to the brand SSM path, never returns them, and deletes them with the brand', async () => {
    const parameter = '/ciam-gateway/test/brands/conf-app/ciam-clients';
    const saved = await admin(
      'PUT',
      'conf-app',
      brandBody(rig.ciam, 'conf-app', {
        clientIds: ['conf-app-app', 'conf-app-ios'],
        secrets: { capillary: { key: 'k', secret: 's' }, ciamClients: { 'conf-app-app': 'web-client-secret' } },
      }),
    );
    expect(saved.status).toBe(201);
    expect(saved.body.brand).toMatchObject({ clientSecretsParameter: parameter });
    expect(JSON.stringify(saved.body)).not.toContain('web-client-secret');
    expect(JSON.parse(await rig.secrets.getSecret(parameter))).toEqual({ 'conf-app-app': 'web-client-secret' });
    expect((await admin('DELETE', 'conf-app')).status).toBe(200);
    expect(rig.ssm.names()).not.toContain(parameter);
  });

  it("refuses a secret for a client that is not one of the brand's", async () => {
    const refused = await admin(
      'PUT',
      'conf-bad',
      brandBody(rig.ciam, 'conf-bad', {
        secrets: { capillary: { key: 'k', secret: 's' }, ciamClients: { stranger: 'x' } },
      }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error?.details).toEqual([
      { field: 'secrets.ciamClients.stranger', message: "is not one of the brand's client ids" },
    ]);
  });
});
