// DynamoDB for the local stack and the tests: dynalite on loopback, plus creation of the gateway's
// tables from the same key schemas the CDK stack uses (shared/storage/tables.ts).
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import type { TableNames } from '../shared/env.js';
import { TableSchemas } from '../shared/storage/tables.js';

export interface LocalDynamo {
  endpoint: string;
  client: DynamoDBClient;
  close(): Promise<void>;
}

/** Starts dynalite on 127.0.0.1; with `path`, data is kept on disk so a restart keeps it. */
export async function startLocalDynamo(options: { port?: number; path?: string } = {}): Promise<LocalDynamo> {
  const server: Server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    endpoint,
    client,
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      });
    },
  };
}

/** Creates every gateway table (idempotent: existing tables are left alone). */
export async function createGatewayTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const [key, tableName] of Object.entries(names) as [keyof TableNames, string][]) {
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
      if (!(error instanceof ResourceInUseException)) throw error;
    }
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
