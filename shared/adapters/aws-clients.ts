// AWS SDK client factories: the one place the gateway's DynamoDB and SSM clients get their defaults.
// Endpoints come from the SDK's own settings (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SSM locally).
import { SSMClient } from '@aws-sdk/client-ssm';
import { type AwsRequestTimeouts, DefaultAwsRequestTimeouts, timeoutClientConfig } from './request-timeouts.js';

export { createDocumentClient, createDynamoClient, type DynamoDBDocumentClient } from './dynamo-client.js';
export type { SSMClient } from '@aws-sdk/client-ssm';

/** An SSM client with the SDK's default region, credentials and endpoint resolution, and the gateway's timeouts. */
export function createSsmClient(timeouts: AwsRequestTimeouts = DefaultAwsRequestTimeouts): SSMClient {
  return new SSMClient(timeoutClientConfig(timeouts));
}
