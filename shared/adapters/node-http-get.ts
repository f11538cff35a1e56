// GetDocument on node:http / node:https: the authorizer's JWKS transport. The AWS SDK's HTTP handler has
// loaded these modules before the first JWKS fetch, whereas the first fetch() of a process loads undici
// (20-30 ms of a cold start). No redirect is followed, nothing is decompressed (no Accept-Encoding is sent),
// the body is capped as declared and as received, and one timer bounds connection, answer and body.
// guardedHttpGet checks every connection's resolved address (shared/http/address-policy.ts).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { BlockedAddressError, isAllowedAddress } from '../http/address-policy.js';
import { DocumentTooLargeError, type GetDocument } from '../http/document-get.js';
import { type GuardedHttpOptions, guardedLookup } from './guarded-http.js';

/** nodeHttpGet whose connections are checked where they are made (shared/adapters/guarded-http.ts). */
export function guardedHttpGet(guard: GuardedHttpOptions): GetDocument {
  const lookup = guardedLookup(guard.policy, guard.resolve);
  return (url, options) => {
    const host = URL.canParse(url) ? new URL(url).hostname.replace(/^\[|\]$/g, '') : '';
    if (isIP(host) !== 0 && !isAllowedAddress(host, guard.policy)) {
      return Promise.reject(new BlockedAddressError(host, host));
    }
    return getWith(url, options, lookup);
  };
}

/** Unguarded (tests and tools on loopback); the functions use guardedHttpGet. */
export const nodeHttpGet: GetDocument = (url, options) => getWith(url, options, undefined);

function getWith(
  url: string,
  { accept, timeoutMs, maxBytes }: Parameters<GetDocument>[1],
  lookup: ReturnType<typeof guardedLookup> | undefined,
): ReturnType<GetDocument> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : target.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      reject(new TypeError(`unsupported protocol ${target.protocol}`));
      return;
    }
    // The first of answer, failure and timeout settles the promise; every later event is ignored.
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done();
    };
    const fail = (error: Error) => {
      settle(() => reject(error));
      request.destroy();
    };
    // agent: false: a fresh connection each time. JWKS fetches are minutes apart; a kept-alive socket would
    // likely be dead after a Lambda freeze and fail the fetch with ECONNRESET.
    const request = send(
      target,
      { method: 'GET', headers: { accept }, agent: false, ...(lookup ? { lookup } : {}) },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status !== 200) {
          response.resume();
          settle(() => resolve({ status, body: Buffer.alloc(0) }));
          request.destroy();
          return;
        }
        if (Number(response.headers['content-length'] ?? '0') > maxBytes) {
          fail(new DocumentTooLargeError(maxBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) fail(new DocumentTooLargeError(maxBytes));
          else chunks.push(chunk);
        });
        response.on('end', () => settle(() => resolve({ status, body: Buffer.concat(chunks) })));
        response.on('error', fail);
      },
    );
    const timer = setTimeout(() => fail(new Error(`GET ${target.origin} timed out after ${timeoutMs} ms`)), timeoutMs);
    request.on('error', fail);
    request.end();
  });
}
