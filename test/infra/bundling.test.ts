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
