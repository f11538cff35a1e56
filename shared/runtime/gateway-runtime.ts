// The functions' shared composition root: AWS clients and the cached brand/secret readers, each built
// lazily on first use (no AWS call and no I/O at import or construction time) and then reused for the
// life of the Lambda container. index.ts files create one runtime at cold start and take what they need.
// The authorizer uses createCoreRuntime alone (no SSM client, no zod classic in its bundle).
import { createSsmClient, type SSMClient } from '../adapters/aws-clients.js';
import { SsmSecretSource } from '../adapters/ssm-secret-source.js';
import { CachedSecretSource } from '../config/cached-secret-source.js';
import type { GatewaySettings } from '../env.js';
import { type CoreRuntime, createCoreRuntime, type GatewayRuntimeOptions } from './core-runtime.js';
import { lazyObject } from './lazy.js';

export type { GatewayRuntimeOptions } from './core-runtime.js';

export interface GatewayRuntime extends CoreRuntime {
  readonly ssm: SSMClient;
  /** SSM SecureString reader, cached with the config TTL and stale-if-error window. */
  readonly secretSource: CachedSecretSource;
}

/** Builds the runtime for one Lambda container; nothing is constructed until a getter is first read. */
export function createGatewayRuntime(settings: GatewaySettings, options: GatewayRuntimeOptions = {}): GatewayRuntime {
  const now = options.now ?? Date.now;
  const core = createCoreRuntime(settings, options);
  const runtime: GatewayRuntime = lazyObject<Omit<GatewayRuntime, keyof CoreRuntime>, CoreRuntime>(
    {
      ssm: () => core.tracing.captureAwsClient(createSsmClient()),
      secretSource: () =>
        new CachedSecretSource({
          source: new SsmSecretSource({ ssm: runtime.ssm }),
          ttlSeconds: settings.configCacheTtlSeconds,
          staleIfErrorSeconds: settings.configStaleIfErrorSeconds,
          now,
        }),
    },
    core,
  );
  return runtime;
}
