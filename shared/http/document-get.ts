// The port of small outbound GETs whose whole body is read at once (a JWKS): a URL in, the status and the
// capped body out. Narrower than fetch so the authorizer can use a transport that costs less at cold start
// (shared/adapters/node-http-get.ts: node:http(s), already loaded by the AWS SDK, where the first fetch()
// loads undici, 20-30 ms); `getDocumentWithFetch` serves everything that hands a fetch (tests, the local stack).
import type { FetchFn } from './fetch.js';

interface GetDocumentOptions {
  /** The Accept header. */
  accept: string;
  /** Connection, answer and body included; on expiry the request is aborted and the promise rejects. */
  timeoutMs: number;
  /** A larger body (declared or received) aborts the request and rejects with DocumentTooLargeError. */
  maxBytes: number;
}

interface FetchedDocument {
  /** The HTTP status; redirects are never followed (a 3xx comes back as such). */
  status: number;
  /** The body, empty unless the status is 200 (other bodies are not read). */
  body: Buffer;
}

export type GetDocument = (url: string, options: GetDocumentOptions) => Promise<FetchedDocument>;

/** The body is over `maxBytes`, as declared by Content-Length or as received. */
export class DocumentTooLargeError extends Error {
  constructor(maxBytes: number) {
    super(`document larger than ${maxBytes} bytes`);
    this.name = 'DocumentTooLargeError';
  }
}

/** GetDocument over a fetch: no redirect followed (a 3xx is answered as its status), body read with the cap. */
export function getDocumentWithFetch(fetchFn: FetchFn): GetDocument {
  return async (url, { accept, timeoutMs, maxBytes }) => {
    const response = await fetchFn(url, {
      method: 'GET',
      redirect: 'manual',
      headers: { accept },
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, body: Buffer.alloc(0) };
    }
    return { status: 200, body: await readCapped(response, maxBytes) };
  };
}

/** Reads a response body up to `maxBytes` (declared or received), cancelling the rest; over it: DocumentTooLargeError. */
export async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw new DocumentTooLargeError(maxBytes);
  }
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new DocumentTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
