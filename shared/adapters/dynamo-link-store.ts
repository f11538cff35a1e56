// DynamoDB link store: single-item conditional writes only (no transactions, which dynalite lacks).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { type BrandLinks, type CustomerLink, type LinkStore, leaseKey, linkKey } from '../customer/link-store.js';
import { LinksTable } from '../storage/tables.js';
import { withStoreErrors } from './store-errors.js';

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
export class DynamoLinkStore implements LinkStore, BrandLinks {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly tableName: string;

  constructor(options: DynamoLinkStoreOptions) {
    this.ddb = withStoreErrors(options.documentClient);
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
    return this.putWhen(link, 'attribute_not_exists(#pk)');
  }

  async replace(link: CustomerLink, expectedCustomerId: number): Promise<CustomerLink> {
    // Only over the link this session found stale: a concurrent session's repair is kept.
    return this.putWhen(link, 'attribute_not_exists(#pk) OR customerId = :expected', {
      ':expected': expectedCustomerId,
    });
  }

  /** Writes the link when `condition` holds; otherwise answers the link that is stored (the winner). */
  private async putWhen(
    link: CustomerLink,
    condition: string,
    values?: Record<string, unknown>,
  ): Promise<CustomerLink> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [LinksTable.partitionKey]: linkKey(link.brandId, link.sub), ...link },
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#pk': LinksTable.partitionKey },
          ...(values ? { ExpressionAttributeValues: values } : {}),
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

  async hasLinks(brandId: string): Promise<boolean> {
    // Admin path only (a brand's issuer change): a filtered scan that stops at the first link found.
    for await (const keys of this.scanLinkKeys(brandId)) if (keys.length > 0) return true;
    return false;
  }

  async deleteLinks(brandId: string): Promise<number> {
    let removed = 0;
    for await (const keys of this.scanLinkKeys(brandId)) {
      for (let i = 0; i < keys.length; i += 25) {
        let pending: Record<string, unknown>[] = keys
          .slice(i, i + 25)
          .map((pk) => ({ DeleteRequest: { Key: { [LinksTable.partitionKey]: pk } } }));
        // BatchWrite may hand back part of the batch under throttling: resend exactly that part.
        for (let attempt = 0; pending.length > 0; attempt++) {
          if (attempt === 5) throw new Error(`could not delete every link of brand ${brandId}`);
          const { UnprocessedItems } = await this.ddb.send(
            new BatchWriteCommand({ RequestItems: { [this.tableName]: pending as never } }),
          );
          pending = (UnprocessedItems?.[this.tableName] ?? []) as Record<string, unknown>[];
        }
        removed += Math.min(25, keys.length - i);
      }
    }
    return removed;
  }

  /** Pages of link keys of one brand (`link#<brand>#...`; brand ids never contain `#`). */
  private async *scanLinkKeys(brandId: string): AsyncGenerator<string[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.ddb.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: '#pk',
          FilterExpression: 'begins_with(#pk, :prefix)',
          ExpressionAttributeNames: { '#pk': LinksTable.partitionKey },
          ExpressionAttributeValues: { ':prefix': linkKey(brandId, '') },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      yield (page.Items ?? []).map((item) => String(item[LinksTable.partitionKey]));
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
