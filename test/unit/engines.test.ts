// package.json `engines` tells the truth: every direct dependency (as locked) supports the declared Node.js
// floor, on which the tests run, and Node.js 24, on which Lambda runs. (middy 7 declares >=22 and fails here.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
};

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text.split('.').map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

function compare(a: Version, b: Version): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** The engine ranges npm packages use here: `>=x`, `^x`, a bare major, joined by `||`. Anything else throws. */
function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) => {
    const part = alternative.trim();
    let match = /^>=\s*v?(\d+(?:\.\d+){0,2})$/.exec(part);
    if (match?.[1]) return compare(v, parseVersion(match[1])) >= 0;
    match = /^\^v?(\d+(?:\.\d+){0,2})$/.exec(part);
    if (match?.[1]) {
      const floor = parseVersion(match[1]);
      return v[0] === floor[0] && compare(v, floor) >= 0;
    }
    match = /^(\d+)(?:\.x)?$/.exec(part);
    if (match?.[1]) return v[0] === Number(match[1]);
    if (part === '*' || part === '') return true;
    throw new Error(`unsupported engines range "${range}": extend satisfies()`);
  });
}

const floor = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(pkg.engines.node)?.[1];
const LAMBDA_NODE = '24.0.0';

describe('package.json engines', () => {
  it('declares a plain floor', () => {
    expect(floor).toBeDefined();
  });

  const direct = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
  it.each(direct)('%s supports the declared floor and Lambda Node.js 24', (name) => {
    const entry = lock.packages[`node_modules/${name}`];
    expect(entry, `${name} is not in package-lock.json`).toBeDefined();
    const engines = entry?.engines;
    const range = engines && !Array.isArray(engines) ? engines.node : undefined;
    if (range === undefined) return; // no engines field: no claim to check
    expect(satisfies(floor ?? '', range), `${name}@${entry?.version} needs node ${range}`).toBe(true);
    expect(satisfies(LAMBDA_NODE, range), `${name}@${entry?.version} needs node ${range}`).toBe(true);
  });
});

describe('satisfies', () => {
  it.each([
    ['20.19.0', '>=20', true],
    ['20.19.0', '>= 20.0.0', true],
    ['20.19.0', '>=22', false],
    ['24.0.0', '^20.19.0 || >=22.12.0', true],
    ['20.18.3', '^20.19.0 || >=22.12.0', false],
    ['22.11.0', '^20.19.0 || >=22.12.0', false],
    ['20.19.0', '^20.0.0 || ^22.0.0 || >=24.0.0', true],
    ['23.1.0', '^20.0.0 || ^22.0.0 || >=24.0.0', false],
    ['20.19.0', '18 || 20 || >=22', true],
  ])('%s in "%s" is %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });

  it('refuses a range form it does not understand instead of guessing', () => {
    expect(() => satisfies('20.19.0', '>=18 <21')).toThrow('unsupported engines range');
  });
});
