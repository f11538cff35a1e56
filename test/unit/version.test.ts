// GET /health's version: package.json's, inlined by the bundler with the construct's own defines, read from
// package.json when the sources run unbundled (tests, the local stack). No GATEWAY_VERSION variable anywhere.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { bundleDefines } from '../../infra/constructs/gateway-function.js';
import { GATEWAY_VERSION } from '../../shared/version.js';

const root = path.resolve(import.meta.dirname, '../..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

describe('GATEWAY_VERSION', () => {
  it('is the package.json version when unbundled', () => {
    expect(GATEWAY_VERSION).toBe(version);
  });

  it('is a constant in a bundle built with the function defines (package.json is not read at run time)', async () => {
    const result = await build({
      entryPoints: [path.join(root, 'shared/version.ts')],
      bundle: true,
      write: false,
      minify: true,
      format: 'esm',
      platform: 'node',
      define: bundleDefines(root),
    });
    const code = result.outputFiles[0]?.text ?? '';
    expect(code).toContain(JSON.stringify(version));
    expect(code).not.toContain('package.json');
    expect(code).not.toContain('createRequire');
  });
});
