// docs/deploy.md quotes figures that follow from the settings files: the revocation and brand-disable delays
// and the authorizer's concurrency. This test recomputes them, so a settings change cannot leave the runbook
// wrong. It also keeps the time settings consistent with the code's own waits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS,
  EnvironmentNames,
  type EnvironmentSettings,
} from '../../infra/environment-settings.js';
import { reservedConcurrencyOf } from '../../infra/function-access.js';
import { GatewayFunctionNames, repositoryRoot } from '../../infra/gateway-stack.js';
import { JwksCache } from '../../shared/auth/jwks-cache.js';
import { deployableSettings } from './support/synth.js';

const doc = readFileSync(join(repositoryRoot, 'docs/deploy.md'), 'utf8');

function delayRow(env: string, settings: EnvironmentSettings): string {
  const result = settings.authorizer.resultCacheTtlSeconds;
  const revocation = settings.caches.revocationCacheTtlSeconds;
  const config = settings.caches.configCacheTtlSeconds;
  const bound = (seconds: number) => (seconds === 0 ? 'immediate' : `≤ ${seconds} s`);
  return `| \`${env}\` | ${result} s | ${revocation} s | ${config} s | immediate | ${bound(result + revocation)} | ${bound(config)} | ${bound(result + config)} |`;
}

describe('docs/deploy.md', () => {
  it.each(EnvironmentNames)('states the revocation and brand-disable delays of %s as its settings give them', (env) => {
    expect(doc).toContain(delayRow(env, deployableSettings(env)));
  });

  it.each(EnvironmentNames)('states the authorizer concurrency of %s', (env) => {
    const { reservedConcurrency, provisionedConcurrency } = deployableSettings(env).authorizer;
    const reserved = reservedConcurrency === null ? 'none (shared pool)' : String(reservedConcurrency);
    expect(doc).toContain(`| \`${env}\` | ${reserved} | ${provisionedConcurrency} |`);
  });

  it('asks for enough account concurrency for every reserved budget plus the 100 Lambda keeps unreserved', () => {
    const reserved = Math.max(
      ...EnvironmentNames.map((env) => {
        const settings = deployableSettings(env);
        return GatewayFunctionNames.reduce((sum, name) => sum + (reservedConcurrencyOf(settings, name) ?? 0), 0);
      }),
    );
    expect(doc).toContain(`**≥ ${reserved + 100}** (${reserved} reserved + 100)`);
  });

  it('documents the pre-flight quota command, the release, rollback and first-deploy procedures and every alarm', () => {
    expect(doc).toContain('aws lambda get-account-settings');
    for (const heading of ['### Release', '### Rollback', '### First deploy', '## 7. Cost'])
      expect(doc).toContain(heading);
    for (const alarm of [
      'AuthorizerFailureRate',
      'AuthorizerRefusalRateByBrand',
      'Api429Rate',
      'CapillaryCircuitOpenByBrand',
      'DynamoThrottles',
      'DynamoErrors',
      'ConcurrencyNearBudget',
      'RouteLatencyP99',
      'FunctionErrorRate',
    ]) {
      expect(doc, alarm).toContain(`\`${alarm}`);
    }
  });
});

describe('time settings', () => {
  it.each(EnvironmentNames)("leave every function of %s below API Gateway's integration timeout", (env) => {
    const settings = deployableSettings(env);
    expect(settings.functions.timeoutSeconds).toBeLessThan(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS);
    expect(settings.authorizer.timeoutSeconds).toBeLessThan(API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS);
  });

  it.each(EnvironmentNames)(
    'give the %s authorizer time for a JWKS fetch that times out plus its table reads',
    (env) => {
      // The JWKS fetch is the authorizer's one remote wait with a timeout of its own; a second left after it
      // covers the brand and revocation reads, so a slow CIAM ends in the authorizer's answer, not a Lambda timeout.
      const jwksTimeoutMs = (
        new JwksCache('https://ciam.brand-one.com/jwks', { fetch, now: Date.now }) as unknown as { timeoutMs: number }
      ).timeoutMs;
      expect(jwksTimeoutMs).toBeGreaterThan(0);
      expect(deployableSettings(env).authorizer.timeoutSeconds * 1000).toBeGreaterThanOrEqual(jwksTimeoutMs + 1000);
    },
  );
});
