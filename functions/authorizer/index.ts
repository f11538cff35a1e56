// Composition root of the authorizer: settings read once at cold start; the runtime builds its AWS clients
// and caches lazily on the first decision (no I/O at import). JWKS caches are per jwksUri, process-wide.
import { setJwksCacheDefaults } from '../../shared/auth/jwks-cache.js';
import { loadSettings } from '../../shared/env.js';
import { nodeHttpGet } from '../../shared/adapters/node-http-get.js';
import { httpsOnly } from '../../shared/http/outbound-url.js';
import { createLogger } from '../../shared/observability/logger.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const logger = createLogger('authorizer', settings.logLevel);
const runtime = createCoreRuntime(settings, {
  serviceName: 'authorizer',
  onConfigRefreshError: (error, servingStale) => logger.warn('brand config refresh failed', { error, servingStale }),
});
setJwksCacheDefaults({
  onFetchError: (error) => logger.warn('JWKS fetch failed', { error }),
  // Outside the local stage a JWKS is never fetched over plain http, whatever the brand item says.
  // node:http(s), loaded by the AWS SDK already: the first fetch() of a container would load undici first.
  get: httpsOnly(nodeHttpGet, { allowHttp: runtime.settings.stage === 'local' }),
});

export const handler = createHandler({
  // Property reads are deferred to the first call so nothing is constructed at import time.
  brandDirectory: {
    getBrand: (brandId) => runtime.brandDirectory.getBrand(brandId),
    findByIssuer: (issuer) => runtime.brandDirectory.findByIssuer(issuer),
    peekByIssuer: (issuer) => runtime.brandDirectory.peekByIssuer?.(issuer),
  },
  revocationChecker: { check: (query) => runtime.authorizerRevocationChecker.check(query) },
  auditLog: { record: (event) => runtime.auditLog.record(event) },
  logger,
  now: Date.now,
});
