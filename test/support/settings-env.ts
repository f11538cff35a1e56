// A complete function environment for tests that call loadSettings (which defaults nothing).
import { EnvNames } from '../../shared/env.js';

export function settingsEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    [EnvNames.STAGE]: 'test',
    [EnvNames.LOG_LEVEL]: 'SILENT',
    [EnvNames.BRANDS_TABLE]: 'brands',
    [EnvNames.LINKS_TABLE]: 'links',
    [EnvNames.REVOCATIONS_TABLE]: 'revocations',
    [EnvNames.SSM_PREFIX]: '/ciam-gateway/test',
    [EnvNames.CONFIG_CACHE_TTL_SECONDS]: '60',
    [EnvNames.CONFIG_STALE_IF_ERROR_SECONDS]: '900',
    [EnvNames.REVOCATION_CACHE_TTL_SECONDS]: '5',
    [EnvNames.AUTHORIZER_CACHE_TTL_SECONDS]: '300',
    [EnvNames.CORS_ALLOWED_ORIGINS]: '',
    ...overrides,
  };
}
