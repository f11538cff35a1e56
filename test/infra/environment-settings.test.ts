// The per-environment settings files: every shipped file is valid, stage and prod refuse to synth until the
// operator names an alarm destination and the real browser origins, and a bad file fails the synth with an
// error that names the file and each invalid field.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertEnvironmentName,
  EnvironmentNames,
  isPlaceholderOrigin,
  loadEnvironmentSettings,
  parseEnvironmentSettings,
} from '../../infra/environment-settings.js';
import { deployableSettings, rawSettings, testOutRoot } from './support/synth.js';

mkdirSync(testOutRoot, { recursive: true });
const scratch = mkdtempSync(join(testOutRoot, 'settings-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Raw = Record<string, unknown>;
/** The stage file completed with deployment values, as raw JSON, with `edit` applied. */
function stageWith(edit: (raw: Raw) => void): Raw {
  const raw = rawSettings('stage');
  raw.alarms = { ...(raw.alarms as object), topicArn: 'arn:aws:sns:eu-west-1:123456789012:oncall' };
  raw.api = { ...(raw.api as object), corsAllowedOrigins: ['https://shop.brand-one.com'] };
  edit(raw);
  return raw;
}
const withApi = (fields: Raw) => (raw: Raw) => {
  raw.api = { ...(raw.api as object), ...fields };
};

describe('environment settings', () => {
  it('accepts the shipped dev settings file as it is', () => {
    expect(loadEnvironmentSettings('dev').stage).toBe('dev');
  });

  it.each(['stage', 'prod'] as const)(
    'refuses the shipped %s file until an alarm destination is named (docs/deploy.md)',
    (env) => {
      expect(() => loadEnvironmentSettings(env)).toThrow(
        new RegExp(`${env}\\.json[\\s\\S]*alarms: ${env} needs an alarm destination`),
      );
      expect(deployableSettings(env).stage).toBe(env);
    },
  );

  it.each(EnvironmentNames)('keeps the API Gateway CloudWatch role on in %s', (env) => {
    expect(deployableSettings(env).api.manageCloudWatchRole).toBe(true);
  });

  it('turns the CloudWatch role on when the setting is left out', () => {
    const raw = stageWith((r) => {
      const { manageCloudWatchRole: _, ...api } = r.api as Raw;
      r.api = api;
    });
    expect(parseEnvironmentSettings(raw, 'test.json').api.manageCloudWatchRole).toBe(true);
  });

  it('retains data and protects tables in prod', () => {
    const prod = deployableSettings('prod');
    expect(prod.removalPolicy).toBe('retain');
    expect(prod.deletionProtection).toBe(true);
  });

  it('names the file and every invalid field of a bad settings file', () => {
    // Arrange
    const bad = rawSettings('dev');
    bad.logRetentionDays = 10;
    bad.authorizer = { ...(bad.authorizer as object), resultCacheTtlSeconds: 7200 };
    const file = join(scratch, 'dev.json');
    writeFileSync(file, JSON.stringify(bad));

    // Act / Assert
    expect(() => loadEnvironmentSettings('dev', scratch)).toThrow(
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
    const bad = { ...stageWith(() => undefined), removalPolicyy: 'retain' };
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/removalPolicyy/);
  });

  it.each([
    ['a wildcard', '*'],
    ['a path', 'https://app.brand-one.com/login'],
    ['plain http on a public host', 'http://app.brand-one.com'],
    ['a trailing slash', 'https://app.brand-one.com/'],
  ])('rejects a CORS origin with %s', (_, origin) => {
    const bad = stageWith(withApi({ corsAllowedOrigins: [origin] }));
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/api\.corsAllowedOrigins/);
  });

  it.each(['https://app.example.com', 'https://stage.app.example.org', 'http://localhost:5173', 'https://shop.test'])(
    'refuses the placeholder or local origin %s in stage and prod, not in dev',
    (origin) => {
      expect(isPlaceholderOrigin(origin)).toBe(true);
      const bad = stageWith(withApi({ corsAllowedOrigins: ['https://shop.brand-one.com', origin] }));
      expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(
        `api.corsAllowedOrigins: ${origin} is a placeholder or local origin`,
      );
      const dev = rawSettings('dev');
      dev.api = { ...(dev.api as object), corsAllowedOrigins: [origin] };
      expect(parseEnvironmentSettings(dev, 'dev.json').api.corsAllowedOrigins).toEqual([origin]);
    },
  );

  it('applies the prod rules to the prod file even when its stage is renamed', () => {
    const renamed = rawSettings('prod');
    renamed.stage = 'production';
    expect(() => parseEnvironmentSettings(renamed, 'prod.json', 'prod')).toThrow(/needs an alarm destination/);
  });

  it('refuses stage or prod without WAF, and dev may run without it', () => {
    expect(() => parseEnvironmentSettings(stageWith(withApi({ waf: null })), 'test.json')).toThrow(
      /api\.waf: stage must sit behind WAF/,
    );
    expect(loadEnvironmentSettings('dev').api.waf).toBeNull();
  });

  it('accepts e-mail subscriptions instead of a topic as the alarm destination, and refuses a bad address', () => {
    const emails = (list: string[]) =>
      stageWith((raw) => {
        raw.alarms = { ...(raw.alarms as object), topicArn: null, emailSubscriptions: list };
      });
    expect(parseEnvironmentSettings(emails(['oncall@brand-one.com']), 't.json').alarms.emailSubscriptions).toEqual([
      'oncall@brand-one.com',
    ]);
    expect(() => parseEnvironmentSettings(emails(['not-an-address']), 't.json')).toThrow(/emailSubscriptions/);
    expect(() => parseEnvironmentSettings(emails([]), 't.json')).toThrow(/needs an alarm destination/);
  });

  it('rejects a burst limit below the rate limit, stage-wide and per route', () => {
    const stageWide = stageWith(withApi({ throttling: { rateLimit: 100, burstLimit: 10 } }));
    expect(() => parseEnvironmentSettings(stageWide, 'test.json')).toThrow(
      /api\.throttling\.burstLimit must be >= rateLimit/,
    );
    const perRoute = stageWith((raw) => {
      const api = raw.api as Raw;
      raw.api = {
        ...api,
        routeThrottling: { ...(api.routeThrottling as object), health: { rateLimit: 10, burstLimit: 5 } },
      };
    });
    expect(() => parseEnvironmentSettings(perRoute, 'test.json')).toThrow(
      /api\.routeThrottling\.health\.burstLimit must be >= rateLimit/,
    );
  });

  it('rejects a route throttle above the stage-wide limit', () => {
    const bad = stageWith((raw) => {
      const api = raw.api as Raw;
      raw.api = {
        ...api,
        routeThrottling: {
          ...(api.routeThrottling as object),
          backchannelLogout: { rateLimit: 100_000, burstLimit: 100_000 },
        },
      };
    });
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(
      /api\.routeThrottling\.backchannelLogout\.rateLimit must not exceed api\.throttling\.rateLimit/,
    );
  });

  it('rejects provisioned concurrency above the reserved concurrency (Lambda would refuse it at deploy)', () => {
    const bad = stageWith((raw) => {
      raw.authorizer = { ...(raw.authorizer as object), reservedConcurrency: 5, provisionedConcurrency: 10 };
    });
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(
      /authorizer\.provisionedConcurrency must not exceed authorizer\.reservedConcurrency/,
    );
  });

  it('rejects a WAF rate limit below what WAF accepts', () => {
    const bad = stageWith(withApi({ waf: { ipRateLimit: 5, ipRateWindowSeconds: 300 } }));
    expect(() => parseEnvironmentSettings(bad, 'test.json')).toThrow(/api\.waf/);
  });

  it('rejects a certificate ARN of another service', () => {
    const bad = stageWith(
      withApi({
        customDomain: { domainName: 'api.brand-one.com', certificateArn: 'arn:aws:iam::123456789012:role/x' },
      }),
    );
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
