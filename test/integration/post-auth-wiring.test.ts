import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as createMeHandler } from '../../functions/me/handler.js';
import { createHandler as createSessionHandler } from '../../functions/session/handler.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { buildPostAuthDeps } from '../../shared/runtime/post-auth-deps.js';
import { loadSettings } from '../../shared/env.js';
import { ErrorCodes, UnauthorizedError } from '../../shared/errors.js';
import { NoMetrics } from '../../shared/observability/metrics.js';
import { authorizedEvent, lambdaContext } from '../support/events.js';
import { CuidLookupModes, type PostAuthRig, startPostAuthRig } from '../support/post-auth-harness.js';
import { settingsEnv } from '../support/settings-env.js';

describe.each(CuidLookupModes)('buildPostAuthDeps, the production wiring (cuid lookup %s)', (cuidLookup) => {
  let rig: PostAuthRig;
  beforeAll(async () => {
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
    vi.stubEnv('POWERTOOLS_LOG_LEVEL', 'SILENT');
    rig = await startPostAuthRig({
      accounts: { wired: { given_name: 'Wire', family_name: 'Up', email: 'wire@example.com', email_verified: true } },
      tablePrefix: `wiring-${cuidLookup}`,
      cuidLookup,
    });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rig.close();
  });

  it('links a user through the DynamoDB link store and the real Capillary client, and runs the guards', async () => {
    const settings = loadSettings(
      settingsEnv({
        // The rig's CIAM speaks plain http on loopback, which only the local stage may fetch.
        STAGE: 'local',
        BRANDS_TABLE: rig.tables.brands,
        LINKS_TABLE: rig.tables.links,
        REVOCATIONS_TABLE: rig.tables.revocations,
      }),
    );
    let guarded = 0;
    const runtime = {
      settings,
      brandDirectory: rig.brands,
      secretSource: rig.secrets,
      documentClient: rig.documentClient,
      links: new DynamoLinkStore({ documentClient: rig.documentClient, tableName: rig.tables.links }),
      revocationGuard: async () => {
        guarded++;
      },
      metrics: NoMetrics,
      auditLog: rig.audit,
    };
    const session = createSessionHandler(buildPostAuthDeps('session', runtime));
    const me = createMeHandler(buildPostAuthDeps('me', runtime));
    const { accessToken } = await rig.login('wired');
    const event = authorizedEvent(await rig.contextFor(accessToken), {
      httpMethod: 'POST',
      headers: { Authorization: `Bearer ${accessToken}` },
    });

    const created = await session(event, lambdaContext);
    expect(created.statusCode).toBe(201);
    const view = await me({ ...event, httpMethod: 'GET' }, lambdaContext);
    expect(JSON.parse(view.body)).toMatchObject({ cuid: 'wired', firstName: 'Wire' });
    expect(guarded).toBe(2);

    const revoked = createSessionHandler(
      buildPostAuthDeps('session', {
        ...runtime,
        revocationGuard: async () => Promise.reject(new UnauthorizedError(ErrorCodes.TOKEN_REVOKED)),
      }),
    );
    expect((await revoked(event, lambdaContext)).statusCode).toBe(401);
  });
});
