// `npm ci` prints no install-script warning (issue 24 item 6): npm 11 blocks dependency install scripts unless
// package.json's allowScripts decides each one, so every locked package with an install script must be listed there
// (README.md, "Running the tests", says why each is denied).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

describe('dependency install scripts', () => {
  it('are each decided in allowScripts, so npm ci has nothing to warn about', () => {
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([where]) => where.slice(where.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(withScripts.length).toBeGreaterThan(0);
    for (const name of withScripts) expect(pkg.allowScripts, name).toHaveProperty(name);
  });

  it('are each explained in the README', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    for (const name of Object.keys(pkg.allowScripts ?? {})) expect(readme).toContain(`\`${name}\``);
  });
});
