// Derives, from the source alone, the AWS actions each function's code can call: the modules reachable from
// functions/<name>/index.ts (static and dynamic relative imports), the adapter classes and functions they
// reference, the adapter methods they call by name, and the SDK commands in those methods (following `this.x(`
// calls inside a class and references between adapter functions). A method counts only when reachable code calls
// a method of that name, so a store's write methods are not charged to a function that only reads through it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** SDK command class -> IAM action (lib-dynamodb document commands and their client-dynamodb twins). */
const COMMAND_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetCommand: ['dynamodb:GetItem'],
  GetItemCommand: ['dynamodb:GetItem'],
  PutCommand: ['dynamodb:PutItem'],
  PutItemCommand: ['dynamodb:PutItem'],
  UpdateCommand: ['dynamodb:UpdateItem'],
  UpdateItemCommand: ['dynamodb:UpdateItem'],
  DeleteCommand: ['dynamodb:DeleteItem'],
  DeleteItemCommand: ['dynamodb:DeleteItem'],
  QueryCommand: ['dynamodb:Query'],
  ScanCommand: ['dynamodb:Scan'],
  BatchGetCommand: ['dynamodb:BatchGetItem'],
  BatchWriteCommand: ['dynamodb:BatchWriteItem'],
  // A transaction is authorised item by item: each Put/Update/Delete/ConditionCheck needs its own action.
  TransactWriteCommand: [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
  TransactGetCommand: ['dynamodb:GetItem'],
  GetParameterCommand: ['ssm:GetParameter'],
  GetParametersCommand: ['ssm:GetParameters'],
  PutParameterCommand: ['ssm:PutParameter'],
  DeleteParameterCommand: ['ssm:DeleteParameter'],
};

interface AdapterSymbol {
  file: string;
  name: string;
  /** Method name -> commands used in its body ('' = a free function's whole body). */
  methods: Map<string, Set<string>>;
  /** Method name -> names of `this.x(` calls in its body. */
  selfCalls: Map<string, Set<string>>;
  /** Other adapter symbols named in its body. */
  references: Set<string>;
  /** The adapter class it extends (its `this.x(` helpers may live there). */
  base?: string;
  /** An abstract base: it acts only through its subclasses, on their tables. */
  abstract: boolean;
}

const COMMAND_PATTERN = /\bnew (\w+Command)\s*\(/g;

const sources = new Map<string, string>();
function readSource(file: string): string {
  let source = sources.get(file);
  if (source === undefined) {
    source = readFileSync(file, 'utf8');
    sources.set(file, source);
  }
  return source;
}

/** Relative imports (static and dynamic) of one TypeScript module, resolved to .ts files. */
function importsOf(file: string): string[] {
  const source = readSource(file);
  const found = new Set<string>();
  for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), match[1] ?? '').replace(/\.js$/, '.ts');
    if (existsSync(target)) found.add(target);
  }
  return [...found];
}

/** Every module reachable from `entry`. */
function reachableModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...importsOf(file));
  }
  return seen;
}

/** Splits a class body into its methods (two-space indented `name(` / `async name(` / `private ...`). */
function methodChunks(body: string): Map<string, string> {
  const chunks = new Map<string, string>();
  const pattern = /^ {2}(?:(?:private|protected|public|static|readonly|async|get)\s+)*(\w+)\s*(?:<[^>]*>)?\(/gm;
  const starts = [...body.matchAll(pattern)].map((match) => ({ name: match[1] ?? '', index: match.index ?? 0 }));
  starts.forEach((start, i) => {
    const end = starts[i + 1]?.index ?? body.length;
    chunks.set(start.name, `${chunks.get(start.name) ?? ''}${body.slice(start.index, end)}`);
  });
  return chunks;
}

/** The exported classes and functions of every adapter module, with the commands of each method. */
export function adapterSymbols(adaptersDir: string): Map<string, AdapterSymbol> {
  const symbols = new Map<string, AdapterSymbol>();
  for (const name of readdirSync(adaptersDir).filter((file) => file.endsWith('.ts'))) {
    const file = join(adaptersDir, name);
    const source = readSource(file);
    const declarations = [...source.matchAll(/^export (async |abstract )?(class|function) (\w+)(?: extends (\w+))?/gm)];
    declarations.forEach((declaration, i) => {
      const start = declaration.index ?? 0;
      const end = declarations[i + 1]?.index ?? source.length;
      const body = source.slice(start, end);
      const symbol: AdapterSymbol = {
        file,
        name: declaration[3] ?? '',
        methods: new Map(),
        selfCalls: new Map(),
        references: new Set(),
        ...(declaration[4] ? { base: declaration[4] } : {}),
        abstract: declaration[1] === 'abstract ',
      };
      const parts = declaration[2] === 'class' ? methodChunks(body) : new Map([['', body]]);
      for (const [method, chunk] of parts) {
        symbol.methods.set(method, new Set([...chunk.matchAll(COMMAND_PATTERN)].map((m) => m[1] ?? '')));
        symbol.selfCalls.set(method, new Set([...chunk.matchAll(/this\.(\w+)\(/g)].map((m) => m[1] ?? '')));
      }
      symbols.set(symbol.name, symbol);
    });
  }
  for (const symbol of symbols.values()) {
    const source = readSource(symbol.file);
    for (const other of symbols.keys()) {
      if (other !== symbol.name && new RegExp(`\\b${other}\\(`).test(source)) symbol.references.add(other);
    }
  }
  return symbols;
}

/** Commands a method can run, its own `this.x()` helpers and the adapter functions it names included. */
function commandsOf(
  symbols: Map<string, AdapterSymbol>,
  symbol: AdapterSymbol,
  method: string,
  seen = new Set<string>(),
): Set<string> {
  const key = `${symbol.name}.${method}`;
  if (seen.has(key)) return new Set();
  seen.add(key);
  const commands = new Set(symbol.methods.get(method) ?? []);
  for (const helper of symbol.selfCalls.get(method) ?? []) {
    // A helper the class does not declare is inherited from its base class.
    const owner = symbol.methods.has(helper) ? symbol : symbols.get(symbol.base ?? '');
    if (owner === undefined) continue;
    for (const command of commandsOf(symbols, owner, helper, seen)) commands.add(command);
  }
  for (const reference of symbol.references) {
    const other = symbols.get(reference);
    if (other === undefined) continue;
    for (const otherMethod of other.methods.keys()) {
      for (const command of commandsOf(symbols, other, otherMethod, seen)) commands.add(command);
    }
  }
  return commands;
}

export interface DerivedAccess {
  /** Adapter symbol -> IAM actions its reachable methods call. */
  bySymbol: Map<string, Set<string>>;
}

/**
 * The actions one function's code can call, per adapter symbol. A class counts when reachable non-adapter code
 * names it, and then only the methods some reachable module calls (`.name(`).
 */
export function deriveFunctionAccess(entry: string, adaptersDir: string): DerivedAccess {
  const symbols = adapterSymbols(adaptersDir);
  const modules = [...reachableModules(entry)];
  const code = modules
    .filter((file) => !relative(adaptersDir, file).match(/^[^.]/) || relative(adaptersDir, file).startsWith('..'))
    .map(readSource)
    .join('\n');
  const adapterFiles = new Set(modules.filter((file) => !relative(adaptersDir, file).startsWith('..')));
  const called = new Set([...code.matchAll(/\.(\w+)\(/g)].map((m) => m[1] ?? ''));
  const bySymbol = new Map<string, Set<string>>();
  for (const symbol of symbols.values()) {
    if (!adapterFiles.has(symbol.file)) continue;
    if (!new RegExp(`\\b${symbol.name}\\b`).test(code)) continue;
    const methods = [...symbol.methods.keys()].filter((method) => method === '' || called.has(method));
    const actions = new Set<string>();
    for (const method of methods) {
      for (const command of commandsOf(symbols, symbol, method)) {
        const mapped = COMMAND_ACTIONS[command];
        if (mapped === undefined) throw new Error(`${symbol.name}.${method}: no IAM mapping for ${command}`);
        for (const action of mapped) actions.add(action);
      }
    }
    if (actions.size > 0) bySymbol.set(symbol.name, actions);
  }
  return { bySymbol };
}
