// DynamoDB failures in the gateway's error model: a store that is down, throttled, unreachable or missing a
// table is a retryable 503 (UPSTREAM_UNAVAILABLE with Retry-After), never a 500. The answers callers handle
// themselves pass through unchanged (a failed condition, a cancelled transaction), and so does a
// ValidationException, which is the gateway's own bug and stays a 500.
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ErrorCodes, ServiceUnavailableError } from '../errors.js';

/** Seconds a caller should wait before retrying after a store failure. */
const STORE_RETRY_AFTER_SECONDS = 1;

const PASSED_THROUGH = new Set([
  'ConditionalCheckFailedException',
  'TransactionCanceledException',
  'ValidationException',
]);

/** The gateway error for a failed store call (any AWS SDK error carries `$metadata`), else the error itself. */
function toStoreError(error: unknown): unknown {
  const sdkError =
    error instanceof Error &&
    typeof (error as { $metadata?: unknown }).$metadata === 'object' &&
    !PASSED_THROUGH.has(error.name);
  if (!sdkError) return error;
  return new ServiceUnavailableError(ErrorCodes.UPSTREAM_UNAVAILABLE, 'Storage is unavailable; retry shortly', {
    retryAfterSeconds: STORE_RETRY_AFTER_SECONDS,
    cause: error,
  });
}

/** The same client, with every failed `send` mapped by toStoreError (the stores' only entry to DynamoDB). */
export function withStoreErrors(client: DynamoDBDocumentClient): DynamoDBDocumentClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return (...args: Parameters<DynamoDBDocumentClient['send']>) =>
        (target.send as (...a: unknown[]) => Promise<unknown>)(...args).catch((error: unknown) => {
          throw toStoreError(error);
        });
    },
  });
}
