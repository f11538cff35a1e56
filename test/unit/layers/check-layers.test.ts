// The layering checker run by `npm test`: each rule of docs/architecture.md fires on a planted violation in a
// scratch tree, stays quiet on the allowed imports next to it, and the real tree passes. The last test plants one
// violation of every rule at once and checks that each rule is reported, so a rule without a test cannot hide.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  blankCommentsAndStrings,
  checkLayers,
  importSpecifiers,
  type LayerRule,
  moduleReferences,
} from '../../../scripts/check-layers.js';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
let scratch: string | undefined;

function tree(files: Record<string, string>): string {
  scratch = mkdtempSync(path.join(tmpdir(), 'check-layers-'));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    writeFileSync(path.join(scratch, file), text);
  }
  return scratch;
}

afterEach(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

function rulesOf(files: Record<string, string>) {
  return checkLayers(tree(files)).map(({ file, specifier, rule }) => ({ file, specifier, rule }));
}

describe('checkLayers', () => {
  it('passes on the repository itself', () => {
    expect(checkLayers(repoRoot)).toEqual([]);
  });

  it('refuses shared/ importing functions/, infra/ or local/', () => {
    expect(
      rulesOf({
        'shared/a.ts': "import { handler } from '../functions/me/handler.js';\n",
        'shared/deep/b.ts': "export { stack } from '../../infra/gateway-stack.js';\n",
        'shared/c.ts': "const sim = await import('../local/capillary-simulator.js');\n",
        'shared/ok.ts': "import { ConfigError } from './errors.js';\nimport * as z from 'zod';\n",
      }),
    ).toEqual([
      { file: 'shared/a.ts', specifier: '../functions/me/handler.js', rule: 'shared-imports-outer-layer' },
      { file: 'shared/c.ts', specifier: '../local/capillary-simulator.js', rule: 'shared-imports-outer-layer' },
      { file: 'shared/deep/b.ts', specifier: '../../infra/gateway-stack.js', rule: 'shared-imports-outer-layer' },
    ]);
  });

  it('refuses a function importing another function or an outer layer, allows its own folder and shared/', () => {
    expect(
      rulesOf({
        'functions/me/handler.ts': [
          "import { x } from '../profile/handler.js';",
          "import { y } from '../../local/stack.js';",
          "import { z } from './helpers.js';",
          "import { loadSettings } from '../../shared/env.js';",
        ].join('\n'),
      }),
    ).toEqual([
      { file: 'functions/me/handler.ts', specifier: '../profile/handler.js', rule: 'function-imports-function' },
      { file: 'functions/me/handler.ts', specifier: '../../local/stack.js', rule: 'function-imports-outer-layer' },
    ]);
  });

  it('refuses @aws-sdk/* (types too) in shared/ outside shared/adapters/', () => {
    expect(
      rulesOf({
        'shared/revocation/store.ts':
          "import {\n  GetCommand,\n  type DynamoDBDocumentClient,\n} from '@aws-sdk/lib-dynamodb';\n",
        'shared/config/types.ts': "import type { SSMClient } from '@aws-sdk/client-ssm';\n",
        'shared/adapters/store.ts': "import { GetCommand } from '@aws-sdk/lib-dynamodb';\n",
      }),
    ).toEqual([
      { file: 'shared/config/types.ts', specifier: '@aws-sdk/client-ssm', rule: 'aws-sdk-outside-adapters' },
      { file: 'shared/revocation/store.ts', specifier: '@aws-sdk/lib-dynamodb', rule: 'aws-sdk-outside-adapters' },
    ]);
  });

  it('refuses @aws-sdk/* and @smithy/* in functions/ (types too): functions reach AWS through shared/adapters/', () => {
    expect(
      rulesOf({
        'functions/me/index.ts': "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n",
        'functions/me/handler.ts': "import type { HttpRequest } from '@smithy/types';\n",
        'functions/me/ok.ts': "import { createDocumentClient } from '../../shared/adapters/dynamo-client.js';\n",
      }),
    ).toEqual([
      { file: 'functions/me/handler.ts', specifier: '@smithy/types', rule: 'aws-sdk-outside-adapters' },
      { file: 'functions/me/index.ts', specifier: '@aws-sdk/client-dynamodb', rule: 'aws-sdk-outside-adapters' },
    ]);
  });

  it('refuses network and disk modules in shared/auth/', () => {
    expect(
      rulesOf({
        'shared/auth/a.ts': "import https from 'node:https';\nimport { readFileSync } from 'fs';\n",
        'shared/auth/b.ts': "import { request } from 'undici';\nimport { lookup } from 'node:dns/promises';\n",
        'shared/auth/ok.ts':
          "import { verify } from 'node:crypto';\nimport type { BrandConfig } from '../config/brand-config.js';\n",
        'shared/customer/fine.ts': "import { request } from 'node:https';\n",
      }),
    ).toEqual([
      { file: 'shared/auth/a.ts', specifier: 'node:https', rule: 'io-in-auth' },
      { file: 'shared/auth/a.ts', specifier: 'fs', rule: 'io-in-auth' },
      { file: 'shared/auth/b.ts', specifier: 'undici', rule: 'io-in-auth' },
      { file: 'shared/auth/b.ts', specifier: 'node:dns/promises', rule: 'io-in-auth' },
    ]);
  });

  it('refuses the ambient fetch and clock in shared/auth/ (keys and time arrive through injected ports)', () => {
    expect(
      rulesOf({
        'shared/auth/a.ts': 'export const get = (url: string) => fetch(url);\n',
        'shared/auth/b.ts': 'export const f = options.fetch ?? ((u, i) => globalThis.fetch(u, i));\n',
        'shared/auth/c.ts': 'export const now = options.now ?? Date.now;\nconst t = new Date();\n',
        'shared/auth/d.ts': 'const s = new WebSocket(url);\nconst p = performance.now();\n',
        'shared/auth/ok.ts': [
          '// fetch() and Date.now() in a comment',
          "const text = 'fetch(x) at Date.now()';",
          'interface Options { fetch?: FetchFn; now: () => number }',
          'const got = await options.fetch(url, { fetch: 1 });',
          'const exp = new Date(claims.exp * 1000);',
          'this.fetches++;',
        ].join('\n'),
        'shared/customer/fine.ts': 'export const f = (u: string) => globalThis.fetch(u, { signal: Date.now() });\n',
      }),
    ).toEqual([
      { file: 'shared/auth/a.ts', specifier: 'fetch', rule: 'ambient-io-in-auth' },
      { file: 'shared/auth/b.ts', specifier: 'globalThis.fetch', rule: 'ambient-io-in-auth' },
      { file: 'shared/auth/c.ts', specifier: 'Date.now', rule: 'ambient-io-in-auth' },
      { file: 'shared/auth/c.ts', specifier: 'newDate()', rule: 'ambient-io-in-auth' },
      { file: 'shared/auth/d.ts', specifier: 'WebSocket', rule: 'ambient-io-in-auth' },
      { file: 'shared/auth/d.ts', specifier: 'performance.now', rule: 'ambient-io-in-auth' },
    ]);
  });

  it('refuses the domain folders of shared/ importing shared/adapters/ or shared/runtime/, and adapters the runtime', () => {
    expect(
      rulesOf({
        'shared/customer/deps.ts': "import { DynamoLinkStore } from '../adapters/dynamo-link-store.js';\n",
        'shared/auth/c.ts': "import type { GatewayRuntime } from '../runtime/gateway-runtime.js';\n",
        'shared/errors.ts': "import { lazy } from './runtime/core-runtime.js';\n",
        'shared/adapters/store.ts': "import { lazy } from '../runtime/core-runtime.js';\n",
        'shared/adapters/ok.ts': "import type { LinkStore } from '../customer/link-store.js';\n",
        'shared/runtime/ok.ts': "import { DynamoLinkStore } from '../adapters/dynamo-link-store.js';\n",
      }),
    ).toEqual([
      { file: 'shared/adapters/store.ts', specifier: '../runtime/core-runtime.js', rule: 'shared-imports-upward' },
      { file: 'shared/auth/c.ts', specifier: '../runtime/gateway-runtime.js', rule: 'shared-imports-upward' },
      { file: 'shared/customer/deps.ts', specifier: '../adapters/dynamo-link-store.js', rule: 'shared-imports-upward' },
      { file: 'shared/errors.ts', specifier: './runtime/core-runtime.js', rule: 'shared-imports-upward' },
    ]);
  });

  it('refuses process.env outside the composition roots (functions/<name>/index.ts)', () => {
    expect(
      rulesOf({
        'functions/me/index.ts': 'const settings = loadSettings(process.env);\n',
        'functions/me/handler.ts': "const level = process.env['LOG_LEVEL'];\n",
        'shared/config/brand.ts': 'const table = globalThis.process.env.BRANDS_TABLE;\n',
        'shared/env.ts': "// reads process.env given by index.ts\nconst x = process['env'];\n",
      }),
    ).toEqual([
      { file: 'shared/config/brand.ts', specifier: 'process.env', rule: 'env-outside-composition-root' },
      { file: 'shared/env.ts', specifier: "process['env']", rule: 'env-outside-composition-root' },
      { file: 'functions/me/handler.ts', specifier: 'process.env', rule: 'env-outside-composition-root' },
    ]);
  });

  it('refuses a value import of a package outside package.json dependencies in shared/ and functions/', () => {
    const manifest = JSON.stringify({ dependencies: { zod: '4.0.0' }, devDependencies: { jose: '6.0.0' } });
    expect(
      rulesOf({
        'package.json': manifest,
        'shared/a.ts': "import { jwtVerify } from 'jose';\nimport * as z from 'zod/mini';\n",
        'functions/me/handler.ts':
          "import type { Context } from 'aws-lambda';\nimport { Provider } from 'oidc-provider';\n",
        'functions/me/ok.ts': "import { createHash } from 'node:crypto';\nimport { z } from 'zod';\n",
        'infra/stack.ts': "import { App } from 'aws-cdk-lib';\n",
      }),
    ).toEqual([
      { file: 'shared/a.ts', specifier: 'jose', rule: 'runtime-imports-dev-dependency' },
      { file: 'functions/me/handler.ts', specifier: 'oidc-provider', rule: 'runtime-imports-dev-dependency' },
    ]);
  });

  it('refuses infra/ importing function code, use-cases or developer tools; allows the shared/ declarations', () => {
    expect(
      rulesOf({
        'infra/stack.ts':
          "import { handler } from '../functions/health/handler.js';\nimport { Routes } from '../shared/routes.js';\n",
        'infra/constructs/api.ts': [
          "import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../shared/auth/authorize-request.js';",
          "import { ErrorCodes } from '../../shared/errors.js';",
          "import { MetricNames } from '../../shared/observability/metrics.js';",
          "import { TableSchemas } from '../../shared/storage/tables.js';",
          "import { EnvNames } from '../../shared/env.js';",
        ].join('\n'),
        'infra/bench.ts': "import { run } from '../bench/run.js';\nimport { x } from '../scripts/check-layers.js';\n",
      }),
    ).toEqual([
      { file: 'infra/bench.ts', specifier: '../bench/run.js', rule: 'infra-imports-runtime-code' },
      { file: 'infra/bench.ts', specifier: '../scripts/check-layers.js', rule: 'infra-imports-runtime-code' },
      {
        file: 'infra/constructs/api.ts',
        specifier: '../../shared/auth/authorize-request.js',
        rule: 'infra-imports-runtime-code',
      },
      { file: 'infra/stack.ts', specifier: '../functions/health/handler.js', rule: 'infra-imports-runtime-code' },
    ]);
  });

  it('reports every rule of docs/architecture.md, each on its own planted violation', () => {
    const planted: Record<LayerRule, Record<string, string>> = {
      'shared-imports-outer-layer': { 'shared/a.ts': "import { x } from '../local/stack.js';\n" },
      'shared-imports-upward': { 'shared/customer/a.ts': "import { x } from '../runtime/core-runtime.js';\n" },
      'function-imports-function': { 'functions/me/a.ts': "import { x } from '../profile/handler.js';\n" },
      'function-imports-outer-layer': { 'functions/me/a.ts': "import { x } from '../../tools/brand-cli.js';\n" },
      'infra-imports-runtime-code': { 'infra/a.ts': "import { x } from '../shared/customer/customer-view.js';\n" },
      'aws-sdk-outside-adapters': { 'functions/me/a.ts': "import { SSMClient } from '@aws-sdk/client-ssm';\n" },
      'io-in-auth': { 'shared/auth/a.ts': "import { request } from 'node:http';\n" },
      'ambient-io-in-auth': { 'shared/auth/a.ts': 'export const get = (url: string) => globalThis.fetch(url);\n' },
      'env-outside-composition-root': { 'shared/a.ts': 'export const stage = process.env.STAGE;\n' },
      'runtime-imports-dev-dependency': {
        'package.json': '{"dependencies":{},"devDependencies":{"dynalite":"4.0.0"}}',
        'shared/a.ts': "import dynalite from 'dynalite';\n",
      },
    };
    for (const [rule, files] of Object.entries(planted)) {
      const found = checkLayers(tree(files));
      expect(
        found.map((v) => v.rule),
        rule,
      ).toEqual([rule]);
      rmSync(scratch ?? '', { recursive: true, force: true });
    }
    const doc = readFileSync(path.join(repoRoot, 'docs/architecture.md'), 'utf8');
    for (const rule of Object.keys(planted)) expect(doc, `docs/architecture.md names ${rule}`).toContain(`\`${rule}\``);
  });

  it('passes the real tree only because of the moves that hold the rules (a planted copy of the old code fails)', () => {
    // The code as it was before the rules were held: the post-auth wiring in a domain folder, infra reading the
    // authorizer use-case, the JWKS cache defaulting to the global fetch and clock.
    expect(
      rulesOf({
        'shared/customer/post-auth-deps.ts': "import { DynamoLinkStore } from '../adapters/dynamo-link-store.js';\n",
        'infra/constructs/gateway-api.ts':
          "import { AUTHORIZER_UNAVAILABLE_RETRY_AFTER_SECONDS } from '../../shared/auth/authorize-request.js';\n",
        'shared/auth/jwks-cache.ts':
          'this.get = options.get ?? getDocumentWithFetch(options.fetch ?? ((url, init) => globalThis.fetch(url, init)));\nthis.now = options.now ?? Date.now;\n',
      }).map((v) => v.rule),
    ).toEqual(['ambient-io-in-auth', 'ambient-io-in-auth', 'shared-imports-upward', 'infra-imports-runtime-code']);
  });

  it('runs as a command that exits non-zero on a violation', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = tree({ 'functions/a/index.ts': "import { b } from '../b/index.js';\n" });
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/check-layers.ts'), root], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("functions/a/index.ts:1: '../b/index.js' [function-imports-function]");
  });
});

describe('importSpecifiers', () => {
  it('finds static, multi-line, type-only, re-export, side-effect, dynamic and type-position imports', () => {
    const source = [
      "import a from 'one';",
      'import {',
      '  b,',
      '  type C,',
      "} from 'two';",
      "import type { D } from 'three';",
      "export * from 'four';",
      "import 'five';",
      "const six = await import('six');",
      "let seven: import('seven').T;",
      'export const text = \'import x from "not-a-module"\';',
      "// import commented from 'ignored';",
    ].join('\n');
    expect(importSpecifiers(source).sort()).toEqual(['five', 'four', 'one', 'seven', 'six', 'three', 'two']);
  });

  it('tells type-only imports (erased at build) from value imports, with their lines', () => {
    const source = [
      "import type { A } from 'types-only';",
      "import { type B, c } from 'mixed';",
      "export type { D } from 're-exported-types';",
      "import type { E } from 'both';",
      "import { f } from 'both';",
      'const g = await import(`templated`);',
    ].join('\n');
    expect(moduleReferences(source)).toEqual([
      { specifier: 'types-only', typeOnly: true, line: 1 },
      { specifier: 'mixed', typeOnly: false, line: 2 },
      { specifier: 're-exported-types', typeOnly: true, line: 3 },
      { specifier: 'both', typeOnly: false, line: 5 },
      { specifier: 'templated', typeOnly: false, line: 6 },
    ]);
  });
});

describe('blankCommentsAndStrings', () => {
  it('blanks comments and string contents, keeping line breaks and offsets', () => {
    const source = "a(); // fetch()\nconst s = 'Date.now()'; /* x\ny */ b(`t`);";
    const blanked = blankCommentsAndStrings(source);
    expect(blanked).toHaveLength(source.length);
    expect(blanked.split('\n')).toEqual(['a();           ', "const s = '          ';     ", '     b(` `);']);
    expect(blankCommentsAndStrings(source, { keepStrings: true })).toContain("'Date.now()'");
  });
});
