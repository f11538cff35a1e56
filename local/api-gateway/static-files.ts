// What the emulator serves besides the routes: JSON documents, openapi.json and the static folder (the
// playground), with JSON 404s for the two files a developer expects to be there.
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { gatewayError } from './gateway-error.js';
import type { GatewayAnswer } from './types.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

export interface StaticFileOptions {
  /** Folder served at `/` (index.html) and for static assets. */
  staticDir?: string;
  /** File served as `GET /openapi.json`. */
  openApiFile?: string;
  /** JSON documents served on GET, by path. */
  documents?: Record<string, () => unknown | Promise<unknown>>;
}

/** The answer for a GET/HEAD outside the routes; undefined when nothing is served there. */
export async function serveStatic(
  options: StaticFileOptions,
  method: string,
  path: string,
  requestId: string,
): Promise<GatewayAnswer | undefined> {
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const document = options.documents?.[path];
  if (document) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: Buffer.from(JSON.stringify(await document())),
    };
  }
  let file: string | undefined;
  if (path === '/openapi.json') {
    file = options.openApiFile;
    if (!file) return gatewayError(404, 'ROUTE_NOT_FOUND', 'openapi/openapi.json is not available', requestId);
  } else if (options.staticDir) {
    const root = normalize(options.staticDir);
    let decoded: string;
    try {
      decoded = decodeURIComponent(path === '/' ? '/index.html' : path);
    } catch {
      return undefined;
    }
    const candidate = normalize(join(root, decoded));
    if (!candidate.startsWith(root + sep)) return undefined;
    file = candidate;
  }
  if (!file) return undefined;
  try {
    if (!(await stat(file)).isFile()) return undefined;
    const body = await readFile(file);
    return {
      status: 200,
      headers: {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
      body,
    };
  } catch {
    return path === '/openapi.json' || path === '/'
      ? gatewayError(404, 'ROUTE_NOT_FOUND', `${path} is not available (not built)`, requestId)
      : undefined;
  }
}
