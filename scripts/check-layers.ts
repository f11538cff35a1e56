// The layering rules of docs/architecture.md, checked on every import of the shipped folders (run by
// scripts/test.sh, so `npm test` fails on a violation). A small scanner rather than a lint plugin: it
// resolves relative imports to folders, which is what the rules are about, and it sees `import type` too
// (SDK types must stay out of domain signatures as much as SDK code out of domain modules). Besides imports it
// reads a few ambient globals that are I/O without an import: `fetch` and the clock in shared/auth/, and
// `process.env` outside the composition roots.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LayerViolation {
  /** File that imports, relative to the checked root, with forward slashes. */
  file: string;
  /** 1-based line of the import or use. */
  line: number;
  /** The import specifier as written, or the ambient expression used (e.g. `globalThis.fetch`). */
  specifier: string;
  /** Which rule it breaks (stable names, listed in docs/architecture.md). */
  rule: LayerRule;
  message: string;
}

export type LayerRule =
  | 'shared-imports-outer-layer'
  | 'shared-imports-upward'
  | 'function-imports-function'
  | 'function-imports-outer-layer'
  | 'infra-imports-runtime-code'
  | 'aws-sdk-outside-adapters'
  | 'io-in-auth'
  | 'ambient-io-in-auth'
  | 'env-outside-composition-root'
  | 'runtime-imports-dev-dependency';

/** One module a source file loads: the specifier, whether only types are imported, and the line. */
export interface ModuleReference {
  specifier: string;
  /** `import type` / `export type`: erased by the compiler and esbuild, never loaded at run time. */
  typeOnly: boolean;
  line: number;
}

/** Folders scanned; everything else (local/, tools/, bench/, scripts/, test/) may import any layer. */
const CHECKED_FOLDERS = ['shared', 'functions', 'infra'];
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
const SDK_PACKAGE = /^@(?:aws-sdk|smithy)\//;
/** Modules that reach the network or the disk: the verifier core must get its keys through an injected port. */
const IO_MODULES = new Set(['http', 'https', 'http2', 'net', 'tls', 'dns', 'dgram', 'fs', 'child_process', 'undici']);
/** The wiring layers of shared/, outermost first: each may import the ones after it and the domain, never before. */
const WIRING_FOLDERS = ['shared/runtime/', 'shared/adapters/'];
const OUTER_LAYERS = ['functions', 'infra', 'local', 'tools', 'bench', 'scripts', 'test'];
/** The shared/ modules infra/ may import: declarations (names, tables, codes), no use-case or I/O code. */
export const INFRA_DECLARATIONS = [
  'shared/routes.ts',
  'shared/env.ts',
  'shared/errors.ts',
  'shared/storage/tables.ts',
  'shared/observability/metrics.ts',
];

/**
 * Globals that are I/O without an import, refused in shared/auth/ (keys and clocks arrive through injected
 * ports). `fetch` counts wherever it is not a property (`options.fetch`) or a key (`fetch:`), so a binding named
 * `fetch` in shared/auth/ is refused too: it reads as the global.
 */
const AMBIENT_IN_AUTH: readonly { pattern: RegExp; what: string }[] = [
  { pattern: /\b(?:globalThis|global|self|window)\s*\.\s*fetch\b/g, what: 'the global fetch' },
  { pattern: /(?<![\w$]|\.\s*)fetch\b(?![\w$]|\s*\??\s*:)/g, what: 'the global fetch' },
  { pattern: /(?<![\w$.])(?:WebSocket|XMLHttpRequest|EventSource)\b/g, what: 'a network global' },
  {
    pattern: /\bDate\s*\.\s*now\b|\bnew\s+Date\s*\(\s*\)|\bperformance\s*\.\s*now\b|\bprocess\s*\.\s*hrtime\b/g,
    what: 'the ambient clock',
  },
];
/** `process.env` and `process['env']` (the second is matched with string contents kept). */
const PROCESS_ENV = /\bprocess\s*\.\s*env\b/g;
const PROCESS_ENV_INDEXED = /\bprocess\s*\[\s*['"]env['"]\s*\]/g;

// Static imports and re-exports start a line (the formatter guarantees it); the clause between the keyword
// and `from` holds no quote or semicolon. Dynamic imports, `import('x').Type` and require() are matched anywhere.
const STATIC_IMPORT = /^[ \t]*(import|export)(\s+type\b)?[^;'"`]*?\bfrom\s*['"]([^'"]+)['"]/gm;
const BARE_IMPORT = /^[ \t]*import\s*['"]([^'"]+)['"]/gm;
const DYNAMIC_IMPORT = /\b(?:import|require)\s*\(\s*(?:['"]([^'"]+)['"]|`([^`$]+)`)\s*\)/g;

function lineAt(source: string, index: number): number {
  let line = 1;
  for (let i = source.indexOf('\n'); i !== -1 && i < index; i = source.indexOf('\n', i + 1)) line++;
  return line;
}

/** Every module a source text imports, re-exports or loads, with whether only its types are used. */
export function moduleReferences(source: string): ModuleReference[] {
  const code = blankCommentsAndStrings(source, { keepStrings: true });
  const found = new Map<string, ModuleReference>();
  const add = (specifier: string | undefined, typeOnly: boolean, index: number) => {
    if (!specifier) return;
    const previous = found.get(specifier);
    // A module imported both for types and for values is loaded: the value import wins.
    if (previous === undefined || (previous.typeOnly && !typeOnly))
      found.set(specifier, { specifier, typeOnly, line: lineAt(source, index) });
  };
  for (const match of code.matchAll(STATIC_IMPORT)) add(match[3], match[2] !== undefined, match.index);
  for (const match of code.matchAll(BARE_IMPORT)) add(match[1], false, match.index);
  for (const match of code.matchAll(DYNAMIC_IMPORT)) add(match[1] ?? match[2], false, match.index);
  return [...found.values()];
}

/** Every module specifier a source text imports, re-exports or loads. */
export function importSpecifiers(source: string): string[] {
  return moduleReferences(source).map((reference) => reference.specifier);
}

/**
 * The source with comments (and, unless `keepStrings`, string and template contents) replaced by spaces, line
 * breaks kept, so patterns match code only and indexes still point at the original lines.
 */
export function blankCommentsAndStrings(source: string, options: { keepStrings?: boolean } = {}): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < source.length) {
    const char = source[i];
    const next = source[i + 1];
    if (char === '/' && next === '/') {
      const end = source.indexOf('\n', i);
      const stop = end === -1 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (char === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (char === "'" || char === '"' || char === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== char) j += source[j] === '\\' ? 2 : 1;
      if (!options.keepStrings) blank(i + 1, j);
      i = j + 1;
    } else i++;
  }
  return out.join('');
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

/** functions/<name>/index.ts: the composition root, the one place that reads process.env. */
function isCompositionRoot(relativePath: string): boolean {
  return /^functions\/[^/]+\/index\.[cm]?[jt]s$/.test(relativePath);
}

/** The wiring folder of shared/ a path is in (runtime, adapters), or undefined for the domain. */
function wiringFolder(relativePath: string): string | undefined {
  return WIRING_FOLDERS.find((folder) => relativePath.startsWith(folder));
}

function builtinName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const head = bare.split('/')[0] ?? bare;
  return IO_MODULES.has(head) ? head : undefined;
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`; undefined for relative paths and Node built-ins. */
function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** `shared/routes.js` (as imported) -> `shared/routes.ts`. */
function sourcePath(target: string): string {
  return target.replace(/\.[cm]?js$/, '.ts');
}

interface Context {
  /** package.json `dependencies` (what a Lambda bundle may contain), or undefined when the root has none. */
  runtimeDependencies: ReadonlySet<string> | undefined;
}

/** The rules for one import of one file; `target` is the resolved root-relative path of a relative import. */
function checkImport(file: string, reference: ModuleReference, target: string | undefined, context: Context) {
  const { specifier, typeOnly, line } = reference;
  const violations: LayerViolation[] = [];
  const add = (rule: LayerRule, message: string) => violations.push({ file, line, specifier, rule, message });
  const layer = topFolder(file);
  const targetLayer = target === undefined ? undefined : topFolder(target);
  const runtimeCode = layer === 'shared' || layer === 'functions';

  if (runtimeCode && SDK_PACKAGE.test(specifier) && !file.startsWith('shared/adapters/'))
    add('aws-sdk-outside-adapters', 'only shared/adapters/ may import the AWS SDK (types included)');
  const pkg = packageName(specifier);
  if (runtimeCode && !typeOnly && pkg !== undefined && context.runtimeDependencies?.has(pkg) === false)
    add(
      'runtime-imports-dev-dependency',
      `${pkg} is not in package.json dependencies, so a Lambda bundle may not load it (types: use import type)`,
    );

  if (layer === 'shared') {
    if (targetLayer !== undefined && (OUTER_LAYERS.includes(targetLayer) || target?.startsWith('..')))
      add('shared-imports-outer-layer', `shared/ is the inner layer and may not import ${targetLayer}/`);
    const from = wiringFolder(file);
    const to = target === undefined ? undefined : wiringFolder(target);
    if (
      to !== undefined &&
      from !== to &&
      (from === undefined || WIRING_FOLDERS.indexOf(to) < WIRING_FOLDERS.indexOf(from))
    )
      add(
        'shared-imports-upward',
        `${from ?? 'the domain code of shared/'} may not import ${to}: runtime -> adapters -> domain, never upward`,
      );
    if (file.startsWith('shared/auth/')) {
      const io = builtinName(specifier);
      if (io) add('io-in-auth', `shared/auth/ is pure (keys arrive through an injected port) and may not import ${io}`);
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
  if (layer === 'infra' && target !== undefined) {
    if (targetLayer === 'shared' && !INFRA_DECLARATIONS.includes(sourcePath(target)))
      add(
        'infra-imports-runtime-code',
        `infra/ may import only the shared/ declarations (${INFRA_DECLARATIONS.join(', ')}), not ${sourcePath(target)}`,
      );
    else if (targetLayer !== 'shared' && targetLayer !== 'infra')
      add('infra-imports-runtime-code', `infra/ may import shared/ declarations but not ${targetLayer}/`);
  }
  return violations;
}

/** Ambient I/O, clock and process.env uses of one file (imports aside). */
function checkAmbient(file: string, source: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const code = blankCommentsAndStrings(source);
  const codeWithStrings = blankCommentsAndStrings(source, { keepStrings: true });
  const found = (pattern: RegExp, rule: LayerRule, message: (text: string) => string, text = code) => {
    for (const match of text.matchAll(pattern)) {
      const specifier = match[0].replace(/\s+/g, '');
      violations.push({ file, line: lineAt(source, match.index), specifier, rule, message: message(specifier) });
    }
  };
  if (file.startsWith('shared/auth/'))
    for (const { pattern, what } of AMBIENT_IN_AUTH)
      found(
        pattern,
        'ambient-io-in-auth',
        (text) => `shared/auth/ may not use ${what} (${text}): take it through an injected port (a transport, now)`,
      );
  if ((topFolder(file) === 'shared' || topFolder(file) === 'functions') && !isCompositionRoot(file)) {
    const message = () => 'only functions/<name>/index.ts reads process.env (through shared/env.ts); pass settings in';
    found(PROCESS_ENV, 'env-outside-composition-root', message);
    found(PROCESS_ENV_INDEXED, 'env-outside-composition-root', message, codeWithStrings);
  }
  return violations;
}

function readRuntimeDependencies(root: string): Set<string> | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    return new Set(Object.keys(manifest.dependencies ?? {}));
  } catch {
    return undefined;
  }
}

/** Checks every source file under shared/, functions/ and infra/ of `root`. */
export function checkLayers(root: string): LayerViolation[] {
  const context: Context = { runtimeDependencies: readRuntimeDependencies(root) };
  const violations: LayerViolation[] = [];
  for (const file of CHECKED_FOLDERS.flatMap((folder) => listSourceFiles(root, folder))) {
    const source = readFileSync(path.join(root, file), 'utf8');
    for (const reference of moduleReferences(source)) {
      const target = reference.specifier.startsWith('.')
        ? path.posix.normalize(path.posix.join(path.posix.dirname(file), reference.specifier))
        : undefined;
      violations.push(...checkImport(file, reference, target, context));
    }
    violations.push(...checkAmbient(file, source));
  }
  return violations;
}

function main(): void {
  const root = path.resolve(process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const violations = checkLayers(root);
  for (const v of violations) console.error(`${v.file}:${v.line}: '${v.specifier}' [${v.rule}]: ${v.message}`);
  if (violations.length > 0) {
    console.error(`check-layers: ${violations.length} layering violation(s); see docs/architecture.md`);
    process.exit(1);
  }
  console.log('check-layers: no layering violations');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
