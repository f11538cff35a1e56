// A real synth with the local esbuild (no Docker, no network): every existing function entry becomes an ESM
// bundle under the cloud assembly, at the path the template's `aws:asset:path` metadata names for `sam local`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ESM_REQUIRE_BANNER, functionLogicalId } from '../../infra/constructs/gateway-function.js';
import { GatewayFunctionNames, repositoryRoot } from '../../infra/gateway-stack.js';
import { missingEntries, resourcesOfType, type Synthesized, synthGateway } from './support/synth.js';

describe('function entries', () => {
  it('exist for the authorizer and every FunctionNames entry', () => {
    expect(missingEntries()).toEqual([]);
  });
});

describe('a bundling synth of the dev stack', () => {
  let synth: Synthesized;
  const bundled = GatewayFunctionNames.filter((name) => !missingEntries().includes(name));

  beforeAll(() => {
    synth = synthGateway('dev', { bundle: true });
  }, 300_000);
  afterAll(() => synth?.cleanup());

  it('bundles at least the authorizer', () => {
    expect(bundled).toContain('authorizer');
  });

  it.each(bundled)('writes the %s bundle where aws:asset:path points', (name) => {
    // Arrange
    const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)];
    const metadata = fn?.Metadata as Record<string, unknown>;

    // Assert
    expect(metadata['aws:asset:property']).toBe('Code');
    expect(metadata['aws:asset:is-bundled']).toBe(true);
    const assetPath = String(metadata['aws:asset:path']);
    expect(assetPath).toMatch(/^asset\.[a-f0-9]{64}$/);
    const bundle = join(synth.outdir, assetPath, 'index.mjs');
    expect(existsSync(bundle)).toBe(true);
    expect(existsSync(`${bundle}.map`)).toBe(true);
    const code = readFileSync(bundle, 'utf8');
    expect(code.startsWith(ESM_REQUIRE_BANNER)).toBe(true);
    // bundleAwsSDK: the pinned SDK is inside the bundle, not imported from the runtime.
    expect(code).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(code).toMatch(/export\s*\{[^}]*\bhandler\b/);
    expect(statSync(bundle).size).toBeLessThan(5 * 1024 * 1024);
  });

  it.each(bundled)('holds only production packages in the %s bundle (none that is only a devDependency)', (name) => {
    // Arrange: the packages the bundle was built from, as its source map lists them, and the lockfile's own word
    // on each (npm marks `dev` what only devDependencies need, i.e. what `npm ci --omit=dev` would not install).
    const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)];
    const assetPath = String(((fn?.Metadata ?? {}) as Record<string, unknown>)['aws:asset:path']);
    const map = JSON.parse(readFileSync(join(synth.outdir, assetPath, 'index.mjs.map'), 'utf8')) as {
      sources: string[];
    };
    const lock = JSON.parse(readFileSync(join(repositoryRoot, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
    };

    // Act
    // node_modules/<a>/node_modules/@s/<b>/x.js -> its lockfile key node_modules/<a>/node_modules/@s/<b>.
    const lockfileKey = (source: string) => {
      const at = source.indexOf('node_modules/');
      return at === -1 ? undefined : /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(source.slice(at))?.[1];
    };
    const packages = new Set(map.sources.map(lockfileKey).filter((key): key is string => key !== undefined));

    // Assert
    expect(packages.size).toBeGreaterThan(0);
    const devOnly = [...packages].filter(
      (key) => lock.packages[key] === undefined || lock.packages[key]?.dev || lock.packages[key]?.devOptional,
    );
    expect(devOnly, `${name} bundles packages that are not production dependencies`).toEqual([]);
  });

  it.each(bundled)('is as large as docs/deploy.md says for %s (within 10 %%)', (name) => {
    // Arrange: the row `| \`<name>\` | <minified> KB | <gzipped> KB |` of the bundle-size table.
    const doc = readFileSync(join(repositoryRoot, 'docs/deploy.md'), 'utf8');
    const row = new RegExp(`^\\s*\\| \`${name}\` \\| ([\\d.]+) KB \\| ([\\d.]+) KB \\|$`, 'm').exec(doc);
    expect(row, `docs/deploy.md has no bundle-size row for ${name}`).not.toBeNull();
    const fn = resourcesOfType(synth.template, 'AWS::Lambda::Function')[functionLogicalId(name)];
    const metadata = (fn?.Metadata ?? {}) as Record<string, unknown>;
    const assetPath = String(metadata['aws:asset:path']);
    const code = readFileSync(join(synth.outdir, assetPath, 'index.mjs'));

    // Act
    const measured = { minified: code.length / 1024, gzipped: gzipSync(code).length / 1024 };

    // Assert
    const message = `${name}: measured ${measured.minified.toFixed(1)} KB / ${measured.gzipped.toFixed(1)} KB gzipped; update docs/deploy.md`;
    expect(Math.abs(measured.minified / Number(row?.[1]) - 1), message).toBeLessThan(0.1);
    expect(Math.abs(measured.gzipped / Number(row?.[2]) - 1), message).toBeLessThan(0.1);
  });
});
