// Builds the dependencies of the five post-auth functions from the gateway runtime (the lazy
// composition root): per-brand Capillary clients over an instrumented fetch, the CIAM claim source, and the
// runtime's link store, audit log and uncached revocation guard. Called once per cold start.
import { DynamoLinkStore } from '../adapters/dynamo-link-store.js';
import { DynamoRateWindowStore } from '../adapters/dynamo-rate-window-store.js';
import { guardedFetch } from '../adapters/guarded-http.js';
import { outboundPolicyFor } from '../http/address-policy.js';
import { CapillaryClients } from '../capillary/capillary-client.js';
import { CircuitBreakers } from '../capillary/circuit-breaker.js';
import { httpsOnly } from '../http/outbound-url.js';
import { createLogger } from '../observability/logger.js';
import {
  type GatewayMetrics,
  instrumentCapillaryFetch,
  recordCircuitCall,
  recordCircuitTransition,
} from '../observability/metrics.js';
import type { AuditLog } from '../audit/audit-event.js';
import type { CurrentRulesCheck } from '../auth/current-rules.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { SecretSource } from '../config/secret-source.js';
import type { LinkStore } from '../customer/link-store.js';
import type { GatewaySettings } from '../env.js';
import type { AuthGuard } from '../http/api-handler.js';
import type { Tracing } from '../observability/tracing.js';
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
  /** The link store; absent: the DynamoDB store on the links table (tests pass their own). */
  readonly links?: LinkStore;
  /** The uncached revocation guard. */
  readonly revocationGuard: AuthGuard;
  /** The brand-revision check (the runtime's `currentRules`). */
  readonly currentRules?: CurrentRulesCheck;
  readonly metrics: GatewayMetrics;
  readonly auditLog: AuditLog;
  /** X-Ray subsegments of the Capillary and userinfo calls (the runtime's; none when absent). */
  readonly tracing?: Tracing;
}

/** The deps of one post-auth function (`functionName` names its logger). */
export function buildPostAuthDeps(functionName: string, runtime: PostAuthRuntime): PostAuthHandlerDeps {
  const logger = createLogger(functionName, runtime.settings.logLevel);
  // Capillary and userinfo connections are checked where they are made: public addresses only (loopback too on
  // the local stage), never plain http outside it, whatever the brand item says.
  const allowHttp = runtime.settings.stage === 'local';
  const outbound = httpsOnly(guardedFetch({ policy: outboundPolicyFor(runtime.settings.stage) }), { allowHttp });
  const capillaryFetch = instrumentCapillaryFetch(outbound, runtime.metrics);
  const { tracing } = runtime;
  return {
    logger,
    guards: [runtime.revocationGuard],
    ...(runtime.currentRules ? { currentRules: runtime.currentRules } : {}),
    corsAllowedOrigins: runtime.settings.corsAllowedOrigins,
    brands: runtime.brandDirectory,
    services: {
      capillary: new CapillaryClients({
        secrets: runtime.secretSource,
        logger,
        breakers: new CircuitBreakers({
          listener: {
            onCall: (brandId, outcome) => recordCircuitCall(runtime.metrics, brandId, outcome),
            onTransition: (brandId, from, to) => {
              logger.warn('capillary circuit', { brandId, from, to });
              recordCircuitTransition(runtime.metrics, brandId, to);
            },
          },
        }),
        fetch: capillaryFetch,
        // Each call a `capillary` subsegment annotated with its brand, where tracing is on.
        ...(tracing?.enabled
          ? { brandFetch: (brandId: string) => tracing.traceFetch(capillaryFetch, 'capillary', { brandId }) }
          : {}),
        // Brands' Capillary rate limits are counted across the stage's containers (links table, TTL items).
        rateStore: new DynamoRateWindowStore({
          documentClient: runtime.documentClient,
          tableName: runtime.settings.tables.links,
        }),
        onRateStoreError: (error) =>
          logger.warn('capillary rate limit counters unavailable; counting in this container', { error }),
      }),
      links:
        runtime.links ??
        new DynamoLinkStore({ documentClient: runtime.documentClient, tableName: runtime.settings.tables.links }),
      // The userinfo call is not cut to the deadline: its timeout is part of the worst-case budget.
      claims: new CiamClaimSource({
        fetch: tracing ? tracing.traceFetch(outbound, 'userinfo') : outbound,
        timeoutMs: BudgetDefaults.claimsTimeoutMs,
      }),
      audit: runtime.auditLog,
    },
  };
}
