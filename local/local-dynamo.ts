// DynamoDB for the local stack and the tests: dynalite on loopback, behind a small front that adds the
// TransactWriteItems dynalite lacks (local/dynamo-transactions.ts), plus creation of the gateway's tables from
// the same key schemas the CDK stack uses (shared/storage/tables.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  ResourceNotFoundException,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { TableNames } from '../shared/env.js';
import { sleep } from '../shared/lang/sleep.js';
import { TableSchemas } from '../shared/storage/tables.js';
import { type DynamoFront, startDynamoFront } from './dynamo-transactions.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

export interface LocalDynamoOptions {
  port?: number;
  /** With a path, data is kept on disk so a restart keeps it. */
  path?: string;
  /** How long dynalite keeps a new table CREATING (and a deleted one DELETING); tests widen it to prove the wait. */
  tableTransitionMs?: number;
}

/** Starts dynalite on 127.0.0.1, behind the transaction front (whose URL is the endpoint). */
export async function startLocalDynamo(options: LocalDynamoOptions = {}): Promise<LocalDynamo> {
  const transitionMs = options.tableTransitionMs ?? 0;
  const server: Server = dynalite({
    createTableMs: transitionMs,
    deleteTableMs: transitionMs,
    updateTableMs: transitionMs,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const backendPort = (server.address() as AddressInfo).port;
  const clientFor = (endpoint: string) =>
    new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  const backend = clientFor(`http://127.0.0.1:${backendPort}`);
  let front: DynamoFront;
  try {
    front = await startDynamoFront({ port: options.port ?? 0, backendPort, backend });
  } catch (error) {
    backend.destroy();
    server.close();
    throw error;
  }
  const client = clientFor(front.endpoint);
  const stop = (target: Server) =>
    new Promise<void>((resolve) => {
      target.closeAllConnections?.();
      target.close(() => resolve());
    });
  return {
    endpoint: front.endpoint,
    client,
    close: async () => {
      client.destroy();
      backend.destroy();
      await stop(front.server);
      await stop(server);
    },
  };
}

/**
 * Creates every gateway table and returns once each table and each of its indexes is ACTIVE (idempotent:
 * existing tables are left alone, and waited for). CreateTable answers while the table is still CREATING, and
 * dynalite, like DynamoDB, refuses every item call on a CREATING or DELETING table with ResourceNotFoundException;
 * dynalite flips the status on a timer after its answer, so a first read right after creation lost that race
 * under load (issue 27). A table still DELETING (a test that dropped it) is waited out and created again.
 */
export async function createGatewayTables(
  client: DynamoDBClient,
  names: TableNames,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (const [key, tableName] of Object.entries(names) as [keyof TableNames, string][]) {
    for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
      const table = await describeTable(client, tableName);
      if (table === undefined) await createTable(client, key, tableName);
      else if (isUsable(table)) break;
      if (Date.now() > deadline) {
        throw new Error(`local DynamoDB: table ${tableName} is not ACTIVE after ${options.timeoutMs ?? 30_000} ms`);
      }
      await sleep(pause);
    }
  }
}

function isUsable(table: TableDescription): boolean {
  return (
    table.TableStatus === 'ACTIVE' &&
    (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === 'ACTIVE')
  );
}

async function describeTable(client: DynamoDBClient, tableName: string): Promise<TableDescription | undefined> {
  try {
    return (await client.send(new DescribeTableCommand({ TableName: tableName }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

async function createTable(client: DynamoDBClient, key: keyof TableNames, tableName: string): Promise<void> {
  const schema = TableSchemas[key];
  const attributes = new Set<string>([schema.partitionKey, ...schema.indexes.map((index) => index.partitionKey)]);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [{ AttributeName: schema.partitionKey, KeyType: 'HASH' }],
        ...(schema.indexes.length
          ? {
              GlobalSecondaryIndexes: schema.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }],
                Projection: { ProjectionType: 'ALL' },
              })),
            }
          : {}),
      }),
    );
  } catch (error) {
    // Created meanwhile by another caller, or still DELETING: the caller's loop waits for it either way.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Table names for one local or test deployment; a prefix keeps parallel test files apart. */
export function localTableNames(prefix = 'ciam-gw'): TableNames {
  return {
    brands: `${prefix}-brands`,
    links: `${prefix}-links`,
    revocations: `${prefix}-revocations`,
  };
}
