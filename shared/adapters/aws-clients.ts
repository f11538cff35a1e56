// AWS SDK client factories: the one place the gateway's DynamoDB and SSM clients get their defaults.
// Endpoints come from the SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SSM locally).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
export type { SSMClient } from '@aws-sdk/client-ssm';

/** A DynamoDB document client that drops undefined values (optional fields are simply absent). */
export function createDocumentClient(client: DynamoDBClient = new DynamoDBClient({})): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** An SSM client with the SDK's default region, credentials and endpoint resolution. */
export function createSsmClient(): SSMClient {
  return new SSMClient({});
}
