// Composition root of the admin function: settings at cold start, AWS clients on first request.
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { guardedFetch } from '../../shared/adapters/guarded-http.js';
import { SsmSecretSource } from '../../shared/adapters/ssm-secret-source.js';
import { createAuditLogger, StructuredAuditLog } from '../../shared/audit/structured-audit-log.js';
import { BrandAdmin } from '../../shared/config/brand-admin.js';
import { EnvNames, loadSettings } from '../../shared/env.js';
import { createLogger } from '../../shared/observability/logger.js';
import { lazy } from '../../shared/runtime/core-runtime.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const runtime = createGatewayRuntime(settings);
const adminKey = process.env[EnvNames.LOCAL_ADMIN_KEY];
// The local stack (admin key set) runs its CIAM on loopback; a deployed stage never does.
const localStack = adminKey !== undefined && adminKey !== '';

export const handler = createHandler({
  logger: createLogger('admin', settings.logLevel),
  ...(adminKey ? { adminKey } : {}),
  admin: lazy(
    () =>
      new BrandAdmin({
        store: runtime.brandStore,
        secretWriter: runtime.secretWriter,
        secretReader: new SsmSecretSource({ ssm: runtime.ssm }),
        audit: new StructuredAuditLog({ logger: createAuditLogger('admin') }),
        ssmPrefix: settings.ssmPrefix,
        links: new DynamoLinkStore({ documentClient: runtime.documentClient, tableName: settings.tables.links }),
        onChange: () => runtime.brandDirectory.clear(),
        allowLoopbackUrls: localStack,
        // Save-time JWKS and discovery fetches: every connection's address checked as it is made.
        fetch: guardedFetch({ policy: { allowLoopback: localStack } }),
      }),
  ),
});
