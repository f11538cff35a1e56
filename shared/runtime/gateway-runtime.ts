// The functions' shared composition root: AWS clients and the cached brand/secret readers, each built
// lazily on first use (no AWS call and no I/O at import or construction time) and then reused for the
// life of the Lambda container. index.ts files create one runtime at cold start and take what they need.
import {
  createDocumentClient,
  createSsmClient,
  type DynamoDBDocumentClient,
  type SSMClient,
} from '../adapters/aws-clients.js';
import { DynamoBrandStore } from '../adapters/dynamo-brand-store.js';
import { SsmSecretSource, SsmSecretWriter } from '../adapters/ssm-secret-source.js';
import { CachedBrandDirectory } from '../config/cached-brand-directory.js';
import { CachedSecretSource } from '../config/cached-secret-source.js';
import type { SecretWriter } from '../config/secret-writer.js';
import type { GatewaySettings } from '../env.js';
import type { AuditLog } from '../audit/audit-event.js';
import { hashSubject } from '../audit/redaction.js';
import { createAuditLogger, StructuredAuditLog } from '../audit/structured-audit-log.js';
import type { AuthGuard } from '../http/api-handler.js';
import { createGatewayMetrics, type GatewayMetrics } from '../observability/metrics.js';
import { CachedRevocationChecker } from '../revocation/cached-revocation-checker.js';
import { DynamoRevocationStore } from '../revocation/dynamo-revocation-store.js';
import type { RevocationChecker, RevocationStore } from '../revocation/revocation-checker.js';
import { createRevocationGuard } from '../revocation/revocation-guard.js';

export interface GatewayRuntimeOptions {
  /** Injected clock (epoch ms) for the caches; defaults to Date.now. */
  now?: () => number;
  /** Called when a brand index refresh fails (e.g. to log it); lookups then serve stale or fail closed. */
  onConfigRefreshError?: (error: unknown, servingStale: boolean) => void;
  /** Called for stored brand items that no longer parse (left out of the index). */
  onInvalidBrandItem?: (brandId: string, error: unknown) => void;
  /** Service name of the audit lines and metrics (the function name); defaults to `ciam-gateway`. */
  serviceName?: string;
}

export interface GatewayRuntime {
  readonly settings: GatewaySettings;
  /** lib-dynamodb document client (removeUndefinedValues). */
  readonly documentClient: DynamoDBDocumentClient;
  readonly ssm: SSMClient;
  /** Versioned brand records (brand administration). */
  readonly brandStore: DynamoBrandStore;
  /** Every brand in memory, refreshed every CONFIG_CACHE_TTL_SECONDS; warm lookups make no AWS call. */
  readonly brandDirectory: CachedBrandDirectory;
  /** SSM SecureString reader, cached with the config TTL and stale-if-error window. */
  readonly secretSource: CachedSecretSource;
  /** SSM SecureString writer (brand administration only). */
  readonly secretWriter: SecretWriter;
  /** The revocation list (strongly consistent reads): logout writes, back-channel replay markers. */
  readonly revocationStore: RevocationStore;
  /** The authorizer's revocation check: cached for REVOCATION_CACHE_TTL_SECONDS (bounded staleness). */
  readonly authorizerRevocationChecker: RevocationChecker;
  /** Uncached revocation guard for createAuthenticatedApiHandler's `guards` (audits a deny on refusal). */
  readonly revocationGuard: AuthGuard;
  /** EMF metrics (namespace CiamGateway, dimensions service + stage). */
  readonly metrics: GatewayMetrics;
  /** Audit trail: JSON lines through a dedicated INFO logger, plus metrics. */
  readonly auditLog: AuditLog;
}

/** Memoizes a factory: the value is built on first access only. */
function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T | undefined;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/** Builds the runtime for one Lambda container; nothing is constructed until a getter is first read. */
export function createGatewayRuntime(settings: GatewaySettings, options: GatewayRuntimeOptions = {}): GatewayRuntime {
  const now = options.now ?? Date.now;
  const documentClient = lazy(() => createDocumentClient());
  const ssm = lazy(() => createSsmClient());
  const brandStore = lazy(
    () =>
      new DynamoBrandStore({
        documentClient: documentClient(),
        tableName: settings.tables.brands,
        now,
        ...(options.onInvalidBrandItem ? { onInvalidItem: options.onInvalidBrandItem } : {}),
      }),
  );
  const brandDirectory = lazy(
    () =>
      new CachedBrandDirectory({
        loadBrands: async () => (await brandStore().list()).map((brand) => brand.config),
        ttlSeconds: settings.configCacheTtlSeconds,
        staleIfErrorSeconds: settings.configStaleIfErrorSeconds,
        now,
        ...(options.onConfigRefreshError ? { onRefreshError: options.onConfigRefreshError } : {}),
      }),
  );
  const secretSource = lazy(
    () =>
      new CachedSecretSource({
        source: new SsmSecretSource({ ssm: ssm() }),
        ttlSeconds: settings.configCacheTtlSeconds,
        staleIfErrorSeconds: settings.configStaleIfErrorSeconds,
        now,
      }),
  );
  const secretWriter = lazy(() => new SsmSecretWriter({ ssm: ssm() }));
  const serviceName = options.serviceName ?? 'ciam-gateway';
  const revocationStore = lazy(
    () => new DynamoRevocationStore({ documentClient: documentClient(), tableName: settings.tables.revocations, now }),
  );
  const authorizerRevocationChecker = lazy(
    () => new CachedRevocationChecker(revocationStore(), { ttlSeconds: settings.revocationCacheTtlSeconds, now }),
  );
  const metrics = lazy(() => createGatewayMetrics(serviceName, settings.stage));
  const auditLog = lazy(
    () => new StructuredAuditLog({ logger: createAuditLogger(serviceName), metrics: metrics(), now }),
  );
  const revocationGuard = lazy(() =>
    createRevocationGuard(revocationStore(), {
      onRevoked: (auth, reason) =>
        auditLog().record({
          type: 'authz.decision',
          outcome: 'deny',
          reason,
          brandId: auth.brandId,
          subjectHash: hashSubject(auth.brandId, auth.sub),
          details: { checkedBy: 'handler' },
        }),
    }),
  );
  return {
    settings,
    get documentClient() {
      return documentClient();
    },
    get ssm() {
      return ssm();
    },
    get brandStore() {
      return brandStore();
    },
    get brandDirectory() {
      return brandDirectory();
    },
    get secretSource() {
      return secretSource();
    },
    get secretWriter() {
      return secretWriter();
    },
    get revocationStore() {
      return revocationStore();
    },
    get authorizerRevocationChecker() {
      return authorizerRevocationChecker();
    },
    get revocationGuard() {
      return revocationGuard();
    },
    get metrics() {
      return metrics();
    },
    get auditLog() {
      return auditLog();
    },
  };
}
