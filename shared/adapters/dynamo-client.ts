// The DynamoDB document client factory, apart from the SSM one so functions that never read SSM (the
// authorizer) do not load the SSM client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A DynamoDB document client that drops undefined values (optional fields are simply absent). */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
