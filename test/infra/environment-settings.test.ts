// The per-environment settings files: every shipped file is valid, and a bad one fails the synth with an error
// that names the file and each invalid field.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertEnvironmentName,
  EnvironmentNames,
  loadEnvironmentSettings,
  parseEnvironmentSettings,
} from '../../infra/environment-settings.js';
import { testOutRoot } from './support/synth.js';

mkdirSync(testOutRoot, { recursive: true });
const scratch = mkdtempSync(join(testOutRoot, 'settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const valid = () => structuredClone(loadEnvironmentSettings('stage')) as Record<string, unknown>;

describe('environment settings', () => {
  it.each(EnvironmentNames)('accepts the shipped %s settings file', (env) => {
    expect(loadEnvironmentSettings(env).stage).toBe(env);
  });

  it('retains data and protects tables in prod', () => {
    const prod = loadEnvironmentSettings('prod');
    expect(prod.removalPolicy).toBe('retain');
    expect(prod.deletionProtection).toBe(true);
  });

  it('names the file and every invalid field of a bad settings file', () => {
    // Arrange
    const bad = valid();
    bad.logRetentionDays = 10;
    bad.authorizer = { ...(bad.authorizer as object), resultCacheTtlSeconds: 7200 };
    const file = join(scratch, 'stage.json');
    writeFileSync(file, JSON.stringify(bad));

    // Act / Assert
    expect(() => loadEnvironmentSettings('stage', scratch)).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          new RegExp(
            `${file.replaceAll('/', '\\/')}[\\s\\S]*logRetentionDays[\\s\\S]*authorizer\\.resultCacheTtlSeconds`,
          ),
        ),
      }),
    );
  });

  it('rejects an unknown key so a typo cannot silently fall back to a default', () => {
    const bad = { ...valid(), removalPolicyy: 'retain' };
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/removalPolicyy/);
  });

  it.each([
    ['a wildcard', '*'],
    ['a path', 'https://app.example.com/login'],
    ['plain http on a public host', 'http://app.example.com'],
    ['a trailing slash', 'https://app.example.com/'],
  ])('rejects a CORS origin with %s', (_, origin) => {
    const bad = valid();
    bad.api = { ...(bad.api as object), corsAllowedOrigins: [origin] };
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/api\.corsAllowedOrigins/);
  });

  it('rejects a burst limit below the rate limit', () => {
    const bad = valid();
    bad.api = { ...(bad.api as object), throttling: { rateLimit: 100, burstLimit: 10 } };
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/burstLimit must be >= rateLimit/);
  });

  it('rejects a certificate ARN of another service', () => {
    const bad = valid();
    bad.api = {
      ...(bad.api as object),
      customDomain: { domainName: 'api.example.com', certificateArn: 'arn:aws:iam::123456789012:role/x' },
    };
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/certificateArn/);
  });

  it('reports a missing settings file by path', () => {
    expect(() => loadEnvironmentSettings('dev', join(scratch, 'nowhere'))).toThrow(/Cannot read environment settings/);
  });

  it('rejects an unknown environment name and lists the known ones', () => {
    expect(() => assertEnvironmentName('qa')).toThrow('Unknown environment "qa": pass -c env=dev|stage|prod');
    expect(() => assertEnvironmentName(undefined)).toThrow(/Unknown environment/);
    expect(assertEnvironmentName('prod')).toBe('prod');
  });
});
