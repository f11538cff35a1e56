import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLarge, readBody, readFormBody, readJsonBody } from '../../../../local/http/read-body.js';

/** A request stream of these chunks, with the headers given (no socket needed). */
function request(chunks: (string | Buffer)[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = Readable.from(chunks) as unknown as IncomingMessage;
  stream.headers = headers;
  return stream;
}

describe('readBody', () => {
  it('reads a body in chunks, up to the cap included', async () => {
    const body = await readBody(request(['ab', Buffer.from('cd')]), 4);
    expect(body.toString('utf8')).toBe('abcd');
  });

  it('refuses a declared length above the cap before reading a byte', async () => {
    let read = false;
    const stream = Readable.from(
      (function* () {
        read = true;
        yield 'x';
      })(),
    ) as unknown as IncomingMessage;
    stream.headers = { 'content-length': '5' };
    await expect(readBody(stream, 4)).rejects.toBeInstanceOf(BodyTooLarge);
    expect(read).toBe(false);
  });

  it('refuses a body whose received bytes pass the cap, whatever length it declared', async () => {
    const chunks = ['abc', 'de'];
    await expect(readBody(request(chunks, { 'content-length': '3' }), 4)).rejects.toBeInstanceOf(BodyTooLarge);
    await expect(readBody(request(chunks), 4)).rejects.toThrow('Request body too large');
  });
});

describe('readJsonBody and readFormBody', () => {
  it('parse JSON, answer the given value for an empty body, and throw on malformed JSON', async () => {
    expect(await readJsonBody(request(['{"a":', '1}']), 100)).toEqual({ a: 1 });
    expect(await readJsonBody(request([]), 100)).toBeUndefined();
    expect(await readJsonBody(request([]), 100, {})).toEqual({});
    await expect(readJsonBody(request(['{']), 100)).rejects.toBeInstanceOf(SyntaxError);
  });

  it('parse a form under the same cap', async () => {
    expect((await readFormBody(request(['a=1&b=x%20y']), 100)).get('b')).toBe('x y');
    await expect(readFormBody(request(['a=1&b=2']), 3)).rejects.toBeInstanceOf(BodyTooLarge);
  });
});
