// Composition root of the admin function: settings at cold start, AWS clients on first request.
import { DynamoLinkStore } from '../../shared/adapters/dynamo-link-store.js';
import { DynamoBrandStore } from '../../shared/adapters/dynamo-brand-store.js';
import { SsmSecretSource, SsmSecretWriter } from '../../shared/adapters/ssm-secret-source.js';
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

export const handler = createHandler({
  logger: createLogger('admin', settings.logLevel),
  ...(adminKey ? { adminKey } : {}),
  admin: lazy(
    () =>
      new BrandAdmin({
        // The brand writer and the secret writer are the admin function's alone (not in the shared runtime, so no
        // other function's code, or role, reaches them).
        store: new DynamoBrandStore({ documentClient: runtime.documentClient, tableName: settings.tables.brands }),
        secretWriter: new SsmSecretWriter({ ssm: runtime.ssm, kmsKeyId: settings.secretsKmsKeyId }),
        secretReader: new SsmSecretSource({ ssm: runtime.ssm }),
        audit: new StructuredAuditLog({ logger: createAuditLogger('admin') }),
        ssmPrefix: settings.ssmPrefix,
        links: new DynamoLinkStore({ documentClient: runtime.documentClient, tableName: settings.tables.links }),
        onChange: () => runtime.brandDirectory.clear(),
        // The local stack (admin key set) runs its CIAM on loopback; a deployed stage never does.
        allowLoopbackUrls: adminKey !== undefined && adminKey !== '',
        // Warn when the org does not know the brand's OAUTH_EXTERNAL account, or phoneDefaultCountry is unset.
        orgChecks: true,
      }),
  ),
});
