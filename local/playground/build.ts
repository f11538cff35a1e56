// Builds the developer playground (plain HTML + TypeScript, no framework) into local/playground/dist/, which
// the local stack serves at `/`. The stack calls buildPlayground() at start; `node --import tsx
// local/playground/build.ts` builds it by hand.
import { copyFile, mkdir, readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Where the built page goes by default (git-ignored). */
export const PLAYGROUND_DIST_DIR = join(HERE, 'dist');

/** Static files copied next to the bundle as they are. */
const STATIC_FILES = ['index.html', 'styles.css', 'favicon.svg'] as const;

export interface PlaygroundBuildOptions {
  /** Output folder; defaults to local/playground/dist. */
  outDir?: string;
  /** Minify the bundle (off by default so the page stays readable in the browser's dev tools). */
  minify?: boolean;
}

export interface PlaygroundBuild {
  outDir: string;
  /** File names written, relative to outDir. */
  files: string[];
}

/** Bundles the playground with esbuild and copies its static files; resolves once the folder is complete. */
export async function buildPlayground(options: PlaygroundBuildOptions = {}): Promise<PlaygroundBuild> {
  const outDir = options.outDir ?? PLAYGROUND_DIST_DIR;
  // Start clean so a removed asset never lingers in what the stack serves.
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(HERE, 'src', 'main.ts')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: options.minify ?? false,
    sourcemap: 'linked',
    logLevel: 'silent',
    legalComments: 'none',
  });
  for (const file of STATIC_FILES) await copyFile(join(HERE, file), join(outDir, file));
  return { outDir, files: (await readdir(outDir)).sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await buildPlayground();
  console.log(`playground built: ${result.files.join(', ')} in ${result.outDir}`);
}
