// The DynamoDB document client factory, apart from the SSM one so functions that never read SSM (the
// authorizer) do not load the SSM client.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AwsRequestTimeouts, DefaultAwsRequestTimeouts, timeoutClientConfig } from './request-timeouts.js';

export type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A DynamoDB client with the gateway's connection and request timeouts (request-timeouts.ts). */
export function createDynamoClient(timeouts: AwsRequestTimeouts = DefaultAwsRequestTimeouts): DynamoDBClient {
  return new DynamoDBClient(timeoutClientConfig(timeouts));
}

/** A DynamoDB document client that drops undefined values (optional fields are simply absent). */
export function createDocumentClient(client: DynamoDBClient = createDynamoClient()): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
