import { describe, expect, it } from 'vitest';
import { EnvNames, loadBaseSettings, loadSettings } from '../../shared/env.js';
import { ConfigError } from '../../shared/errors.js';
import { settingsEnv } from '../support/settings-env.js';

function configErrorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadSettings', () => {
  it('reads every setting from the environment', () => {
    const settings = loadSettings(settingsEnv({ CORS_ALLOWED_ORIGINS: 'https://a.example' }));
    expect(settings).toEqual({
      stage: 'test',
      logLevel: 'SILENT',
      tables: { brands: 'brands', links: 'links', revocations: 'revocations' },
      ssmPrefix: '/ciam-gateway/test',
      configCacheTtlSeconds: 60,
      configStaleIfErrorSeconds: 900,
      revocationCacheTtlSeconds: 5,
      authorizerCacheTtlSeconds: 300,
      corsAllowedOrigins: ['https://a.example'],
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('defaults nothing: an empty environment names every variable in one ConfigError', () => {
    const error = configErrorOf(() => loadSettings({}));
    for (const name of Object.values(EnvNames)) {
      if (
        name === EnvNames.LOCAL_ADMIN_KEY ||
        name === EnvNames.SECRETS_KMS_KEY_ID ||
        name === EnvNames.SUBJECT_HASH_KEY_PARAMETER ||
        name === EnvNames.POWERTOOLS_TRACE_ENABLED
      )
        continue;
      expect(error.message).toContain(`${name} is required`);
    }
  });

  it('traces only where the stack says POWERTOOLS_TRACE_ENABLED=true (tests, tools and the local stack never do)', () => {
    expect(loadSettings(settingsEnv({ POWERTOOLS_TRACE_ENABLED: 'true' })).tracing).toBe(true);
    expect(loadSettings(settingsEnv({ POWERTOOLS_TRACE_ENABLED: 'false' })).tracing).toBeUndefined();
    expect(loadSettings(settingsEnv()).tracing).toBeUndefined();
  });

  it('has no silent STAGE=local: a missing stage is an error, not the local stage', () => {
    const { STAGE: _stage, ...withoutStage } = settingsEnv();
    expect(configErrorOf(() => loadSettings(withoutStage)).message).toBe('Invalid environment: STAGE is required');
  });

  it('reports missing and malformed variables together', () => {
    const error = configErrorOf(() =>
      loadSettings(
        settingsEnv({
          LINKS_TABLE: '',
          CONFIG_CACHE_TTL_SECONDS: '1.5',
          REVOCATION_CACHE_TTL_SECONDS: '86401',
          LOG_LEVEL: 'LOUD',
          CORS_ALLOWED_ORIGINS: 'https://a.example/path',
        }),
      ),
    );
    expect(error.message.split('; ')).toEqual([
      'Invalid environment: LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, SILENT',
      'LINKS_TABLE is required',
      'CONFIG_CACHE_TTL_SECONDS must be an integer number of seconds (0-86400)',
      'REVOCATION_CACHE_TTL_SECONDS must be an integer number of seconds (0-86400)',
      'CORS_ALLOWED_ORIGINS must list origins such as https://app.example.com',
    ]);
  });

  it('takes an empty CORS_ALLOWED_ORIGINS as "no CORS" but requires the variable', () => {
    expect(loadSettings(settingsEnv({ CORS_ALLOWED_ORIGINS: '' })).corsAllowedOrigins).toEqual([]);
    expect(
      loadSettings(settingsEnv({ CORS_ALLOWED_ORIGINS: 'https://a.example, http://127.0.0.1:5173' }))
        .corsAllowedOrigins,
    ).toEqual(['https://a.example', 'http://127.0.0.1:5173']);
    expect(configErrorOf(() => loadSettings(settingsEnv({ CORS_ALLOWED_ORIGINS: undefined }))).message).toContain(
      'CORS_ALLOWED_ORIGINS is required',
    );
  });
});

describe('loadSettings: the secrets KMS key', () => {
  it('reads the secrets KMS key only when it is set', () => {
    expect(loadSettings(settingsEnv({ SECRETS_KMS_KEY_ID: 'alias/brand-secrets' })).secretsKmsKeyId).toBe(
      'alias/brand-secrets',
    );
    expect(loadSettings(settingsEnv())).not.toHaveProperty('secretsKmsKeyId');
  });
});

describe('loadBaseSettings (the health function)', () => {
  it('needs only STAGE and LOG_LEVEL', () => {
    expect(loadBaseSettings({ STAGE: 'prod', LOG_LEVEL: 'WARN' })).toEqual({ stage: 'prod', logLevel: 'WARN' });
    expect(configErrorOf(() => loadBaseSettings({})).message).toBe(
      'Invalid environment: STAGE is required; LOG_LEVEL is required',
    );
  });
});
