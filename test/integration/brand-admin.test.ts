import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../shared/errors.js';
import { type BrandAdminRig, brandBody, SSM_PREFIX, startBrandAdminRig } from '../support/brand-admin-harness.js';

let rig: BrandAdminRig;
let counter = 0;
/** A fresh brand id per test, so tests share one rig without sharing brands. */
const nextId = () => `brand-${++counter}`;

beforeAll(async () => {
  rig = await startBrandAdminRig();
});
afterAll(async () => rig.close());
beforeEach(() => {
  rig.ciam.jwks.status = 200;
  rig.ciam.discovery.status = 200;
  rig.ciam.discovery.body = {
    issuer: rig.ciam.issuer,
    jwks_uri: rig.ciam.jwksUri,
    userinfo_endpoint: rig.ciam.userInfoEndpoint,
  };
  rig.ciam.jwks.body = { keys: [goodJwk()] };
});

let jwk: Record<string, unknown> | undefined;
function goodJwk(): Record<string, unknown> {
  jwk ??= (rig.ciam.jwks.body as { keys: Record<string, unknown>[] }).keys[0];
  return jwk ?? {};
}

async function expectRefused(promise: Promise<unknown>, status: number, code: string, field: string) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const gatewayError = error as GatewayError;
  expect({ status: gatewayError.status, code: gatewayError.code }).toEqual({ status, code });
  expect(gatewayError.details?.map((d) => d.field)).toContain(field);
  for (const detail of gatewayError.details ?? []) expect(detail.message.length).toBeGreaterThan(5);
  return gatewayError;
}

describe('BrandAdmin.put', () => {
  it('creates a brand at version 1 with its secret in SSM and none in DynamoDB', async () => {
    // Arrange
    const id = nextId();

    // Act
    const result = await rig.admin.put(id, brandBody(rig.ciam, id), 'arn:aws:iam::1:user/alice');

    // Assert
    expect(result.created).toBe(true);
    expect(result.brand.version).toBe(1);
    expect(result.brand.capillary.credentialsParameter).toBe(`${SSM_PREFIX}/brands/${id}/capillary`);
    const { Parameter } = await rig.ssmClient.send(
      new GetParameterCommand({ Name: `${SSM_PREFIX}/brands/${id}/capillary`, WithDecryption: true }),
    );
    expect(Parameter?.Type).toBe('SecureString');
    expect(JSON.parse(Parameter?.Value ?? '{}')).toEqual({ key: 'cap-key', secret: `cap-secret-${id}` });
    const { items } = await rig.snapshot();
    expect(JSON.stringify(items)).not.toContain(`cap-secret-${id}`);
    expect(JSON.stringify(result)).not.toContain(`cap-secret-${id}`);
  });

  it('records an audit event with actor and version but no secret', async () => {
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'arn:aws:iam::1:user/alice');
    const event = rig.audit.events.at(-1);
    expect(event).toMatchObject({
      type: 'brand.change',
      outcome: 'success',
      brandId: id,
      reason: 'CREATED',
      details: { actor: 'arn:aws:iam::1:user/alice', version: 1, secretsUpdated: true },
    });
    expect(JSON.stringify(rig.audit.events)).not.toContain('cap-secret');
  });

  it('returns from get the same shape put takes, with version and without secrets', async () => {
    // Arrange
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');

    // Act
    const view = await rig.admin.get(id);
    const again = await rig.admin.put(id, { ...view, brandName: 'Renamed' }, 'alice');

    // Assert
    expect(view).not.toHaveProperty('secrets');
    expect(view.version).toBe(1);
    expect(again).toMatchObject({ created: false, brand: { version: 2, brandName: 'Renamed' } });
  });

  it('accepts and ignores $schema', async () => {
    const id = nextId();
    const result = await rig.admin.put(id, { $schema: './brand.schema.json', ...brandBody(rig.ciam, id) }, 'alice');
    expect(result.brand).not.toHaveProperty('$schema');
  });

  it('refuses a stale version with 409 VERSION_CONFLICT and keeps the stored brand', async () => {
    // Arrange
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');
    await rig.admin.put(id, { ...brandBody(rig.ciam, id), version: 1, brandName: 'Second' }, 'alice');
    const before = await rig.snapshot();

    // Act
    await expectRefused(
      rig.admin.put(id, { ...brandBody(rig.ciam, id), version: 1, brandName: 'Stale' }, 'alice'),
      409,
      'VERSION_CONFLICT',
      'version',
    );

    // Assert
    expect(await rig.snapshot()).toEqual(before);
    expect((await rig.admin.get(id)).brandName).toBe('Second');
  });

  it('refuses to create a brand that exists', async () => {
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');
    await expectRefused(rig.admin.put(id, brandBody(rig.ciam, id), 'alice'), 409, 'VERSION_CONFLICT', 'version');
  });

  it('lets exactly one of N concurrent updates with the same version win', async () => {
    // Arrange
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');

    // Act
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        rig.admin.put(
          id,
          { ...brandBody(rig.ciam, id), version: 1, brandName: `writer ${i}`, secrets: undefined },
          `writer-${i}`,
        ),
      ),
    );

    // Assert
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as GatewayError] : []));
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const error of lost) expect([error.status, error.code]).toEqual([409, 'VERSION_CONFLICT']);
    const stored = await rig.admin.get(id);
    expect(stored.version).toBe(2);
    expect(won[0]?.status === 'fulfilled' && won[0].value.brand.brandName).toBe(stored.brandName);
  });

  it('lets exactly one of N concurrent creates of the same brand win', async () => {
    const id = nextId();
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => rig.admin.put(id, brandBody(rig.ciam, id), 'alice')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await rig.admin.list()).filter((b) => b.brandId === id)).toHaveLength(1);
  });

  it('refuses an issuer + clientId pair another brand uses (409, field clientId)', async () => {
    // Arrange
    const a = nextId();
    const b = nextId();
    await rig.admin.put(a, brandBody(rig.ciam, a, { clientId: 'shared-client' }), 'alice');
    const before = await rig.snapshot();

    // Act
    const error = await expectRefused(
      rig.admin.put(b, brandBody(rig.ciam, b, { clientId: 'shared-client' }), 'alice'),
      409,
      'BRAND_ISSUER_CLIENT_TAKEN',
      'clientId',
    );

    // Assert
    expect(error.message).toContain(a);
    expect(await rig.snapshot()).toEqual(before);
  });

  it('lets exactly one of two brands racing for the same pair win', async () => {
    const ids = [nextId(), nextId(), nextId()];
    const results = await Promise.allSettled(
      ids.map((id) => rig.admin.put(id, brandBody(rig.ciam, id, { clientId: 'raced-client' }), 'alice')),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const holders = (await rig.admin.list()).filter((b) => b.clientId === 'raced-client');
    expect(holders).toHaveLength(1);
  });

  it('frees the pair when a brand moves to another client id or is deleted', async () => {
    // Arrange
    const a = nextId();
    const b = nextId();
    const c = nextId();
    await rig.admin.put(a, brandBody(rig.ciam, a, { clientId: 'moving' }), 'alice');
    await rig.admin.put(b, brandBody(rig.ciam, b, { clientId: 'deleted' }), 'alice');

    // Act
    await rig.admin.put(a, { ...brandBody(rig.ciam, a, { clientId: 'moved' }), version: 1 }, 'alice');
    await rig.admin.delete(b, 'alice');

    // Assert
    await rig.admin.put(c, brandBody(rig.ciam, c, { clientId: 'moving' }), 'alice');
    await rig.admin.put(b, brandBody(rig.ciam, b, { clientId: 'deleted' }), 'alice');
    const d = nextId();
    await expectRefused(
      rig.admin.put(d, brandBody(rig.ciam, d, { clientId: 'moved' }), 'alice'),
      409,
      'BRAND_ISSUER_CLIENT_TAKEN',
      'clientId',
    );
  });
});

describe('BrandAdmin validation failures', () => {
  const cases: {
    name: string;
    body: (id: string) => Record<string, unknown>;
    prepare?: () => void;
    status: number;
    code: string;
    field: string;
  }[] = [
    {
      name: 'a plain-http issuer on a public host',
      body: (id) => brandBody(rig.ciam, id, { issuer: 'http://ciam.example.com' }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'issuer',
    },
    {
      name: 'an unknown field',
      body: (id) => brandBody(rig.ciam, id, { colour: 'red' }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'colour',
    },
    {
      name: 'a missing field mapping',
      body: (id) => brandBody(rig.ciam, id, { fieldMappings: { firstName: 'given_name' } }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'fieldMappings.email',
    },
    {
      name: 'HMAC in allowedAlgorithms',
      body: (id) => brandBody(rig.ciam, id, { allowedAlgorithms: ['HS256'] }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'allowedAlgorithms.0',
    },
    {
      name: 'a body brandId other than the path',
      body: (id) => brandBody(rig.ciam, id, { brandId: 'someone-else' }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'brandId',
    },
    {
      name: 'basic secrets for an oauth connection',
      body: (id) => brandBody(rig.ciam, id, { secrets: { capillary: { tillId: 't', password: 'p' } } }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'secrets.capillary',
    },
    {
      name: 'secrets with a foreign credentials parameter',
      body: (id) =>
        brandBody(rig.ciam, id, {
          capillary: {
            baseUrl: 'https://eu.api.capillarytech.com',
            sourceAccountId: 's',
            credentialsParameter: '/other/brand/capillary',
          },
        }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'capillary.credentialsParameter',
    },
    {
      name: 'a credentials parameter outside the brand SSM path, without secrets',
      body: (id) =>
        brandBody(rig.ciam, id, {
          secrets: undefined,
          capillary: {
            baseUrl: 'https://eu.api.capillarytech.com',
            sourceAccountId: 's',
            credentialsParameter: '/other/brand/capillary',
          },
        }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'capillary.credentialsParameter',
    },
    {
      name: 'a version that is not a number',
      body: (id) => brandBody(rig.ciam, id, { version: 'one' }),
      status: 400,
      code: 'VALIDATION_FAILED',
      field: 'version',
    },
    {
      name: 'an unreachable JWKS',
      prepare: () => {
        rig.ciam.jwks.status = 500;
      },
      body: (id) => brandBody(rig.ciam, id),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'jwksUri',
    },
    {
      name: 'a JWKS without a key for the allowed algorithms',
      body: (id) => brandBody(rig.ciam, id, { allowedAlgorithms: ['RS256'] }),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'jwksUri',
    },
    {
      name: 'a JWKS that is not JSON',
      prepare: () => {
        rig.ciam.jwks.body = '<html>';
      },
      body: (id) => brandBody(rig.ciam, id),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'jwksUri',
    },
    {
      name: 'a JWKS with only encryption keys',
      prepare: () => {
        rig.ciam.jwks.body = { keys: [{ ...goodJwk(), use: 'enc' }] };
      },
      body: (id) => brandBody(rig.ciam, id),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'jwksUri',
    },
    {
      name: 'a discovery document naming another issuer',
      prepare: () => {
        rig.ciam.discovery.body = { ...(rig.ciam.discovery.body as object), issuer: 'https://other.example.com' };
      },
      body: (id) => brandBody(rig.ciam, id),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'issuer',
    },
    {
      name: 'a discovery document naming another JWKS',
      prepare: () => {
        rig.ciam.discovery.body = { ...(rig.ciam.discovery.body as object), jwks_uri: `${rig.ciam.issuer}/other` };
      },
      body: (id) => brandBody(rig.ciam, id),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'jwksUri',
    },
    {
      name: 'a discovery document naming another userinfo endpoint',
      body: (id) => brandBody(rig.ciam, id, { userInfoEndpoint: `${rig.ciam.issuer}/userinfo` }),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'userInfoEndpoint',
    },
    {
      name: 'no secrets and no existing credentials parameter',
      body: (id) => brandBody(rig.ciam, id, { secrets: undefined }),
      status: 422,
      code: 'BRAND_VALIDATION_FAILED',
      field: 'secrets.capillary',
    },
  ];

  for (const testCase of cases) {
    it(`refuses ${testCase.name} with a clear message and changes nothing`, async () => {
      // Arrange
      const id = nextId();
      testCase.prepare?.();
      const before = await rig.snapshot();
      const auditCount = rig.audit.events.length;

      // Act
      await expectRefused(
        rig.admin.put(id, testCase.body(id), 'alice'),
        testCase.status,
        testCase.code,
        testCase.field,
      );
      await expectRefused(rig.admin.validate(id, testCase.body(id)), testCase.status, testCase.code, testCase.field);

      // Assert
      expect(await rig.snapshot()).toEqual(before);
      expect(rig.audit.events.slice(auditCount)).toEqual([
        expect.objectContaining({ type: 'brand.change', outcome: 'failure', reason: testCase.code }),
      ]);
    });
  }

  it('passes a brand without a discovery document, with a warning', async () => {
    rig.ciam.discovery.status = 404;
    const id = nextId();
    const result = await rig.admin.validate(id, brandBody(rig.ciam, id));
    expect(result.valid).toBe(true);
    expect(result.warnings.join(' ')).toContain('discovery document not checked');
  });

  it('validate saves nothing', async () => {
    const id = nextId();
    const before = await rig.snapshot();
    await rig.admin.validate(id, brandBody(rig.ciam, id));
    expect(await rig.snapshot()).toEqual(before);
  });

  it('accepts an update without secrets when the credentials parameter exists', async () => {
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');
    const result = await rig.admin.put(id, { ...brandBody(rig.ciam, id), secrets: undefined, version: 1 }, 'alice');
    expect(result.brand.version).toBe(2);
    expect(rig.audit.events.at(-1)?.details).toMatchObject({ secretsUpdated: false });
  });
});

describe('BrandAdmin.delete and list', () => {
  it('deletes the brand, its guard and its SSM parameter', async () => {
    // Arrange
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');

    // Act
    const deleted = await rig.admin.delete(id, 'alice', 1);

    // Assert
    expect(deleted).toEqual({ brandId: id, version: 1 });
    expect(rig.ssm.names()).not.toContain(`${SSM_PREFIX}/brands/${id}/capillary`);
    const { items } = await rig.snapshot();
    expect(JSON.stringify(items)).not.toContain(`"${id}-app"`);
    await expect(rig.admin.get(id)).rejects.toMatchObject({ status: 404, code: 'BRAND_NOT_FOUND' });
  });

  it('refuses a delete at a stale version and one of a missing brand', async () => {
    const id = nextId();
    await rig.admin.put(id, brandBody(rig.ciam, id), 'alice');
    await expect(rig.admin.delete(id, 'alice', 7)).rejects.toMatchObject({ status: 409, code: 'VERSION_CONFLICT' });
    await expect(rig.admin.delete('no-such-brand', 'alice')).rejects.toMatchObject({ status: 404 });
    expect((await rig.admin.get(id)).version).toBe(1);
  });

  it('lists brands without guard items or secrets', async () => {
    const list = await rig.admin.list();
    expect(list.length).toBeGreaterThan(3);
    for (const brand of list) expect(brand.brandId).toMatch(/^[a-z0-9-]+$/);
    expect(JSON.stringify(list)).not.toContain('cap-secret');
  });
});
