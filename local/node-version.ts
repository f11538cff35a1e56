// The Node.js version check of `npm start`; package.json `engines.node` is the one place the version is stated.

/**
 * Why `version` does not satisfy `engines` (a `>=x.y.z` range), or undefined when it does. Checked before
 * anything else is loaded, so an old Node gets one clear line instead of a syntax or API error.
 */
export function nodeVersionProblem(engines: string, version: string): string | undefined {
  const wanted = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(engines.trim());
  if (!wanted) return undefined;
  const need = wanted.slice(1).map((part) => Number(part ?? 0));
  const have = version.replace(/^v/, '').split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0;
    const b = need[i] ?? 0;
    if (a > b) return undefined;
    if (a < b)
      return `ciam-gateway needs Node.js ${engines.trim()} (package.json "engines"); this is Node.js ${version}.`;
  }
  return undefined;
}
