// `npm start` checks the Node.js version package.json's engines field states, once, before loading anything.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../../local/node-version.js';

describe('nodeVersionProblem', () => {
  it('accepts the running Node.js against package.json engines', () => {
    const pkg = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../package.json'), 'utf8'));
    expect(pkg.engines.node).toMatch(/^>=\d+(\.\d+){0,2}$/);
    expect(nodeVersionProblem(pkg.engines.node, process.version)).toBeUndefined();
  });

  it('names the wanted and the found version when Node.js is too old', () => {
    expect(nodeVersionProblem('>=20.19', 'v20.18.3')).toBe(
      'ciam-gateway needs Node.js >=20.19 (package.json "engines"); this is Node.js v20.18.3.',
    );
    expect(nodeVersionProblem('>=20.19', 'v18.20.0')).toContain('needs Node.js >=20.19');
  });

  it('accepts equal and newer versions', () => {
    for (const version of ['v20.19.0', 'v20.19.5', 'v22.0.0', 'v24.3.1']) {
      expect(nodeVersionProblem('>=20.19', version)).toBeUndefined();
    }
  });
});
