// Composition root of the authorizer: settings read once at cold start; the runtime builds its AWS clients
// and caches lazily on the first decision (no I/O at import). JWKS caches are per jwksUri, process-wide.
import { loadSettings } from '../../shared/env.js';
import { createLogger } from '../../shared/observability/logger.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const logger = createLogger('authorizer', settings.logLevel);
const runtime = createCoreRuntime(settings, {
  serviceName: 'authorizer',
  // X-Ray subsegments of the JWKS and DynamoDB calls where the stack turns tracing on; the Tracer (~127 KB) is
  // imported only then, so a stage without tracing pays none of its cold start.
  tracing: await loadTracing(settings.tracing, 'authorizer'),
  onConfigRefreshError: (error, servingStale) => logger.warn('brand config refresh failed', { error, servingStale }),
  onJwksFetchError: (error) => logger.warn('JWKS fetch failed', { error }),
  onSubjectKeyError: (error) => logger.error('subject-hash key unreadable', { error }),
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
  subjectHasher: (brandId, sub) => runtime.subjectHasher(brandId, sub),
  metrics: {
    count: (...args) => runtime.metrics.count(...args),
    milliseconds: (...args) => runtime.metrics.milliseconds(...args),
  },
  logger,
  now: Date.now,
});
