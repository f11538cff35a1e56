// Builds the dependencies of the five post-auth functions from the gateway runtime (the lazy
// composition root): per-brand Capillary clients over an instrumented fetch, the DynamoDB link store, the
// CIAM claim source, the runtime's audit log and its uncached revocation guard. Called once per cold start.
import { DynamoLinkStore } from '../adapters/dynamo-link-store.js';
import { CapillaryClients } from '../capillary/capillary-client.js';
import { httpsOnly } from '../http/outbound-url.js';
import { createLogger } from '../observability/logger.js';
import { type GatewayMetrics, instrumentCapillaryFetch } from '../observability/metrics.js';
import type { AuditLog } from '../audit/audit-event.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { SecretSource } from '../config/secret-source.js';
import type { GatewaySettings } from '../env.js';
import type { AuthGuard } from '../http/api-handler.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import { CiamClaimSource } from '../customer/claim-source.js';
import type { PostAuthHandlerDeps } from '../customer/post-auth-ports.js';
import { BudgetDefaults } from '../customer/time-budget.js';

/** The parts of the runtime the post-auth functions use (a GatewayRuntime fits). */
export interface PostAuthRuntime {
  readonly settings: GatewaySettings;
  readonly brandDirectory: BrandDirectory;
  readonly secretSource: SecretSource;
  readonly documentClient: GatewayRuntime['documentClient'];
  /** The uncached revocation guard. */
  readonly revocationGuard: AuthGuard;
  readonly metrics: GatewayMetrics;
  readonly auditLog: AuditLog;
}

/** The deps of one post-auth function (`functionName` names its logger). */
export function buildPostAuthDeps(functionName: string, runtime: PostAuthRuntime): PostAuthHandlerDeps {
  const logger = createLogger(functionName, runtime.settings.logLevel);
  return {
    logger,
    guards: [runtime.revocationGuard],
    corsAllowedOrigins: runtime.settings.corsAllowedOrigins,
    brands: runtime.brandDirectory,
    services: {
      capillary: new CapillaryClients({
        secrets: runtime.secretSource,
        logger,
        fetch: instrumentCapillaryFetch((input, init) => globalThis.fetch(input, init), runtime.metrics),
      }),
      links: new DynamoLinkStore({ documentClient: runtime.documentClient, tableName: runtime.settings.tables.links }),
      // Outside the local stage userinfo is never fetched over plain http, whatever the brand item says.
      // The userinfo call is not cut to the deadline: its timeout is part of the worst-case budget.
      claims: new CiamClaimSource({
        fetch: httpsOnly((input, init) => globalThis.fetch(input, init), {
          allowHttp: runtime.settings.stage === 'local',
        }),
        timeoutMs: BudgetDefaults.claimsTimeoutMs,
      }),
      audit: runtime.auditLog,
    },
  };
}
