// DynamoDB counters of the brands' Capillary rate limits (capillary-rate-limit.ts), shared by every container of
// the stage: one item per brand, API and minute in the links table (`rate#<brand>#<api>#<minute>`, a short-lived
// coordination item like the first-session leases, cleaned up by the table's TTL). A reservation is one
// conditional UpdateItem (the counter never passes the limit, whatever the concurrency); only at the end of a
// window, when the whole block no longer fits, a consistent read tells what is left and that much is added.
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateWindowStore } from '../capillary/capillary-rate-limit.js';
import { LinksTable } from '../storage/tables.js';
import { DynamoTableStore } from './dynamo-table.js';

/** The partition key of a rate window item. */
export function rateWindowKey(key: string): string {
  return `rate#${key}`;
}

/** On the links table. */
export class DynamoRateWindowStore extends DynamoTableStore implements RateWindowStore {
  async reserve(key: string, count: number, limit: number, expiresAtMs: number): Promise<number> {
    let wanted = count;
    // A few tries: between the read and the add, other containers may take what was left.
    for (let attempt = 0; attempt < 3 && wanted > 0; attempt++) {
      if (await this.add(key, wanted, limit, expiresAtMs)) return wanted;
      const { Item } = await this.ddb.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [LinksTable.partitionKey]: rateWindowKey(key) },
          ConsistentRead: true,
        }),
      );
      const used = typeof Item?.calls === 'number' ? Item.calls : 0;
      wanted = Math.min(wanted, limit - used);
    }
    return 0;
  }

  /** Adds `count` when the counter stays at or under `limit`; false when it would not. */
  private async add(key: string, count: number, limit: number, expiresAtMs: number): Promise<boolean> {
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
