// The layering rules of docs/architecture.md, checked on every import of the shipped folders (run by
// scripts/test.sh, so `npm test` fails on a violation). A small scanner rather than a lint plugin: it
// resolves relative imports to folders, which is what the rules are about, and it sees `import type` too
// (SDK types must stay out of domain signatures as much as SDK code out of domain modules).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LayerViolation {
  /** File that imports, relative to the checked root, with forward slashes. */
  file: string;
  /** The import specifier as written. */
  specifier: string;
  /** Which rule it breaks (stable names, listed in docs/architecture.md). */
  rule: LayerRule;
  message: string;
}

export type LayerRule =
  | 'shared-imports-outer-layer'
  | 'function-imports-function'
  | 'function-imports-outer-layer'
  | 'infra-imports-runtime-code'
  | 'aws-sdk-outside-adapters'
  | 'io-in-auth';

/** Folders scanned; everything else (local/, tools/, bench/, test/) may import any layer. */
const CHECKED_FOLDERS = ['shared', 'functions', 'infra'];
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const SDK_PACKAGE = /^@(?:aws-sdk|smithy)\//;
/** Modules that reach the network or the disk: the verifier core must get its keys through an injected port. */
const IO_MODULES = new Set(['http', 'https', 'http2', 'net', 'tls', 'dns', 'dgram', 'fs', 'child_process', 'undici']);
/** Folders of shared/ that do I/O or wire it up; shared/auth/ must not reach into them. */
const IO_FOLDERS = ['shared/adapters/', 'shared/runtime/'];
const OUTER_LAYERS = ['functions', 'infra', 'local', 'tools', 'bench', 'scripts', 'test'];

// Static imports and re-exports start a line (the formatter guarantees it); the clause between the keyword
// and `from` holds no quote or semicolon. Dynamic imports, `import('x').Type` and require() are matched anywhere.
const STATIC_IMPORT = /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module specifier a source text imports, re-exports or loads. */
export function importSpecifiers(source: string): string[] {
  const found = new Set<string>();
  for (const pattern of [STATIC_IMPORT, BARE_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of source.matchAll(pattern)) if (match[1]) found.add(match[1]);
  }
  return [...found];
}

function listSourceFiles(root: string, folder: string): string[] {
  const dir = path.join(root, folder);
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'cdk.out') continue;
    const relative = `${folder}/${entry}`;
    if (statSync(path.join(root, relative)).isDirectory()) files.push(...listSourceFiles(root, relative));
    else if (SOURCE_FILE.test(entry) && !entry.endsWith('.d.ts')) files.push(relative);
  }
  return files;
}

function topFolder(relativePath: string): string {
  return relativePath.split('/')[0] ?? '';
}

/** functions/<name>/...: the function's folder name. */
function functionName(relativePath: string): string | undefined {
  const [top, name] = relativePath.split('/');
  return top === 'functions' ? name : undefined;
}

function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const head = bare.split('/')[0] ?? bare;
  return IO_MODULES.has(head) ? head : undefined;
}

/** The rules for one import of one file; `target` is the resolved root-relative path of a relative import. */
function checkImport(file: string, specifier: string, target: string | undefined): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const add = (rule: LayerRule, message: string) => violations.push({ file, specifier, rule, message });
  const layer = topFolder(file);
  const targetLayer = target === undefined ? undefined : topFolder(target);

  if (layer === 'shared') {
    if (targetLayer !== undefined && (OUTER_LAYERS.includes(targetLayer) || target?.startsWith('..')))
      add('shared-imports-outer-layer', `shared/ is the inner layer and may not import ${targetLayer}/`);
    if (SDK_PACKAGE.test(specifier) && !file.startsWith('shared/adapters/'))
      add('aws-sdk-outside-adapters', 'only shared/adapters/ may import the AWS SDK (types included)');
    if (file.startsWith('shared/auth/')) {
      const io = builtinName(specifier);
      if (io) add('io-in-auth', `shared/auth/ is pure (keys arrive through an injected port) and may not import ${io}`);
      const ioFolder = target === undefined ? undefined : IO_FOLDERS.find((folder) => target.startsWith(folder));
      if (ioFolder) add('io-in-auth', `shared/auth/ may not import the I/O wiring in ${ioFolder}`);
    }
  }
  if (layer === 'functions' && target !== undefined) {
    const own = functionName(file);
    const other = functionName(target);
    if (other !== undefined && other !== own)
      add(
        'function-imports-function',
        `functions/${own}/ may not import functions/${other}/: move shared code to shared/`,
      );
    else if (targetLayer !== 'shared' && targetLayer !== 'functions')
      add('function-imports-outer-layer', `functions/ may import only shared/ and its own folder, not ${targetLayer}/`);
  }
  if (layer === 'infra' && targetLayer !== undefined && ['functions', 'local', 'tools', 'test'].includes(targetLayer))
    add('infra-imports-runtime-code', `infra/ may import shared/ declarations but not ${targetLayer}/`);
  return violations;
}

/** Checks every source file under shared/, functions/ and infra/ of `root`. */
export function checkLayers(root: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const file of CHECKED_FOLDERS.flatMap((folder) => listSourceFiles(root, folder))) {
    const source = readFileSync(path.join(root, file), 'utf8');
    for (const specifier of importSpecifiers(source)) {
      const target = specifier.startsWith('.')
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))
        : undefined;
      violations.push(...checkImport(file, specifier, target));
    }
  }
  return violations;
}

function main(): void {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.error(`${v.file}: imports '${v.specifier}' [${v.rule}]: ${v.message}`);
  if (violations.length > 0) {
    console.error(`check-layers: ${violations.length} layering violation(s); see docs/architecture.md`);
    process.exit(1);
  }
  console.log('check-layers: no layering violations');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
