// What both logout functions (app logout, back-channel logout) take from the runtime: their logger, the
// revocation list, the brands and the audit trail, and the clock.
import { createLogger } from '../observability/logger.js';
import type { GatewayRuntime } from './gateway-runtime.js';

export function buildLogoutDeps(functionName: string, runtime: GatewayRuntime) {
  return {
    logger: createLogger(functionName, runtime.settings.logLevel),
    store: runtime.revocationStore,
    brands: runtime.brandDirectory,
    audit: runtime.auditLog,
    now: Date.now,
  };
}
