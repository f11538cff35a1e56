// Environment variable names shared by the functions, the CDK stack and the local stack, and the
// parser that turns process.env into a typed settings object at cold start (never deep inside).
// Nothing is defaulted: the stack and the local stack set every variable, so a missing one is a deploy bug,
// reported together with every other missing or malformed one in a single ConfigError.
import { ConfigError } from './errors.js';

export const EnvNames = {
  BRANDS_TABLE: 'BRANDS_TABLE',
  LINKS_TABLE: 'LINKS_TABLE',
  REVOCATIONS_TABLE: 'REVOCATIONS_TABLE',
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
  /** Powertools log level of the function's loggers (DEBUG, INFO, WARN, ERROR; SILENT for tests). */
  LOG_LEVEL: 'LOG_LEVEL',
  /** Customer KMS key (id or ARN) brand secrets are written with; unset = SSM's AWS-managed key. Admin only. */
  SECRETS_KMS_KEY_ID: 'SECRETS_KMS_KEY_ID',
  /**
   * SSM name of the stage's subject-hash key (SecureString, or `/aws/reference/secretsmanager/<secret>`): logs hash
   * users with it (HMAC). Unset = a key of the process only (tools, local runs).
   */
  SUBJECT_HASH_KEY_PARAMETER: 'SUBJECT_HASH_KEY_PARAMETER',
  /** `true` where the stack turns X-Ray tracing on: the functions then record their peer calls (tracing.ts). */
  POWERTOOLS_TRACE_ENABLED: 'POWERTOOLS_TRACE_ENABLED',
  /** Only set by the local stack: admin key for the admin API. */
  LOCAL_ADMIN_KEY: 'LOCAL_ADMIN_KEY',
} as const;

const LogLevels = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT'] as const;
export type LogLevel = (typeof LogLevels)[number];

export interface TableNames {
  brands: string;
  links: string;
  revocations: string;
}

/** What every function reads, the health function included. */
export interface BaseSettings {
  stage: string;
  logLevel: LogLevel;
}

export interface GatewaySettings extends BaseSettings {
  tables: TableNames;
  ssmPrefix: string;
  configCacheTtlSeconds: number;
  configStaleIfErrorSeconds: number;
  revocationCacheTtlSeconds: number;
  authorizerCacheTtlSeconds: number;
  corsAllowedOrigins: string[];
  /** KMS key for SecureString writes (brand admin); undefined = the SSM AWS-managed key. */
  secretsKmsKeyId?: string;
  /** SSM name of the stage's subject-hash key; undefined = a key of the process only. */
  subjectHashKeyParameter?: string;
  /** X-Ray subsegments for peer calls (POWERTOOLS_TRACE_ENABLED=true); unset = off. */
  tracing?: boolean;
}

type Env = Record<string, string | undefined>;

/** Reads variables and collects every problem, so one cold-start error names all of them. */
class EnvReader {
  readonly problems: string[] = [];
  private readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  /** A non-empty value. */
  text(name: string): string {
    const value = this.env[name];
    if (!value) this.problems.push(`${name} is required`);
    return value ?? '';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.text(name);
    if (value && !allowed.includes(value as T)) this.problems.push(`${name} must be one of ${allowed.join(', ')}`);
    return value as T;
  }

  seconds(name: string): number {
    const raw = this.text(name);
    const value = Number(raw);
    if (raw && (!Number.isInteger(value) || value < 0 || value > 86_400)) {
      this.problems.push(`${name} must be an integer number of seconds (0-86400)`);
    }
    return value;
  }

  /** A comma-separated list of origins; present but possibly empty (no CORS). */
  origins(name: string): string[] {
    const raw = this.env[name];
    if (raw === undefined) {
      this.problems.push(`${name} is required (empty for no CORS)`);
      return [];
    }
    const list = raw
      .split(',')
      .map((value) => value.trim())
      .filter(Boolean);
    if (list.some((origin) => !URL.canParse(origin) || new URL(origin).origin !== origin)) {
      this.problems.push(`${name} must list origins such as https://app.example.com`);
    }
    return list;
  }

  /** Throws one ConfigError listing every problem found so far. */
  done<T>(settings: T): T {
    if (this.problems.length > 0) {
      throw new ConfigError(`Invalid environment: ${this.problems.join('; ')}`);
    }
    return Object.freeze(settings);
  }
}

/** `{ [key]: value }` when the optional variable is set, else nothing. */
function optionalText<K extends string>(env: Env, name: string, key: K): Partial<Record<K, string>> {
  const value = env[name];
  return value ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}

function readBase(reader: EnvReader): BaseSettings {
  return { stage: reader.text(EnvNames.STAGE), logLevel: reader.oneOf(EnvNames.LOG_LEVEL, LogLevels) };
}

/** The settings of a function that needs no table (health): STAGE and LOG_LEVEL. */
export function loadBaseSettings(env: Env): BaseSettings {
  const reader = new EnvReader(env);
  return reader.done(readBase(reader));
}

/** Reads the settings every function shares; throws one ConfigError at cold start naming every bad variable. */
export function loadSettings(env: Env): GatewaySettings {
  const reader = new EnvReader(env);
  return reader.done({
    ...readBase(reader),
    tables: {
      brands: reader.text(EnvNames.BRANDS_TABLE),
      links: reader.text(EnvNames.LINKS_TABLE),
      revocations: reader.text(EnvNames.REVOCATIONS_TABLE),
    },
    ssmPrefix: reader.text(EnvNames.SSM_PREFIX),
    configCacheTtlSeconds: reader.seconds(EnvNames.CONFIG_CACHE_TTL_SECONDS),
    configStaleIfErrorSeconds: reader.seconds(EnvNames.CONFIG_STALE_IF_ERROR_SECONDS),
    revocationCacheTtlSeconds: reader.seconds(EnvNames.REVOCATION_CACHE_TTL_SECONDS),
    authorizerCacheTtlSeconds: reader.seconds(EnvNames.AUTHORIZER_CACHE_TTL_SECONDS),
    corsAllowedOrigins: reader.origins(EnvNames.CORS_ALLOWED_ORIGINS),
    // Optional by design: unset means SSM's AWS-managed key (the stack sets it only with secretsKmsKeyArn).
    ...optionalText(env, EnvNames.SECRETS_KMS_KEY_ID, 'secretsKmsKeyId'),
    ...optionalText(env, EnvNames.SUBJECT_HASH_KEY_PARAMETER, 'subjectHashKeyParameter'),
    // Off unless the stack says `true` (tests, tools and the local stack never load the tracer).
    ...(env[EnvNames.POWERTOOLS_TRACE_ENABLED] === 'true' ? { tracing: true } : {}),
  });
}
