// The GetDocument port, as both transports implement it (node:http(s) for the authorizer's JWKS, fetch for the
// rest), against loopback servers: the body with the Accept header sent, redirects answered not followed, the
// size cap as declared and as streamed, one timeout for the whole exchange, and failures as rejections.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeHttpGet } from '../../shared/adapters/node-http-get.js';
import { DocumentTooLargeError, type GetDocument, getDocumentWithFetch } from '../../shared/http/document-get.js';

let server: Server;
let base = '';
const seen: { path: string; headers: IncomingHttpHeaders }[] = [];

beforeAll(async () => {
  server = createServer((req, res): void => {
    seen.push({ path: req.url ?? '', headers: req.headers });
    if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
      return;
    }
    if (req.url === '/moved') {
      res.writeHead(302, { location: '/jwks' }).end('moved');
      return;
    }
    if (req.url === '/missing') {
      res.writeHead(404).end('nope');
      return;
    }
    if (req.url === '/declared-large') {
      res.writeHead(200, { 'content-length': '2048' }).end('x'.repeat(2048));
      return;
    }
    if (req.url === '/streamed-large') {
      res.writeHead(200); // chunked: no Content-Length to refuse up front
      res.write('x'.repeat(600));
      setTimeout(() => res.end('x'.repeat(600)), 10);
      return;
    }
    if (req.url === '/slow-body') {
      res.writeHead(200);
      res.write('{"keys":');
      return; // never ends
    }
    // '/hang': no answer at all
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// Answers that come get the production JWKS timeout: a short one raced them on a busy machine (a streamed body's
// second chunk, the first fetch() that loads undici). Only the test of the timeout itself uses a short one, on
// peers that never answer, so its value decides how long the test waits, never whether it passes.
const options = { accept: 'application/jwk-set+json, application/json', timeoutMs: 3_000, maxBytes: 1024 };
const shortTimeout = { ...options, timeoutMs: 300 };

describe.each<[string, GetDocument]>([
  ['node:http', nodeHttpGet],
  ['fetch', getDocumentWithFetch((url, init) => fetch(url, init))],
])('GetDocument over %s', (_name, get) => {
  it('answers the status and body, sending the Accept header', async () => {
    const answer = await get(`${base}/jwks`, options);
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{"keys":[]}');
    expect(seen.at(-1)?.headers.accept).toBe(options.accept);
  });

  it('answers a redirect as its status without following it, and other statuses with no body', async () => {
    const before = seen.length;
    expect(await get(`${base}/moved`, options)).toEqual({ status: 302, body: Buffer.alloc(0) });
    expect(seen.slice(before).map((s) => s.path)).toEqual(['/moved']);
    expect(await get(`${base}/missing`, options)).toEqual({ status: 404, body: Buffer.alloc(0) });
  });

  it('refuses a body over the cap, declared or streamed', async () => {
    await expect(get(`${base}/declared-large`, options)).rejects.toBeInstanceOf(DocumentTooLargeError);
    await expect(get(`${base}/streamed-large`, options)).rejects.toBeInstanceOf(DocumentTooLargeError);
  });

  it('gives up after the timeout, whether the answer or the body never comes', async () => {
    for (const path of ['/hang', '/slow-body']) {
      // Without the timeout this never settles (the test's own timeout fails it); with it, it is the timeout's error.
      await expect(get(`${base}${path}`, shortTimeout)).rejects.toThrow(/timed out|timeout/i);
    }
  });

  it('rejects when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expect(get(url, options)).rejects.toThrow();
  });
});

describe('nodeHttpGet', () => {
  it('speaks TLS to an https URL (a plain-http server cannot answer it) and refuses other protocols', async () => {
    await expect(nodeHttpGet(`${base.replace('http:', 'https:')}/jwks`, options)).rejects.toThrow();
    await expect(nodeHttpGet('ftp://127.0.0.1/jwks', options)).rejects.toBeInstanceOf(TypeError);
  });
});
