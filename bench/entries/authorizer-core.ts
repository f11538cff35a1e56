// Bench-only variant of entries/authorizer.ts whose brand loader skips schema validation, to isolate what
// the zod classic import costs the cold start (the brand list comes from the bench's own trusted server).
import { createHandler } from '../../functions/authorizer/handler.js';
import { guardedHttpGet } from '../../shared/adapters/node-http-get.js';
import { setJwksCacheDefaults } from '../../shared/auth/jwks-cache.js';
import { outboundPolicyFor } from '../../shared/http/address-policy.js';
import type { AuditLog } from '../../shared/audit/audit-event.js';
import type { BrandConfig } from '../../shared/config/brand-config.js';
import type { BrandDirectory } from '../../shared/config/brand-directory.js';
import { createLogger } from '../../shared/observability/logger.js';
import { NeverRevoked } from '../../shared/revocation/revocation-checker.js';
import { IndexedBrandDirectory } from './indexed-brand-directory.js';

const noAudit: AuditLog = { record: () => undefined };
// The JWKS transport the deployed runtime sets (createCoreRuntime), with the local stage's loopback allowance.
setJwksCacheDefaults({ now: Date.now, get: guardedHttpGet({ policy: outboundPolicyFor('local') }) });
const url = process.env.BENCH_CONFIG_URL ?? 'http://127.0.0.1:1/brands';
let loading: Promise<IndexedBrandDirectory> | undefined;
const load = () => {
  // Bench-only: the served brand objects are complete BrandConfig values built by bench/run.ts.
  loading ??= fetch(url)
    .then((r) => r.json())
    .then((items) => new IndexedBrandDirectory(items as BrandConfig[]));
  return loading;
};
const brandDirectory: BrandDirectory = {
  getBrand: async (id) => (await load()).getBrand(id),
  findByIssuer: async (issuer) => (await load()).findByIssuer(issuer),
};

export const handler = createHandler({
  brandDirectory,
  revocationChecker: NeverRevoked,
  auditLog: noAudit,
  logger: createLogger('authorizer'),
  now: Date.now,
});
