// SSM's JSON 1.1 protocol as the local SSM server speaks it: POST / with `X-Amz-Target: AmazonSSM.<Op>` and a
// JSON body; answers `application/x-amz-json-1.1` with an `x-amzn-requestid`, errors as `{ __type, message }`
// (400 for an SSM error, 413 for an oversized body, 500 for anything unexpected). The operations are given.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { BodyTooLarge, readBody } from '../http/read-body.js';

/** An error SSM answers with its `__type` (ParameterNotFound, ValidationException...). */
export class SsmError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.type = type;
  }
}

/** One SSM operation: its parsed JSON input to its answer; throws SsmError for SSM's errors. */
export type SsmOperation = (body: unknown) => unknown;

const MAX_BODY_BYTES = 1_048_576;

/** The input as `schema` reads it, or SSM's ValidationException naming the first issue. */
export function parseInput<T>(schema: z.ZodType<T>, body: unknown): T {
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SsmError(
      'ValidationException',
      `1 validation error detected: ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  return result.data;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': crypto.randomUUID(),
  });
  res.end(text);
}

async function handle(
  operations: Record<string, SsmOperation>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_BODY_BYTES);
  } catch (error) {
    if (!(error instanceof BodyTooLarge)) throw error;
    send(res, 413, { __type: 'ValidationException', message: 'Request body too large' });
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, { __type: 'UnknownOperationException', message: 'Only POST / is supported' });
    return;
  }
  const target = String(req.headers['x-amz-target'] ?? '');
  const operation = target.startsWith('AmazonSSM.') ? operations[target.slice('AmazonSSM.'.length)] : undefined;
  if (!operation) {
    send(res, 400, { __type: 'UnknownOperationException', message: `Unknown operation ${target || '(none)'}` });
    return;
  }
  let body: unknown;
  try {
    const text = raw.toString('utf8');
    body = text === '' ? {} : JSON.parse(text);
  } catch {
    send(res, 400, { __type: 'SerializationException', message: 'Request body is not valid JSON' });
    return;
  }
  try {
    send(res, 200, operation(body));
  } catch (error) {
    if (error instanceof SsmError) send(res, 400, { __type: error.type, message: error.message });
    else send(res, 500, { __type: 'InternalServerError', message: 'Internal error' });
  }
}

/** An HTTP server answering SSM's protocol with these operations (not yet listening). */
export function createSsmServer(operations: Record<string, SsmOperation>): Server {
  return createServer((req, res) => {
    handle(operations, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { __type: 'InternalServerError', message: 'Internal error' });
    });
  });
}
