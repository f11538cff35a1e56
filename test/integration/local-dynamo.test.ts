import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayTables, type LocalDynamo, localTableNames, startLocalDynamo } from '../../local/local-dynamo.js';

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
