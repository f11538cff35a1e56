// The authorizer's slice of the functions' composition root: the DynamoDB client, the brand directory
// (zod/mini read path), the revocation list and the audit trail, each built lazily on first use. It imports
// neither the SSM client nor zod classic, so the authorizer bundle stays small; gateway-runtime.ts adds the
// rest for the other functions.
import { getBrandItem, queryBrandItemsByIssuer, scanBrandItems } from '../adapters/dynamo-brand-scan.js';
import { createDocumentClient, createDynamoClient, type DynamoDBDocumentClient } from '../adapters/dynamo-client.js';
import type { AuditLog } from '../audit/audit-event.js';
import { createAuditLogger, StructuredAuditLog } from '../audit/structured-audit-log.js';
import { keyedSubjectHasher, processSubjectHasher, type SubjectHasher } from '../audit/subject-hasher.js';
import { guardedHttpGet } from '../adapters/node-http-get.js';
import { createCurrentRulesCheck, type CurrentRulesCheck } from '../auth/current-rules.js';
import { setJwksCacheDefaults } from '../auth/jwks-cache.js';
import { createTokenVerifier } from '../auth/verify-access-token.js';
import { parseStoredBrandConfig } from '../config/brand-item-parser.js';
import { CachedBrandDirectory } from '../config/cached-brand-directory.js';
import type { GatewaySettings } from '../env.js';
import type { AuthGuard } from '../http/api-handler.js';
import { outboundPolicyFor } from '../http/address-policy.js';
import { httpsOnly } from '../http/outbound-url.js';
import { createGatewayMetrics, type GatewayMetrics } from '../observability/metrics.js';
import { NoTracing, type Tracing } from '../observability/tracing.js';
import { CachedRevocationChecker } from '../revocation/cached-revocation-checker.js';
import { DynamoRevocationStore } from '../adapters/dynamo-revocation-store.js';
import type { RevocationChecker, RevocationStore } from '../revocation/revocation-checker.js';
import { createRevocationGuard } from '../revocation/revocation-guard.js';
import { lazyObject } from './lazy.js';

export interface GatewayRuntimeOptions {
  /** Injected clock (epoch ms) for the caches; defaults to Date.now. */
  now?: () => number;
  /** Called when a brand index refresh fails (e.g. to log it); lookups then serve stale or fail closed. */
  onConfigRefreshError?: (error: unknown, servingStale: boolean) => void;
  /** Called for stored brand items that no longer parse (left out of the index). */
  onInvalidBrandItem?: (brandId: string, error: unknown) => void;
  /** Service name of the audit lines and metrics (the function name); defaults to `ciam-gateway`. */
  serviceName?: string;
  /** The document client to use instead of the default one (tests: dynalite with a command-counting middleware). */
  documentClient?: DynamoDBDocumentClient /** Told about failed JWKS fetches of the container's caches (for logging). */;
  onJwksFetchError?: (error: unknown) => void;
  /** Told when the subject-hash key cannot be read (the lines are then written without the subject). */
  onSubjectKeyError?: (error: unknown) => void;
  /** The function's tracing (loadTracing); defaults to none. */
  tracing?: Tracing;
}

/** What the authorizer needs of the runtime. */
export interface CoreRuntime {
  readonly settings: GatewaySettings;
  /** lib-dynamodb document client (removeUndefinedValues). */
  readonly documentClient: DynamoDBDocumentClient;
  /**
   * Brands cached per issuer and id for CONFIG_CACHE_TTL_SECONDS: a cold lookup reads the one brand it needs
   * (Query on the issuer index / GetItem), never a Scan; warm lookups make no AWS call. The full index is
   * scanned off the request path after a lookup for an unknown issuer or id (cheap negative answers).
   */
  readonly brandDirectory: CachedBrandDirectory;
  /** The revocation list (strongly consistent reads): logout writes, back-channel replay markers. */
  readonly revocationStore: RevocationStore;
  /** The authorizer's revocation check: cached for REVOCATION_CACHE_TTL_SECONDS (bounded staleness). */
  readonly authorizerRevocationChecker: RevocationChecker;
  /** Uncached revocation guard for createAuthenticatedApiHandler's `guards` (audits a deny on refusal). */
  readonly revocationGuard: AuthGuard;
  /**
   * The brand-revision check for createAuthenticatedApiHandler's `currentRules`: a cached Allow decided under
   * another brand revision is verified again under the current rules (its own verifier and token cache).
   */
  readonly currentRules: CurrentRulesCheck;
  /** EMF metrics (namespace CiamGateway, dimensions service + stage). */
  readonly metrics: GatewayMetrics;
  /** Audit trail: JSON lines through a dedicated INFO logger, plus metrics. */
  readonly auditLog: AuditLog;
  /** The stage's keyed subject hash (HMAC under SUBJECT_HASH_KEY_PARAMETER, read once and cached). */
  readonly subjectHasher: SubjectHasher;
  /** X-Ray subsegments of the peer calls (NoTracing when tracing is off). */
  readonly tracing: Tracing;
}

/** Builds the authorizer's runtime for one Lambda container; nothing is constructed until a getter is read. */
export function createCoreRuntime(settings: GatewaySettings, options: GatewayRuntimeOptions = {}): CoreRuntime {
  const now = options.now ?? Date.now;
  const tracing = options.tracing ?? NoTracing;
  // Every JWKS cache of the container (the authorizer's tokens, logout hints, ID tokens of post-auth calls) gets
  // node:http(s), which the AWS SDK loads anyway (a first fetch() loads undici, 20-30 ms), and never plain http
  // outside the local stage, whatever a brand item says; every connection's resolved address is checked as it
  // is made (DNS rebinding). Caches created after this call use it.
  setJwksCacheDefaults({
    now,
    get: tracing.traceGet(
      httpsOnly(guardedHttpGet({ policy: outboundPolicyFor(settings.stage) }), {
        allowHttp: settings.stage === 'local',
      }),
      'jwks',
    ),
    ...(options.onJwksFetchError ? { onFetchError: options.onJwksFetchError } : {}),
  });
  const serviceName = options.serviceName ?? 'ciam-gateway';
  const brandReads = () => ({
    documentClient: runtime.documentClient,
    tableName: settings.tables.brands,
    parse: parseStoredBrandConfig,
    onInvalidItem: options.onInvalidBrandItem,
  });
  const runtime: CoreRuntime = lazyObject<CoreRuntime>({
    settings: () => settings,
    tracing: () => tracing,
    documentClient: () =>
      options.documentClient ?? createDocumentClient(tracing.captureAwsClient(createDynamoClient())),
    brandDirectory: () =>
      new CachedBrandDirectory({
        loadBrands: async () => (await scanBrandItems(brandReads())).sort((a, b) => a.brandId.localeCompare(b.brandId)),
        loadByIssuer: (issuer) => queryBrandItemsByIssuer(brandReads(), issuer),
        loadById: (brandId) => getBrandItem(brandReads(), brandId),
        ttlSeconds: settings.configCacheTtlSeconds,
        staleIfErrorSeconds: settings.configStaleIfErrorSeconds,
        now,
        ...(options.onConfigRefreshError ? { onRefreshError: options.onConfigRefreshError } : {}),
      }),
    revocationStore: () =>
      new DynamoRevocationStore({
        documentClient: runtime.documentClient,
        tableName: settings.tables.revocations,
        now,
      }),
    authorizerRevocationChecker: () =>
      new CachedRevocationChecker(runtime.revocationStore, { ttlSeconds: settings.revocationCacheTtlSeconds, now }),
    metrics: () => createGatewayMetrics(serviceName, settings.stage),
    subjectHasher: () => subjectHasherFor(settings, tracing, options.onSubjectKeyError),
    auditLog: () => new StructuredAuditLog({ logger: createAuditLogger(serviceName), metrics: runtime.metrics, now }),
    revocationGuard: () =>
      createRevocationGuard(runtime.revocationStore, {
        onRevoked: (auth, reason) =>
          runtime.auditLog.record({
            type: 'authz.decision',
            outcome: 'deny',
            reason,
            brandId: auth.brandId,
            ...(auth.subjectHash ? { subjectHash: auth.subjectHash } : {}),
            details: { checkedBy: 'handler' },
          }),
      }),
    currentRules: () =>
      createCurrentRulesCheck({
        brandDirectory: runtime.brandDirectory,
        verifier: createTokenVerifier({ brandDirectory: runtime.brandDirectory, now }),
        // One authz.decision per re-decision, with the verifier's own reason code (as the authorizer audits).
        onRecheck: (auth, outcome) =>
          runtime.auditLog.record({
            type: 'authz.decision',
            outcome: outcome === 'allowed' ? 'allow' : 'deny',
            reason: outcome === 'allowed' ? 'ALLOWED' : outcome,
            brandId: auth.brandId,
            ...(auth.subjectHash ? { subjectHash: auth.subjectHash } : {}),
            details: { checkedBy: 'handler-recheck', tokenHash: auth.tokenHash },
          }),
      }),
  });
  return runtime;
}

/**
 * The keyed hasher of the stage. The key is read with decryption through SSM on the first hash (the SSM client
 * module is loaded then, not at cold start), kept for the container's life, and read again after a failure.
 */
function subjectHasherFor(
  settings: GatewaySettings,
  tracing: Tracing,
  onKeyError?: (error: unknown) => void,
): SubjectHasher {
  const parameter = settings.subjectHashKeyParameter;
  if (parameter === undefined) return processSubjectHasher();
  let key: Promise<string> | undefined;
  const loadKey = () => {
    key ??= import('../adapters/aws-clients.js')
      .then(async ({ createSsmClient }) => {
        const { SsmSecretSource } = await import('../adapters/ssm-secret-source.js');
        return new SsmSecretSource({ ssm: tracing.captureAwsClient(createSsmClient()) }).getSecret(parameter);
      })
      .catch((error: unknown) => {
        key = undefined;
        throw error;
      });
    return key;
  };
  return keyedSubjectHasher(loadKey, onKeyError);
}
