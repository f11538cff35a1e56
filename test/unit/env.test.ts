import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../shared/env.js';
import { ConfigError } from '../../shared/errors.js';

const tables = {
  BRANDS_TABLE: 'b',
  LINKS_TABLE: 'l',
  REVOCATIONS_TABLE: 'r',
};

describe('loadSettings', () => {
  it('reads table names and applies defaults', () => {
    const settings = loadSettings(tables);
    expect(settings.tables).toEqual({ brands: 'b', links: 'l', revocations: 'r' });
    expect(settings.configCacheTtlSeconds).toBe(60);
  });

  it('fails at cold start with a ConfigError when a table name is missing', () => {
    expect(() => loadSettings({ ...tables, LINKS_TABLE: '' })).toThrow(ConfigError);
  });

  it('reads CORS origins and refuses a value that is not an origin', () => {
    expect(
      loadSettings({ ...tables, CORS_ALLOWED_ORIGINS: 'https://a.example, http://127.0.0.1:5173' }).corsAllowedOrigins,
    ).toEqual(['https://a.example', 'http://127.0.0.1:5173']);
    expect(() => loadSettings({ ...tables, CORS_ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(ConfigError);
  });

  it('reads the secrets KMS key only when it is set', () => {
    expect(loadSettings({ ...tables, SECRETS_KMS_KEY_ID: 'alias/brand-secrets' }).secretsKmsKeyId).toBe(
      'alias/brand-secrets',
    );
    expect(loadSettings(tables)).not.toHaveProperty('secretsKmsKeyId');
  });

  it('refuses a TTL that is not a whole number of seconds', () => {
    expect(() => loadSettings({ ...tables, CONFIG_CACHE_TTL_SECONDS: '1.5' })).toThrow(/CONFIG_CACHE_TTL_SECONDS/);
  });
});
