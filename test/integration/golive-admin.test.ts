// The go-live routes of the admin function (POST /v1/admin/brands/{id}/doctor, /diagnose, /prelink) through its
// handler, with the rig's store, links and SSM and a Capillary simulator: what each answers, every answer checked
// against openapi/openapi.json, and bad bodies refused with 400 naming the field.
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/admin/handler.js';
import { type CapillarySimulator, startCapillarySimulator } from '../../local/capillary-simulator.js';
import { checkLiveResponse, loadOpenApi } from '../contract/openapi-document.js';
import {
  type BrandAdminRig,
  brandBody,
  goLiveOf,
  silentLogger,
  startBrandAdminRig,
} from '../support/brand-admin-harness.js';
import { lambdaContext, proxyEvent } from '../support/events.js';

const doc = loadOpenApi();
let rig: BrandAdminRig;
let sim: CapillarySimulator;

beforeAll(async () => {
  rig = await startBrandAdminRig();
  sim = await startCapillarySimulator({ clients: [{ key: 'cap-key', secret: 'cap-secret-live' }] });
  await rig.admin.put(
    'live',
    brandBody(rig.ciam, 'live', { capillary: { baseUrl: sim.baseUrl, sourceAccountId: 'src-1' } }),
    'tester',
  );
});
afterAll(async () => {
  await sim?.close();
  await rig?.close();
});

async function post(brandId: string, operation: string, body: unknown) {
  const handler = createHandler({ logger: silentLogger(), admin: () => rig.admin, golive: () => goLiveOf(rig) });
  const path = `/v1/admin/brands/${brandId}/${operation}`;
  const event = proxyEvent({
    httpMethod: 'POST',
    resource: `/v1/admin/brands/{brandId}/${operation}`,
    path,
    pathParameters: { brandId },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: {
      requestId: 'r-1',
      identity: { userArn: 'arn:aws:iam::1:user/ops' },
    } as unknown as APIGatewayProxyEvent['requestContext'],
  });
  const result = await handler(event, lambdaContext);
  const parsed = JSON.parse(result.body) as Record<string, unknown>;
  expect(checkLiveResponse(doc, 'POST', path, result.statusCode, parsed), result.body).toEqual([]);
  return { status: result.statusCode, body: parsed };
}

describe('the go-live routes of the admin function', () => {
  it('doctor: the report of a saved brand; 404 for an unknown one; 400 naming a bad option', async () => {
    // Act
    const report = await post('live', 'doctor', {});
    const unknown = await post('nope', 'doctor', {});
    const badId = await post('live', 'doctor', { probeCustomer: -3 });
    const badIdentifier = await post('live', 'doctor', { probeIdentifier: { type: 'fax', value: '1' } });
    const unknownField = await post('live', 'doctor', { probe: 1 });

    // Assert
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ brandId: 'live', counts: { fail: 0 } });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'BRAND_NOT_FOUND' } } });
    for (const [answer, field] of [
      [badId, 'probeCustomer'],
      [badIdentifier, 'probeIdentifier'],
      [unknownField, 'probe'],
    ] as const) {
      expect(answer).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION_FAILED', details: [{ field }] } },
      });
    }
  });

  it('diagnose: the diagnosis of one token; 400 without a token or with another field', async () => {
    const diagnosis = await post('live', 'diagnose', { token: 'not.a.jwt' });
    const missing = await post('live', 'diagnose', {});
    const tooLong = await post('live', 'diagnose', { token: 'a'.repeat(9_000) });
    const extra = await post('live', 'diagnose', { token: 'x', idToken: 'y' });
    expect(diagnosis).toMatchObject({ status: 200, body: { verdict: 'refused', reason: 'TOKEN_MALFORMED' } });
    expect(missing.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'token' }] } });
    expect(tooLong.body).toMatchObject({ error: { details: [{ field: 'token' }] } });
    expect(extra.body).toMatchObject({ error: { details: [{ field: 'idToken' }] } });
  });

  it('prelink: a batch decided read-only, invalid users reported; 400 for an empty or oversized batch', async () => {
    // Act
    const batch = await post('live', 'prelink', {
      users: [
        { line: 1, claims: { sub: 'u-1', email: 'u1@example.com', email_verified: true } },
        { line: 2, claims: { email: 'nobody@example.com' } },
      ],
    });
    const empty = await post('live', 'prelink', { users: [] });
    const oversized = await post('live', 'prelink', {
      users: Array.from({ length: 51 }, (_, index) => ({ line: index + 1, claims: { sub: `u-${index}` } })),
    });
    const badUser = await post('live', 'prelink', { users: [{ line: 'one', claims: {} }] });
    const badApply = await post('live', 'prelink', { users: [{ line: 1, claims: { sub: 'x' } }], apply: 'yes' });

    // Assert
    expect(batch.status).toBe(200);
    expect(batch.body.results).toEqual([
      expect.objectContaining({ line: 1, sub: 'u-1', outcome: 'create' }),
      { line: 2, outcome: 'invalid', why: 'no sub (a string of 1 to 255 characters)' },
    ]);
    expect(batch.body.capillaryCalls).toBeGreaterThan(0);
    expect(sim.customers()).toEqual([]);
    expect(empty.body).toMatchObject({ error: { details: [{ field: 'users' }] } });
    expect(oversized.body).toMatchObject({ error: { details: [{ field: 'users' }] } });
    expect(badUser.body).toMatchObject({ error: { details: [{ field: 'users[0]' }] } });
    expect(badApply.body).toMatchObject({ error: { details: [{ field: 'apply' }] } });
  });

  it('prelink --apply audits each link as session.link via prelink, with the actor', async () => {
    // Arrange: an existing member the user's verified e-mail names
    const member = sim.seedCustomer({
      profiles: [{ source: 'INSTORE', identifiers: [{ type: 'email', value: 'member@example.com' }] }],
    });

    // Act
    const applied = await post('live', 'prelink', {
      apply: true,
      users: [{ line: 1, claims: { sub: 'member-sub', email: 'member@example.com', email_verified: true } }],
    });

    // Assert
    expect(applied.body.results).toEqual([
      expect.objectContaining({ outcome: 'merge', customerId: member.id, applied: 'linked' }),
    ]);
    expect(await rig.links.get('live', 'member-sub')).toMatchObject({ customerId: member.id });
    expect(rig.audit.events.at(-1)).toMatchObject({
      type: 'session.link',
      outcome: 'success',
      brandId: 'live',
      details: { via: 'prelink', actor: 'arn:aws:iam::1:user/ops', customerId: member.id },
    });
  });
});
