// TransactWriteItems for dynalite, which does not implement it (dynalite 4.0.0 has no transaction actions).
// A loopback front in front of dynalite: every request is passed through unchanged, except
// DynamoDB_20120810.TransactWriteItems, which is carried out here with DynamoDB's documented semantics
// (API reference, TransactWriteItems): 1-100 actions (ConditionCheck, Put, Update, Delete), at most one per item
// (else ValidationException), every condition evaluated against the state before the transaction, and all or
// nothing: one failed condition cancels it with TransactionCanceledException and one CancellationReason per
// action, in order (`ConditionalCheckFailed` or `None`). Atomicity against other writers comes from one write
// lock that single-item writes and transactions take in turn; reads that arrive while a transaction runs wait
// for it (GetItem is serializable with TransactWriteItems in DynamoDB). ClientRequestToken idempotency as
// documented: the AWS SDK fills the token itself and keeps it across its retries, so a retry of an attempt that
// committed but answered too late (the client's request timeout) succeeds without changes instead of failing its
// own conditions; the same token with other parameters is an IdempotentParameterMismatchException.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './http/read-body.js';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';

type Item = Record<string, AttributeValue>;

interface Action {
  ConditionCheck?: Record<string, unknown>;
  Put?: Record<string, unknown>;
  Delete?: Record<string, unknown>;
  Update?: Record<string, unknown>;
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const TYPE_PREFIX = 'com.amazonaws.dynamodb.v20120810#';

export interface DynamoFront {
  server: Server;
  endpoint: string;
}

/** One action's common fields (the per-item write inputs take them as they are). */
function operation(action: Action): { kind: keyof Action; input: Record<string, unknown> } | undefined {
  const kinds = (['ConditionCheck', 'Put', 'Delete', 'Update'] as const).filter((kind) => action[kind] !== undefined);
  const [kind] = kinds;
  if (kinds.length !== 1 || kind === undefined) return undefined;
  return { kind, input: action[kind] as Record<string, unknown> };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': `local-${Date.now().toString(36)}`,
  });
  res.end(text);
}

class ValidationFailure extends Error {}

/** How long a committed transaction's token answers a repeat (API reference: 10 minutes after it completes). */
const CLIENT_TOKEN_VALID_MS = 10 * 60 * 1000;

interface TransactRequest {
  TransactItems?: Action[];
  ClientRequestToken?: string;
}

/**
 * Starts the front on `port` (0 = any), passing requests to dynalite at `backendPort`; `backend` is a client
 * that talks to dynalite directly (the transaction's own item calls must not wait for the front's lock).
 */
export async function startDynamoFront(options: {
  port: number;
  backendPort: number;
  backend: DynamoDBClient;
}): Promise<DynamoFront> {
  let writeChain: Promise<unknown> = Promise.resolve();
  let transaction: Promise<unknown> | undefined;
  const keySchemas = new Map<string, string[]>();
  /** Tokens of committed transactions: their actions (what a repeat must equal) and until when they answer. */
  const committed = new Map<string, { actions: string; until: number }>();

  /** A transaction with its token: a repeat of a committed one answers success and writes nothing. */
  async function transactOnce(request: TransactRequest): Promise<{ status: number; body: unknown }> {
    const token = request.ClientRequestToken;
    const actions = JSON.stringify(request.TransactItems ?? []);
    const earlier = token === undefined ? undefined : committed.get(token);
    if (earlier && earlier.until > Date.now()) {
      if (earlier.actions === actions) return { status: 200, body: {} };
      return {
        status: 400,
        body: {
          __type: `${TYPE_PREFIX}IdempotentParameterMismatchException`,
          message: 'The request uses the same client token as a previous, but non-identical request.',
        },
      };
    }
    const outcome = await transactWrite(request);
    if (token !== undefined && outcome.status === 200) {
      committed.set(token, { actions, until: Date.now() + CLIENT_TOKEN_VALID_MS });
    }
    return outcome;
  }

  /** Runs `work` alone among writers (single writes and transactions queue in arrival order). */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = writeChain.then(work, work);
    writeChain = run.catch(() => undefined);
    return run;
  }

  async function keyOf(tableName: string, item: Item): Promise<Item> {
    let names = keySchemas.get(tableName);
    if (names === undefined) {
      const { Table } = await options.backend.send(new DescribeTableCommand({ TableName: tableName }));
      names = (Table?.KeySchema ?? []).map((element) => element.AttributeName ?? '');
      keySchemas.set(tableName, names);
    }
    const key: Item = {};
    for (const name of names) {
      const value = item[name];
      if (value === undefined) throw new ValidationFailure('One of the required keys was not given a value');
      key[name] = value;
    }
    return key;
  }

  /** The action's table and key (for Put, the key attributes of its item). */
  async function target(kind: keyof Action, input: Record<string, unknown>): Promise<{ table: string; key: Item }> {
    const table = String(input.TableName ?? '');
    const key = kind === 'Put' ? await keyOf(table, input.Item as Item) : (input.Key as Item);
    return { table, key };
  }

  /** Applies one action with its condition; false when the condition failed (nothing changed then). */
  async function apply(kind: keyof Action, input: Record<string, unknown>, before: Item | undefined, key: Item) {
    const { ReturnValuesOnConditionCheckFailure: _ignored, ...rest } = input as Record<string, unknown> & {
      ReturnValuesOnConditionCheckFailure?: unknown;
    };
    const write = rest as never;
    try {
      if (kind === 'Put') await options.backend.send(new PutItemCommand(write));
      else if (kind === 'Delete') await options.backend.send(new DeleteItemCommand(write));
      else if (kind === 'Update') await options.backend.send(new UpdateItemCommand(write));
      else {
        // A condition check changes nothing: rewrite the item as it is (or delete what is absent) under it.
        const { TableName, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } = rest as Record<
          string,
          never
        >;
        const common = { TableName, ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues };
        if (before) await options.backend.send(new PutItemCommand({ ...common, Item: before }));
        else await options.backend.send(new DeleteItemCommand({ ...common, Key: key }));
      }
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async function restore(table: string, key: Item, before: Item | undefined): Promise<void> {
    if (before) await options.backend.send(new PutItemCommand({ TableName: table, Item: before }));
    else await options.backend.send(new DeleteItemCommand({ TableName: table, Key: key }));
  }

  async function transactWrite(body: TransactRequest): Promise<{ status: number; body: unknown }> {
    const actions = Array.isArray(body.TransactItems) ? body.TransactItems : [];
    if (actions.length < 1 || actions.length > 100) {
      throw new ValidationFailure('Member must have length less than or equal to 100 and at least 1');
    }
    const operations = actions.map((action) => {
      const op = operation(action);
      if (!op)
        throw new ValidationFailure('TransactItems can only contain one of ConditionCheck, Put, Update or Delete');
      return op;
    });
    const targets = await Promise.all(operations.map((op) => target(op.kind, op.input)));
    const seen = new Set<string>();
    for (const { table, key } of targets) {
      const id = `${table}\n${JSON.stringify(Object.entries(key).sort(([a], [b]) => a.localeCompare(b)))}`;
      if (seen.has(id))
        throw new ValidationFailure('Transaction request cannot include multiple operations on one item');
      seen.add(id);
    }
    const befores = await Promise.all(
      targets.map(
        async ({ table, key }) =>
          (await options.backend.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item,
      ),
    );
    const applied: number[] = [];
    const reasons: { Code: string; Message?: string; Item?: Item }[] = [];
    try {
      // Each action touches its own item, so each condition sees that item as it was before the transaction.
      for (const [index, op] of operations.entries()) {
        const { key } = targets[index] as { key: Item };
        const ok = await apply(op.kind, op.input, befores[index], key);
        if (ok) {
          applied.push(index);
          reasons.push({ Code: 'None' });
        } else {
          const before = befores[index];
          reasons.push({
            Code: 'ConditionalCheckFailed',
            Message: 'The conditional request failed',
            ...(op.input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' && before ? { Item: before } : {}),
          });
        }
      }
    } catch (error) {
      for (const index of applied.reverse()) {
        const { table, key } = targets[index] as { table: string; key: Item };
        await restore(table, key, befores[index]);
      }
      throw error;
    }
    if (reasons.every((reason) => reason.Code === 'None')) return { status: 200, body: {} };
    for (const index of applied.reverse()) {
      const { table, key } = targets[index] as { table: string; key: Item };
      await restore(table, key, befores[index]);
    }
    return {
      status: 400,
      body: {
        __type: `${TYPE_PREFIX}TransactionCanceledException`,
        message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}]`,
        CancellationReasons: reasons,
      },
    };
  }

  function pass(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const forward = httpRequest(
        {
          host: '127.0.0.1',
          port: options.backendPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 500, upstream.headers);
          upstream.pipe(res);
          upstream.on('end', () => resolve());
          upstream.on('error', () => resolve());
        },
      );
      forward.on('error', () => {
        if (!res.headersSent)
          answer(res, 500, { __type: `${TYPE_PREFIX}InternalServerError`, message: 'backend down' });
        resolve();
      });
      forward.end(body);
    });
  }

  const server = createServer(async (req, res) => {
    // No cap of its own: every request passes to dynalite, which answers an oversized one as DynamoDB does.
    const body = await readBody(req, Number.POSITIVE_INFINITY);
    const targetHeader = String(req.headers['x-amz-target'] ?? '');
    const action = targetHeader.slice(targetHeader.indexOf('.') + 1);
    if (action === 'TransactWriteItems') {
      const run = exclusive(async () => {
        try {
          const outcome = await transactOnce(JSON.parse(body.toString('utf8')) as TransactRequest);
          answer(res, outcome.status, outcome.body);
        } catch (error) {
          const validation =
            error instanceof ValidationFailure || (error as { name?: string }).name === 'ValidationException';
          answer(res, validation ? 400 : 500, {
            __type: validation ? 'com.amazon.coral.validate#ValidationException' : `${TYPE_PREFIX}InternalServerError`,
            message: error instanceof Error ? error.message : 'transaction failed',
          });
        }
      });
      transaction = run;
      await run;
      if (transaction === run) transaction = undefined;
      return;
    }
    if (WRITES.has(action)) {
      await exclusive(() => pass(req, res, body));
      return;
    }
    // Reads wait for a running transaction, never see half of one.
    if (transaction) await transaction.catch(() => undefined);
    await pass(req, res, body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return { server, endpoint: `http://127.0.0.1:${port}` };
}
