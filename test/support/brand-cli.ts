// Runs `npm run brand -- <args>` in process (tools/brand-cli.ts) against a stack: what it printed and its exit code.
import { readFile } from 'node:fs/promises';
import { type CliIo, runBrandCli } from '../../tools/brand-cli.js';

export async function runCli(
  env: Record<string, string | undefined>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    env,
    fetch: (url, init) => fetch(url, init),
    readFile: (path) => readFile(path, 'utf8'),
    // Prelink's pacing: tests do not wait.
    sleep: async () => undefined,
  };
  const code = await runBrandCli(args, io);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}
