// The local stack's data folder (LOCAL_DATA_DIR, default .local-data/): where it is, the dev-clients.json
// handoff file the local tools read (token tool, brand CLI, ciam CLI), and owner-only file modes for
// everything written there (customers, links, keys and secrets are local, but still nobody else's).
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Default folder of the persisted local data (git-ignored). */
export const DEFAULT_DATA_DIR = join(ROOT, '.local-data');

/** The ports `npm start` takes unless PORT, CIAM_PORT, CAPILLARY_PORT, DYNAMODB_PORT or SSM_PORT say otherwise. */
export const DEFAULT_PORTS = { gateway: 3000, ciam: 3001, capillary: 3002, dynamodb: 3003, ssm: 3004 } as const;

/** The file where the stack writes its URLs, demo clients and admin key for the local tools. */
export const DEV_CLIENTS_FILE = 'dev-clients.json';

/** The generated local admin key, kept so it survives a restart. */
export const ADMIN_KEY_FILE = 'admin-key';

/** The data folder the tools use: LOCAL_DATA_DIR, else `.local-data/` at the repository root. */
export function localDataDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.LOCAL_DATA_DIR || DEFAULT_DATA_DIR);
}

const ClientSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
  redirectUri: z.string().min(1),
});

export const DevClientsSchema = z.object({
  issuer: z.string().min(1),
  gatewayUrl: z.string().min(1).optional(),
  /** The Capillary simulator's base URL (`brand init` with a loopback issuer points the brand at it). */
  capillaryUrl: z.string().min(1).optional(),
  adminKey: z.string().min(1).optional(),
  brandId: z.string().optional(),
  clients: z.object({ app: ClientSchema, spa: ClientSchema, brandClientId: z.string().optional() }),
  users: z.array(z.string()).default([]),
});
export type DevClients = z.infer<typeof DevClientsSchema>;

/** Why dev-clients.json could not be used, naming the file and LOCAL_DATA_DIR. */
export class DevClientsError extends Error {}

function describeDir(dataDir: string): string {
  return `LOCAL_DATA_DIR=${dataDir}`;
}

/** Reads `<dataDir>/dev-clients.json`, which the running local stack writes at every start. */
export function readDevClients(dataDir: string): DevClients {
  const file = join(dataDir, DEV_CLIENTS_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DevClientsError(
      `${file} not found (${describeDir(dataDir)}): start the local stack first (npm start), with the same LOCAL_DATA_DIR.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DevClientsError(
      `${file} is not valid JSON (${describeDir(dataDir)}); restart the local stack to rewrite it.`,
    );
  }
  const parsed = DevClientsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DevClientsError(
      `${file} has an unexpected shape (${describeDir(dataDir)}); restart the local stack to rewrite it.`,
    );
  }
  return parsed.data;
}

/** Creates a folder readable by its owner only (0700), tightening it when it already exists. */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes a file readable by its owner only (0600), atomically (temp file + rename). */
export function writePrivateFile(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, file);
}

/**
 * Sets every folder under `dir` to 0700 and every file to 0600. Files written by libraries (dynalite's
 * LevelDB, the playground build) get the process umask; the private folder already shields them, this
 * makes the files themselves private too.
 */
export function privatizeTree(dir: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(dir);
  } catch {
    return;
  }
  if (stat.isSymbolicLink()) return;
  if (!stat.isDirectory()) {
    chmodSync(dir, 0o600);
    return;
  }
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir)) privatizeTree(join(dir, entry));
}

/** The lock file a running stack keeps in its data folder (two stacks on one folder would corrupt dynalite's data). */
export const LOCK_FILE = 'stack.lock';

/** Another running stack holds the data folder. */
export class DataDirLockedError extends Error {
  readonly dataDir: string;
  readonly pid: number;

  constructor(dataDir: string, pid: number) {
    super(
      `The data folder ${dataDir} is in use by another local stack (pid ${pid}). Stop that one (Ctrl-C in its terminal), or start this one with another LOCAL_DATA_DIR.`,
    );
    this.name = 'DataDirLockedError';
    this.dataDir = dataDir;
    this.pid = pid;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the data folder for this process: writes `stack.lock` with the pid, refusing while another live process
 * holds it (a lock left by a process that died is taken over). Returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${JSON.stringify({ pid: process.pid, since: new Date().toISOString() })}\n`, {
        flag: 'wx',
        mode: 0o600,
      });
      return () => {
        if (holderOf(file) === process.pid) rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = holderOf(file);
      if (holder !== undefined && holder !== process.pid && alive(holder))
        throw new DataDirLockedError(dataDir, holder);
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function holderOf(file: string): number | undefined {
  try {
    const pid = (JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown }).pid;
    return typeof pid === 'number' && Number.isInteger(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}
