// Composition root of the admin function: settings at cold start, AWS clients on first request. The audit log
// (with its metrics), the secret source, the link store and the brand directory come from the shared runtime.
import { DynamoBrandStore } from '../../shared/adapters/dynamo-brand-store.js';
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { guardedFetch } from '../../shared/adapters/guarded-http.js';
import { guardedHttpGet } from '../../shared/adapters/node-http-get.js';
import { SsmSecretWriter } from '../../shared/adapters/ssm-secret-source.js';
import { createCapillaryCredentialCheck } from '../../shared/capillary/capillary-credentials.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import { CiamClaimSource } from '../../shared/customer/claim-source.js';
import { BudgetDefaults } from '../../shared/customer/time-budget.js';
import { EnvNames, loadSettings } from '../../shared/env.js';
import { createGoLive } from '../../shared/golive/golive.js';
import { httpsOnly } from '../../shared/http/outbound-url.js';
import { createLogger } from '../../shared/observability/logger.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { lazy } from '../../shared/runtime/lazy.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
// Its DynamoDB and SSM calls traced where tracing is on (the save-time and go-live fetches are not).
const runtime = createGatewayRuntime(settings, {
  serviceName: 'admin',
  tracing: await loadTracing(settings.tracing, 'admin'),
});
const adminKey = process.env[EnvNames.LOCAL_ADMIN_KEY];
// The brand writer and the secret writer are the admin function's alone (not in the shared runtime, so no other
// function's code, or role, reaches them).
// The link store is built here, not in the shared runtime, so the functions that never touch links (the logout
// pair) carry no link code and their roles no links grant.
const links = lazy(
  () => new DynamoLinkStore({ documentClient: runtime.documentClient, tableName: settings.tables.links }),
);
const brandStore = lazy(
  () => new DynamoBrandStore({ documentClient: runtime.documentClient, tableName: settings.tables.brands }),
);
// The local stack (admin key set) runs its CIAM on loopback; a deployed stage never does.
const localStack = adminKey !== undefined && adminKey !== '';
// Every save-time and go-live connection (CIAM, JWKS, Capillary) has its address checked as it is made.
const policy = { allowLoopback: localStack };
const guarded = guardedFetch({ policy });
// Outside the local stage nothing configured is fetched over plain http (the read path's rule).
const allowHttp = settings.stage === 'local';
const fetchOut = httpsOnly(guarded, { allowHttp });

export const handler = createHandler({
  logger: createLogger('admin', settings.logLevel),
  ...(adminKey ? { adminKey } : {}),
  admin: lazy(
    () =>
      new BrandAdmin({
        store: brandStore(),
        secretWriter: new SsmSecretWriter({ ssm: runtime.ssm, kmsKeyId: settings.secretsKmsKeyId }),
        secretReader: runtime.secretSource,
        capillaryCredentials: createCapillaryCredentialCheck({ fetch: guarded, timeoutMs: 5_000 }),
        audit: runtime.auditLog,
        ssmPrefix: settings.ssmPrefix,
        links: links(),
        // A saved brand (and any secret written with it) is read fresh by this container's next check.
        onChange: () => {
          runtime.brandDirectory.clear();
          runtime.secretSource.clear();
        },
        allowLoopbackUrls: localStack,
        fetch: guarded,
        // Warn when the org does not know the brand's OAUTH_EXTERNAL account, or phoneDefaultCountry is unset.
        orgChecks: true,
      }),
  ),
  golive: lazy(() =>
    createGoLive({
      brand: async (brandId) => (await brandStore().get(brandId))?.config,
      brandDirectory: runtime.brandDirectory,
      revocations: runtime.revocationStore,
      links: links(),
      secrets: runtime.secretSource,
      claims: new CiamClaimSource({ fetch: fetchOut, timeoutMs: BudgetDefaults.claimsTimeoutMs }),
      fetch: fetchOut,
      jwks: { get: httpsOnly(guardedHttpGet({ policy }), { allowHttp }), now: Date.now },
      audit: runtime.auditLog,
      subjectHasher: runtime.subjectHasher,
      now: Date.now,
    }),
  ),
});
