// Composition root of POST /v1/auth/logout: settings at cold start, AWS clients built lazily by the runtime.
import { loadSettings } from '../../shared/env.js';
import { createLogger } from '../../shared/observability/logger.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const runtime = createGatewayRuntime(loadSettings(process.env), { serviceName: 'logout' });

export const handler = createHandler({
  logger: createLogger('logout', runtime.settings.logLevel),
  store: runtime.revocationStore,
  brands: runtime.brandDirectory,
  audit: runtime.auditLog,
  now: Date.now,
  corsAllowedOrigins: runtime.settings.corsAllowedOrigins,
  currentRules: runtime.currentRules,
});
