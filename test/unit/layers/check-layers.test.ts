// The layering checker run by `npm test`: each rule fires on a planted violation in a scratch tree, stays
// quiet on the allowed imports next to it, and the real tree passes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, importSpecifiers } from '../../../scripts/check-layers.js';

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

  it('refuses I/O in shared/auth/: network and disk modules, the adapters and the runtime', () => {
    expect(
      rulesOf({
        'shared/auth/a.ts': "import https from 'node:https';\nimport { readFileSync } from 'fs';\n",
        'shared/auth/b.ts': "import { request } from 'undici';\nimport { lookup } from 'node:dns/promises';\n",
        'shared/auth/c.ts': "import { createSsmClient } from '../adapters/aws-clients.js';\n",
        'shared/auth/d.ts': "import { createCoreRuntime } from '../runtime/core-runtime.js';\n",
        'shared/auth/ok.ts':
          "import { verify } from 'node:crypto';\nimport type { BrandConfig } from '../config/brand-config.js';\n",
        'shared/customer/fine.ts': "import { request } from 'node:https';\n",
      }),
    ).toEqual([
      { file: 'shared/auth/a.ts', specifier: 'node:https', rule: 'io-in-auth' },
      { file: 'shared/auth/a.ts', specifier: 'fs', rule: 'io-in-auth' },
      { file: 'shared/auth/b.ts', specifier: 'undici', rule: 'io-in-auth' },
      { file: 'shared/auth/b.ts', specifier: 'node:dns/promises', rule: 'io-in-auth' },
      { file: 'shared/auth/c.ts', specifier: '../adapters/aws-clients.js', rule: 'io-in-auth' },
      { file: 'shared/auth/d.ts', specifier: '../runtime/core-runtime.js', rule: 'io-in-auth' },
    ]);
  });

  it('refuses infra/ importing function code', () => {
    expect(
      rulesOf({
        'infra/stack.ts':
          "import { handler } from '../functions/health/handler.js';\nimport { Routes } from '../shared/routes.js';\n",
      }),
    ).toEqual([
      { file: 'infra/stack.ts', specifier: '../functions/health/handler.js', rule: 'infra-imports-runtime-code' },
    ]);
  });

  it('runs as a command that exits non-zero on a violation', async () => {
    const { spawnSync } = await import('node:child_process');
    const root = tree({ 'functions/a/index.ts': "import { b } from '../b/index.js';\n" });
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'scripts/check-layers.ts'), root], {
      encoding: 'utf8',
      cwd: repoRoot,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("functions/a/index.ts: imports '../b/index.js' [function-imports-function]");
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
});
