// Bench-only composition root of the authorizer: the real handler, brand config and JWKS from loopback
// peers named in BENCH_CONFIG_URL. Bundled by bench/run.ts exactly like the deployed function.
import { createHandler } from '../../functions/authorizer/handler.js';
import { guardedHttpGet } from '../../shared/adapters/node-http-get.js';
import { setJwksCacheDefaults } from '../../shared/auth/jwks-cache.js';
import { outboundPolicyFor } from '../../shared/http/address-policy.js';
import type { AuditLog } from '../../shared/audit/audit-event.js';
import { createLogger } from '../../shared/observability/logger.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { remoteBrandDirectory } from './bench-brand-directory.js';

const noAudit: AuditLog = { record: () => undefined };
// The JWKS transport the deployed runtime sets (createCoreRuntime), with the local stage's loopback allowance.
setJwksCacheDefaults({ now: Date.now, get: guardedHttpGet({ policy: outboundPolicyFor('local') }) });

export const handler = createHandler({
  brandDirectory: remoteBrandDirectory(process.env.BENCH_CONFIG_URL ?? 'http://127.0.0.1:1/brands'),
  revocationChecker: NeverRevoked,
  auditLog: noAudit,
  logger: createLogger('authorizer'),
  now: Date.now,
});
