// DynamoDB link store: single-item conditional writes only (no transactions, which dynalite lacks).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type CustomerLink, type LinkStore, leaseKey, linkKey } from '../customer/link-store.js';
import { LinksTable } from '../storage/tables.js';

const LinkItemSchema = z.object({
  brandId: z.string(),
  sub: z.string(),
  customerId: z.number().int(),
  linkedAt: z.number(),
});

export interface DynamoLinkStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
}

/** Links and leases in the links table (`pk` key, `expiresAt` TTL on leases). */
export class DynamoLinkStore implements LinkStore {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoLinkStoreOptions) {
    this.ddb = options.documentClient;
    this.tableName = options.tableName;
  }

  async get(brandId: string, sub: string): Promise<CustomerLink | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [LinksTable.partitionKey]: linkKey(brandId, sub) },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    return LinkItemSchema.parse(Item);
  }

  async putIfAbsent(link: CustomerLink): Promise<CustomerLink> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [LinksTable.partitionKey]: linkKey(link.brandId, link.sub), ...link },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': LinksTable.partitionKey },
        }),
      );
      return link;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(link.brandId, link.sub);
      if (!existing) throw error;
      return existing;
    }
  }

  async replace(link: CustomerLink, expectedCustomerId: number): Promise<CustomerLink> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [LinksTable.partitionKey]: linkKey(link.brandId, link.sub), ...link },
          // Only over the link this session found stale: a concurrent session's repair is kept.
          ConditionExpression: 'attribute_not_exists(#pk) OR customerId = :expected',
          ExpressionAttributeNames: { '#pk': LinksTable.partitionKey },
          ExpressionAttributeValues: { ':expected': expectedCustomerId },
        }),
      );
      return link;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(link.brandId, link.sub);
      if (!existing) throw error;
      return existing;
    }
  }

  async acquireLease(brandId: string, sub: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [LinksTable.partitionKey]: leaseKey(brandId, sub),
            owner,
            leaseUntil: nowMs + ttlMs,
            // DynamoDB TTL (seconds) cleans up leases a crashed holder left behind; readers check leaseUntil.
            [LinksTable.ttlAttribute]: Math.ceil((nowMs + ttlMs) / 1000) + 60,
          },
          ConditionExpression: 'attribute_not_exists(#pk) OR leaseUntil < :now OR #owner = :owner',
          ExpressionAttributeNames: { '#pk': LinksTable.partitionKey, '#owner': 'owner' },
          ExpressionAttributeValues: { ':now': nowMs, ':owner': owner },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async releaseLease(brandId: string, sub: string, owner: string): Promise<void> {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [LinksTable.partitionKey]: leaseKey(brandId, sub) },
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
