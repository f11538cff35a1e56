// DynamoDB counters of the brands' Capillary rate limits (capillary-rate-limit.ts), shared by every container of
// the stage: one item per brand, API and minute in the links table (`rate#<brand>#<api>#<minute>`, a short-lived
// coordination item like the first-session leases, cleaned up by the table's TTL). A reservation is one
// conditional UpdateItem: the counter never passes the limit, whatever the concurrency.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateWindowStore } from '../capillary/capillary-rate-limit.js';
import { LinksTable } from '../storage/tables.js';

export interface DynamoRateWindowStoreOptions {
  documentClient: DynamoDBDocumentClient;
  /** The links table. */
  tableName: string;
}

/** The partition key of a rate window item. */
export function rateWindowKey(key: string): string {
  return `rate#${key}`;
}

export class DynamoRateWindowStore implements RateWindowStore {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoRateWindowStoreOptions) {
    this.ddb = options.documentClient;
    this.tableName = options.tableName;
  }

  async reserve(key: string, count: number, limit: number, expiresAtMs: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [LinksTable.partitionKey]: rateWindowKey(key) },
          UpdateExpression: 'ADD #calls :count SET #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(#calls) OR #calls <= :room',
          ExpressionAttributeNames: { '#calls': 'calls', '#ttl': LinksTable.ttlAttribute },
          ExpressionAttributeValues: {
            ':count': count,
            ':room': limit - count,
            // Epoch seconds, a little after the window: the TTL sweeper removes spent windows.
            ':ttl': Math.ceil(expiresAtMs / 1000) + 120,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
