// The save-time JWKS check reads its document through the one capped GET (shared/http/document-get.ts):
// a body over 256 KB is refused while it streams, a redirect is answered not followed, a good JWKS passes.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrandDocument } from '../../shared/config/brand-config.js';
import { checkJwks } from '../../shared/config/brand-checks.js';
import { generateTestKey, makeBrand } from '../support/jwt.js';

const key = generateTestKey('RS256', 'check-1');
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res): void => {
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [key.jwk] }));
      return;
    }
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/jwks' }).end();
      return;
    }
    // '/huge': chunked, no Content-Length, 300 KB of keys
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"keys":[');
    for (let i = 0; i < 300; i++) res.write(`${i ? ',' : ''}{"kid":"${'k'.repeat(1000)}"}`);
    res.end(']}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const documentWith = (jwksUri: string) => ({ ...makeBrand({ jwksUri }) }) as unknown as BrandDocument;
// Every peer here answers: a 2 s bound made a healthy JWKS look unreachable on a busy machine.
const options = { fetch: (url: string, init: RequestInit) => fetch(url, init), timeoutMs: 20_000 };

describe('checkJwks', () => {
  it('passes a JWKS with a usable key, and names a streamed body over the cap or a redirect', async () => {
    expect(await checkJwks(documentWith(`${base}/jwks`), options)).toEqual([]);
    expect(await checkJwks(documentWith(`${base}/huge`), options)).toEqual([
      { field: 'jwksUri', message: 'JWKS answered more than 262144 bytes' },
    ]);
    expect(await checkJwks(documentWith(`${base}/moved`), options)).toEqual([
      { field: 'jwksUri', message: 'JWKS answered HTTP 302 (redirects are not followed)' },
    ]);
  });
});
