// Issue 21 item 8: DynamoDB failing in the middle of a first session is a retryable 503 with Retry-After,
// never a 500, through the real session handler (dev CIAM login, Capillary simulator, dynalite); the retry
// completes the link without a second customer.
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables } from '../../local/local-dynamo.js';
import { type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';

const accounts = {
  ola: {
    given_name: 'Ola',
    family_name: 'Nordmann',
    email: 'ola@example.com',
    email_verified: true,
    phone_number: '+4477009000111',
    phone_number_verified: true,
  },
};

describe('issue 21 item 8: the link store failing mid first session', () => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    rig = await startPostAuthRig({ accounts: structuredClone(accounts), tablePrefix: 'store-outage' });
  });
  afterAll(() => rig.close());

  it('answers 503 UPSTREAM_UNAVAILABLE with Retry-After (not 500), and the retry links the one customer', async () => {
    const { accessToken } = await rig.login('ola');
    // The links table disappears just before the session writes its link (after the lease and the Capillary add).
    let armed = true;
    rig.documentClient.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { pk?: unknown } };
        if (armed && typeof input.Item?.pk === 'string' && input.Item.pk.startsWith('link#')) {
          armed = false;
          await rig.dynamo.client.send(new DeleteTableCommand({ TableName: rig.tables.links }));
        }
        return next(args);
      },
      { step: 'initialize', name: 'links-table-outage' },
    );

    const failed = await rig.call('session', accessToken);
    expect(failed.status).toBe(503);
    expect(failed.headers['retry-after']).toBe('1');
    expect(failed.body).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE' } });

    await createGatewayTables(rig.dynamo.client, rig.tables);
    const retried = await rig.call('session', accessToken);
    expect([200, 201]).toContain(retried.status);
    const withCuid = rig.sim
      .customers()
      .filter((c) => c.profiles.some((p) => p.identifiers.some((i) => i.type === 'cuid' && i.value === 'ola')));
    expect(withCuid).toHaveLength(1);
    expect(retried.body.customerId).toBe(withCuid[0]?.id);
  });
});
