// One verifier: access, ID and logout tokens all go through shared/auth (parser, header rules, brand keys,
// JWKS cache); jose stays a test oracle and a tool of the local stack, never a runtime dependency.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('the runtime', () => {
  it('imports no JOSE library: every token kind uses the project verifier', () => {
    const importing = [...sources('shared'), ...sources('functions')].filter((file) =>
      /from ['"](jose|jsonwebtoken|aws-jwt-verify)['"]/.test(readFileSync(file, 'utf8')),
    );
    expect(importing).toEqual([]);
  });

  it('does not ship jose as a production dependency', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).not.toContain('jose');
  });
});
