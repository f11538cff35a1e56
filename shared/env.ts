// Environment variable names shared by the functions, the CDK stack and the local stack, and the
// parser that turns process.env into a typed settings object at cold start (never deep inside).
import { ConfigError } from './errors.js';

export const EnvNames = {
  BRANDS_TABLE: 'BRANDS_TABLE',
  LINKS_TABLE: 'LINKS_TABLE',
  REVOCATIONS_TABLE: 'REVOCATIONS_TABLE',
  AUDIT_TABLE: 'AUDIT_TABLE',
  SSM_PREFIX: 'SSM_PREFIX',
  STAGE: 'STAGE',
  /** Seconds a brand config read stays fresh in a warm Lambda. */
  CONFIG_CACHE_TTL_SECONDS: 'CONFIG_CACHE_TTL_SECONDS',
  /** Seconds a stale config may still be served while DynamoDB/SSM fail; then fail closed. */
  CONFIG_STALE_IF_ERROR_SECONDS: 'CONFIG_STALE_IF_ERROR_SECONDS',
  /** Seconds the authorizer caches revocation-list answers (bounded staleness). */
  REVOCATION_CACHE_TTL_SECONDS: 'REVOCATION_CACHE_TTL_SECONDS',
  /** API Gateway's authorizer result TTL; handlers report it, the stack sets it. */
  AUTHORIZER_CACHE_TTL_SECONDS: 'AUTHORIZER_CACHE_TTL_SECONDS',
  /** Comma-separated browser origins allowed by CORS on the functions' responses (the stack's CORS setting). */
  CORS_ALLOWED_ORIGINS: 'CORS_ALLOWED_ORIGINS',
  /** Customer KMS key (id or ARN) brand secrets are written with; unset = SSM's AWS-managed key. Admin only. */
  SECRETS_KMS_KEY_ID: 'SECRETS_KMS_KEY_ID',
  /** Only set by the local stack: admin key for the admin API. */
  LOCAL_ADMIN_KEY: 'LOCAL_ADMIN_KEY',
} as const;

export interface TableNames {
  brands: string;
  links: string;
  revocations: string;
}

export interface GatewaySettings {
  stage: string;
  tables: TableNames;
  ssmPrefix: string;
  configCacheTtlSeconds: number;
  configStaleIfErrorSeconds: number;
  revocationCacheTtlSeconds: number;
  authorizerCacheTtlSeconds: number;
  corsAllowedOrigins: string[];
  /** KMS key for SecureString writes (brand admin); undefined = the SSM AWS-managed key. */
  secretsKmsKeyId?: string;
}

type Env = Record<string, string | undefined>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(`Environment variable ${name} is required`);
  return value;
}

function seconds(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 86_400) {
    throw new ConfigError(`Environment variable ${name} must be an integer number of seconds (0-86400)`);
  }
  return value;
}

function origins(env: Env, name: string): string[] {
  const raw = env[name] ?? '';
  const list = raw
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      throw new ConfigError(`Environment variable ${name} must list origins such as https://app.example.com`);
    }
  }
  return list;
}

function optional<K extends string>(env: Env, name: string, key: K): Partial<Record<K, string>> {
  const value = env[name];
  return value ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}

/** Reads the settings every function shares; throws ConfigError at cold start when one is missing. */
export function loadSettings(env: Env): GatewaySettings {
  return {
    stage: env[EnvNames.STAGE] ?? 'local',
    tables: {
      brands: required(env, EnvNames.BRANDS_TABLE),
      links: required(env, EnvNames.LINKS_TABLE),
      revocations: required(env, EnvNames.REVOCATIONS_TABLE),
    },
    ssmPrefix: env[EnvNames.SSM_PREFIX] ?? '/ciam-gateway/local',
    configCacheTtlSeconds: seconds(env, EnvNames.CONFIG_CACHE_TTL_SECONDS, 60),
    configStaleIfErrorSeconds: seconds(env, EnvNames.CONFIG_STALE_IF_ERROR_SECONDS, 900),
    revocationCacheTtlSeconds: seconds(env, EnvNames.REVOCATION_CACHE_TTL_SECONDS, 5),
    authorizerCacheTtlSeconds: seconds(env, EnvNames.AUTHORIZER_CACHE_TTL_SECONDS, 300),
    corsAllowedOrigins: origins(env, EnvNames.CORS_ALLOWED_ORIGINS),
    ...optional(env, EnvNames.SECRETS_KMS_KEY_ID, 'secretsKmsKeyId'),
  };
}
