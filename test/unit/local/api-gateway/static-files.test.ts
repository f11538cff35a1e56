// Static serving alone: documents, openapi.json, the static folder (no escaping it), and the JSON 404s.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from '../../../../local/api-gateway/static-files.js';

describe('serveStatic', () => {
  let tmp: string;
  let site: string;

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'emulator-static-'));
    site = join(tmp, 'site');
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<h1>hi</h1>');
    writeFileSync(join(site, 'assets', 'app.js'), 'x()');
    writeFileSync(join(site, 'blob.bin'), 'b');
    writeFileSync(join(tmp, 'secret.txt'), 'no');
    writeFileSync(join(tmp, 'openapi.json'), '{"openapi":"3.1.0"}');
  });

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('serves documents, openapi.json and files of the folder with their content types', async () => {
    const options = {
      staticDir: site,
      openApiFile: join(tmp, 'openapi.json'),
      documents: { '/c.json': () => ({ a: 1 }) },
    };
    const doc = await serveStatic(options, 'GET', '/c.json', 'r');
    expect(doc?.body.toString()).toBe('{"a":1}');
    expect(doc?.headers['cache-control']).toBe('no-store');
    expect((await serveStatic(options, 'GET', '/openapi.json', 'r'))?.body.toString()).toBe('{"openapi":"3.1.0"}');
    const index = await serveStatic(options, 'HEAD', '/', 'r');
    expect(index?.headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await serveStatic(options, 'GET', '/assets/app.js', 'r'))?.headers['content-type']).toBe(
      'text/javascript; charset=utf-8',
    );
    expect((await serveStatic(options, 'GET', '/blob.bin', 'r'))?.headers['content-type']).toBe(
      'application/octet-stream',
    );
  });

  it('serves nothing for other methods, folders, missing files or paths leaving the folder', async () => {
    const options = { staticDir: site };
    expect(await serveStatic(options, 'POST', '/', 'r')).toBeUndefined();
    expect(await serveStatic(options, 'GET', '/assets', 'r')).toBeUndefined();
    expect(await serveStatic(options, 'GET', '/missing.js', 'r')).toBeUndefined();
    expect(await serveStatic(options, 'GET', '/..%2Fsecret.txt', 'r')).toBeUndefined();
    expect(await serveStatic(options, 'GET', '/%E0%A4%A', 'r')).toBeUndefined();
    expect(await serveStatic({}, 'GET', '/index.html', 'r')).toBeUndefined();
  });

  it('answers / and /openapi.json with JSON 404s when they are not there', async () => {
    const empty = { staticDir: join(tmp, 'nothing'), openApiFile: join(tmp, 'nothing.json') };
    for (const path of ['/', '/openapi.json']) {
      const answer = await serveStatic(empty, 'GET', path, 'r');
      expect(answer?.status).toBe(404);
      expect(JSON.parse(answer?.body.toString() ?? '').error.code).toBe('ROUTE_NOT_FOUND');
    }
    expect((await serveStatic({}, 'GET', '/openapi.json', 'r'))?.status).toBe(404);
  });
});
