// The one request-body reader of the local servers (API Gateway emulator, Capillary simulator, development CIAM,
// local SSM, the DynamoDB front): a size cap checked on the declared length before reading and on the bytes
// received while reading, so a client never makes a local server buffer more than it allows.
import type { IncomingMessage } from 'node:http';

export class BodyTooLarge extends Error {
  constructor() {
    super('Request body too large');
    this.name = 'BodyTooLarge';
  }
}

/** Reads the body; BodyTooLarge as soon as the declared or the received size passes `max`. */
export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > max) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > max) throw new BodyTooLarge();
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as JSON; `empty` for an empty body; BodyTooLarge or a SyntaxError otherwise. */
export async function readJsonBody(req: IncomingMessage, max: number, empty?: unknown): Promise<unknown> {
  const text = (await readBody(req, max)).toString('utf8');
  return text === '' ? empty : JSON.parse(text);
}

/** The body as an HTML form (`application/x-www-form-urlencoded`). */
export async function readFormBody(req: IncomingMessage, max: number): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(req, max)).toString('utf8'));
}
