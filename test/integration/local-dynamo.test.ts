import { DeleteTableCommand, DescribeTableCommand, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableNames } from '../../shared/env.js';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';
import { TableSchemas } from '../../shared/storage/tables.js';

describe('createGatewayTables', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo();
  });
  afterAll(() => dynamo.close());

  it('creates the brands table with its issuer index, and is idempotent', async () => {
    const names = localTableNames('t1');
    await createGatewayTables(dynamo.client, names);
    await createGatewayTables(dynamo.client, names);
    const { Table } = await dynamo.client.send(new DescribeTableCommand({ TableName: names.brands }));
    expect(Table?.GlobalSecondaryIndexes?.[0]?.IndexName).toBe('byIssuer');
  });
});

// Issue 27: dynalite answers CreateTable while the table is CREATING and refuses item calls until a timer marks
// it ACTIVE. A slow transition makes that window wide enough to hit every time: these tests fail if the helper
// returns before each table and index is usable.
describe('createGatewayTables against tables that take time to become ACTIVE', () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startLocalDynamo({ tableTransitionMs: 150 });
  });
  afterAll(() => dynamo.close());

  async function expectUsable(names: TableNames): Promise<void> {
    for (const [key, tableName] of Object.entries(names) as [keyof TableNames, string][]) {
      const schema = TableSchemas[key];
      await dynamo.client.send(
        new GetItemCommand({ TableName: tableName, Key: { [schema.partitionKey]: { S: 'absent' } } }),
      );
      for (const index of schema.indexes) {
        await dynamo.client.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: index.name,
            KeyConditionExpression: '#k = :v',
            ExpressionAttributeNames: { '#k': index.partitionKey },
            ExpressionAttributeValues: { ':v': { S: 'absent' } },
          }),
        );
      }
    }
  }

  it('returns only once every table and index answers item calls', async () => {
    const names = localTableNames('slow-create');
    await createGatewayTables(dynamo.client, names);
    await expectUsable(names);
  });

  it('waits for tables another caller is still creating', async () => {
    const names = localTableNames('slow-parallel');
    await Promise.all([createGatewayTables(dynamo.client, names), createGatewayTables(dynamo.client, names)]);
    await expectUsable(names);
  });

  /** Until DescribeTable says the table is gone (dynalite drops a DELETING table on a timer). */
  async function gone(tableName: string): Promise<void> {
    for (;;) {
      const found = await dynamo.client.send(new DescribeTableCommand({ TableName: tableName })).then(
        () => true,
        (error: Error) => (error.name === 'ResourceNotFoundException' ? false : Promise.reject(error)),
      );
      if (!found) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('re-creates a table that is still being deleted instead of leaving it to vanish', async () => {
    const names = localTableNames('slow-delete');
    const control = localTableNames('slow-delete-control');
    await createGatewayTables(dynamo.client, names);
    await createGatewayTables(dynamo.client, control);
    // The control table is deleted right after: dynalite arms one timer per deletion, same delay, in this order,
    // so once the control is gone the revocations table's deletion has run too, however slow the machine.
    await dynamo.client.send(new DeleteTableCommand({ TableName: names.revocations }));
    await dynamo.client.send(new DeleteTableCommand({ TableName: control.revocations }));
    await createGatewayTables(dynamo.client, names);
    await expectUsable(names);
    await gone(control.revocations);
    await expectUsable(names);
  });

  it('gives up with the table name when a table never becomes usable within the time given', async () => {
    const names = localTableNames('slow-timeout');
    await expect(createGatewayTables(dynamo.client, names, { timeoutMs: 20 })).rejects.toThrow(/slow-timeout-brands/);
    await createGatewayTables(dynamo.client, names);
  });
});
