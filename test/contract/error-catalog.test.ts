// The one table of error codes (shared/errors.ts ErrorCatalog) against everything that states a status
// for a code: the code that throws each error, the local emulator's own answers, openapi/openapi.json,
// the generated docs/errors.md and every "<status> <CODE>" pair in README.md and docs/*.md.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS_DOC, withRenderedTable } from '../../scripts/error-table.js';
import { ErrorCatalog, type ErrorCode, ErrorCodes } from '../../shared/errors.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CODES = new Set<string>(Object.values(ErrorCodes));
type Json = Record<string, unknown>;

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const FIXED_STATUS: Record<string, number> = {
  BadRequestError: 400,
  UnauthorizedError: 401,
  ForbiddenError: 403,
  NotFoundError: 404,
  MethodNotAllowedError: 405,
  ConflictError: 409,
  GoneError: 410,
  TooManyRequestsError: 429,
  PayloadTooLargeError: 413,
  UnsupportedMediaTypeError: 415,
  UnprocessableEntityError: 422,
  HeadersTooLargeError: 431,
  BadGatewayError: 502,
  ServiceUnavailableError: 503,
};

/** `[file, status, code]` for every error the code constructs with a literal status and code. */
function thrownPairs(): [string, number, string][] {
  const pattern =
    /new\s+(GatewayError|UpstreamError|BadRequestError|UnauthorizedError|ForbiddenError|NotFoundError|MethodNotAllowedError|ConflictError|GoneError|TooManyRequestsError|PayloadTooLargeError|UnsupportedMediaTypeError|UnprocessableEntityError|HeadersTooLargeError|BadGatewayError|ServiceUnavailableError)\(\s*(?:(\d{3})\s*,\s*)?ErrorCodes\.([A-Z_]+)|super\(\s*(\d{3})\s*,\s*ErrorCodes\.([A-Z_]+)|gatewayError\(\s*(\d{3})\s*,\s*'([A-Z_]+)'/g;
  const pairs: [string, number, string][] = [];
  for (const file of [...sources('shared'), ...sources('functions'), ...sources('local')]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(pattern)) {
      const status = m[2] ?? m[4] ?? m[6] ?? String(FIXED_STATUS[m[1] ?? ''] ?? '');
      const code = m[3] ?? m[5] ?? m[7] ?? '';
      if (status) pairs.push([file.slice(ROOT.length + 1), Number(status), code]);
    }
  }
  return pairs;
}

function mismatch(status: number, code: string): boolean {
  return !CODES.has(code) || !ErrorCatalog[code as ErrorCode].status.includes(status);
}

/** `[where, status, code]` for every error example of every documented answer. */
function openApiPairs(): [string, number, string][] {
  const doc = JSON.parse(readFileSync(join(ROOT, 'openapi', 'openapi.json'), 'utf8')) as Json;
  const components = (doc.components as Json).responses as Record<string, Json>;
  const pairs: [string, number, string][] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, operation] of Object.entries(item)) {
      const responses = (operation as Json).responses as Record<string, Json> | undefined;
      for (const [status, raw] of Object.entries(responses ?? {})) {
        const ref = typeof raw.$ref === 'string' ? raw.$ref.split('/').pop() : undefined;
        const response = ref ? (components[ref] ?? {}) : raw;
        const content = (response.content as Record<string, Json> | undefined) ?? {};
        for (const media of Object.values(content)) {
          for (const example of Object.values((media.examples as Record<string, Json>) ?? {})) {
            const code = ((example.value as Json | undefined)?.error as Json | undefined)?.code;
            if (typeof code === 'string') pairs.push([`${method.toUpperCase()} ${path}`, Number(status), code]);
          }
        }
      }
    }
  }
  return pairs;
}

/** `[file:line, status, code]` for the status/code pairs docs state: table rows and "401 CODE" in prose. */
function docPairs(): [string, number, string][] {
  const files = [
    join(ROOT, 'README.md'),
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md') && name !== 'errors.md')
      .map((name) => join(ROOT, 'docs', name)),
  ];
  const pairs: [string, number, string][] = [];
  for (const file of files) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        const where = `${file.slice(ROOT.length + 1)}:${index + 1}`;
        const row = /^\|\s*(\d{3})\s*\|([^|]*)\|/.exec(line);
        if (row) {
          // "| 403 | `BRAND_DISABLED`, 404 `BRAND_NOT_FOUND` | ...": a status inside the cell applies from there on.
          let status = Number(row[1]);
          for (const token of (row[2] ?? '').matchAll(/\b(\d{3})\b|\b([A-Z][A-Z_]{2,}[A-Z])\b/g)) {
            if (token[1]) status = Number(token[1]);
            else if (token[2] && CODES.has(token[2])) pairs.push([where, status, token[2]]);
          }
          return;
        }
        for (const m of line.matchAll(/\b([1-5]\d\d)\s+(?:\{"error":\{"code":")?`?([A-Z][A-Z_]{2,}[A-Z])\b/g)) {
          if (m[2] && CODES.has(m[2])) pairs.push([where, Number(m[1]), m[2]]);
        }
      });
  }
  return pairs;
}

describe('the error catalog', () => {
  it('docs/errors.md holds exactly the table generated from the catalog', () => {
    const current = readFileSync(ERRORS_DOC, 'utf8');
    expect(current, 'run: node --import tsx scripts/error-table.ts --write').toBe(withRenderedTable(current));
  });

  it('every error the code throws uses a status the catalog gives its code', () => {
    const pairs = thrownPairs();
    expect(pairs.length).toBeGreaterThan(40);
    expect(pairs.filter(([, status, code]) => mismatch(status, code))).toEqual([]);
  });

  it('every error example of openapi/openapi.json sits under a status the catalog gives its code', () => {
    const pairs = openApiPairs();
    expect(pairs.length).toBeGreaterThan(50);
    expect(pairs.filter(([, status, code]) => mismatch(status, code))).toEqual([]);
  });

  it('every status and code pair in README.md and docs/*.md agrees with the catalog', () => {
    const pairs = docPairs();
    expect(pairs.length).toBeGreaterThan(20);
    expect(pairs.filter(([, status, code]) => mismatch(status, code))).toEqual([]);
  });

  it('the checks see a wrong pair (the 401 admin-key row the docs had)', () => {
    expect(mismatch(401, 'FORBIDDEN')).toBe(true);
    expect(mismatch(400, 'BODY_TOO_LARGE')).toBe(true);
    expect(mismatch(403, 'FORBIDDEN')).toBe(false);
  });
});
