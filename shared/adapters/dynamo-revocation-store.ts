// DynamoDB revocation list: one item per revoked session, token or user, plus back-channel replay markers,
// all keyed by `pk` with the `expiresAt` TTL attribute (epoch seconds), which readers check themselves.
import { sleep } from '../lang/sleep.js';
import { BatchGetCommand, DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
// zod/mini: the authorizer bundles this store, and zod classic would triple its size and import time.
import * as z from 'zod/mini';
import { RevocationsTable } from '../storage/tables.js';
import {
  isInForce,
  type RevocationQuery,
  type RevocationReason,
  RevocationKeys,
  type RevocationStore,
  revocationReason,
} from '../revocation/revocation-checker.js';
import { DynamoTableStore } from './dynamo-table.js';
import { withStoreErrors } from './store-errors.js';

const ExpiringItemSchema = z.object({ expiresAt: z.number() });
const UserItemSchema = z.object({ expiresAt: z.number(), revokedBefore: z.number() });

export interface DynamoRevocationStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Epoch milliseconds (injected for tests). */
  now?: () => number;
  /** Strongly consistent reads (default true): a handler must see a logout that just happened. */
  consistentRead?: boolean;
}

/** The revocations table; checks the three keys of a token with one BatchGetItem. */
export class DynamoRevocationStore extends DynamoTableStore implements RevocationStore {
  private readonly now: () => number;
  private readonly consistentRead: boolean;

  constructor(options: DynamoRevocationStoreOptions) {
    super({ documentClient: withStoreErrors(options.documentClient), tableName: options.tableName });
    this.now = options.now ?? Date.now;
    this.consistentRead = options.consistentRead ?? true;
  }

  async check(query: RevocationQuery): Promise<RevocationReason | undefined> {
    const nowSeconds = Math.floor(this.now() / 1000);
    const sessionKey = query.sid ? RevocationKeys.session(query.brandId, query.sid) : undefined;
    const tokenKey = query.jti ? RevocationKeys.token(query.brandId, query.jti) : undefined;
    const userKey = query.sub ? RevocationKeys.user(query.brandId, query.sub) : undefined;
    const found = await this.getMany([sessionKey, tokenKey, userKey]);
    const [session, token, user] = [sessionKey, tokenKey, userKey].map((key) =>
      key === undefined ? undefined : found.get(key),
    );
    const inForce = (item: Record<string, unknown> | undefined) =>
      item !== undefined && isInForce(ExpiringItemSchema.parse(item).expiresAt, nowSeconds);
    const userItem = user !== undefined ? UserItemSchema.parse(user) : undefined;
    return revocationReason(
      {
        session: inForce(session),
        token: inForce(token),
        userRevokedBefore:
          userItem !== undefined && isInForce(userItem.expiresAt, nowSeconds) ? userItem.revokedBefore : undefined,
      },
      query.iat,
    );
  }

  async revokeSession(brandId: string, sid: string, until: number): Promise<void> {
    await this.extend(RevocationKeys.session(brandId, sid), until, { brandId, kind: 'session' });
  }

  async revokeToken(brandId: string, jti: string, until: number): Promise<void> {
    await this.extend(RevocationKeys.token(brandId, jti), until, { brandId, kind: 'token' });
  }

  async revokeUserBefore(brandId: string, sub: string, revokedBefore: number, until: number): Promise<void> {
    const pk = RevocationKeys.user(brandId, sub);
    // Read, merge, conditional write: the bound and the expiry only move forward (max of both), and an expired
    // item DynamoDB has not deleted yet is replaced. A concurrent writer makes the condition fail: read again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const nowSeconds = Math.floor(this.now() / 1000);
      const raw = await this.get(pk);
      const current = raw === undefined ? undefined : UserItemSchema.parse(raw);
      const live = current !== undefined && isInForce(current.expiresAt, nowSeconds) ? current : undefined;
      const target = {
        revokedBefore: Math.max(revokedBefore, live?.revokedBefore ?? revokedBefore),
        expiresAt: Math.max(until, live?.expiresAt ?? until),
      };
      if (live !== undefined && live.revokedBefore === target.revokedBefore && live.expiresAt === target.expiresAt)
        return;
      const written = await this.putIf({
        Item: { [RevocationsTable.partitionKey]: pk, ...target, brandId, kind: 'user' },
        ...(current === undefined
          ? {
              ConditionExpression: 'attribute_not_exists(#pk)',
              ExpressionAttributeNames: { '#pk': RevocationsTable.partitionKey },
            }
          : {
              ConditionExpression: '#rb = :rb AND #exp = :exp',
              ExpressionAttributeNames: { '#rb': 'revokedBefore', '#exp': RevocationsTable.ttlAttribute },
              ExpressionAttributeValues: { ':rb': current.revokedBefore, ':exp': current.expiresAt },
            }),
      });
      if (written) return;
    }
    throw new Error('revokeUserBefore: too many concurrent writers');
  }

  async markLogoutTokenUsed(brandId: string, jti: string, until: number): Promise<boolean> {
    const nowSeconds = Math.floor(this.now() / 1000);
    return this.putIf({
      Item: {
        [RevocationsTable.partitionKey]: RevocationKeys.logoutToken(brandId, jti),
        [RevocationsTable.ttlAttribute]: until,
        brandId,
        kind: 'logout-token',
      },
      // An expired marker DynamoDB has not deleted yet does not count as a replay.
      ConditionExpression: 'attribute_not_exists(#pk) OR #exp <= :now',
      ExpressionAttributeNames: { '#pk': RevocationsTable.partitionKey, '#exp': RevocationsTable.ttlAttribute },
      ExpressionAttributeValues: { ':now': nowSeconds },
    });
  }

  async forgetLogoutToken(brandId: string, jti: string): Promise<void> {
    await this.ddb.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { [RevocationsTable.partitionKey]: RevocationKeys.logoutToken(brandId, jti) },
      }),
    );
  }

  /** Puts the item, or lengthens an existing one: a second logout never shortens a revocation. */
  private async extend(pk: string, until: number, attributes: Record<string, string>): Promise<void> {
    // Refused when the item already lasts as long or longer.
    await this.updateIf({
      Key: { [RevocationsTable.partitionKey]: pk },
      UpdateExpression: 'SET #exp = :exp, #brand = :brand, #kind = :kind',
      ConditionExpression: 'attribute_not_exists(#exp) OR #exp < :exp',
      ExpressionAttributeNames: { '#exp': RevocationsTable.ttlAttribute, '#brand': 'brandId', '#kind': 'kind' },
      ExpressionAttributeValues: { ':exp': until, ':brand': attributes.brandId ?? '', ':kind': attributes.kind ?? '' },
    });
  }

  /**
   * The items of `keys` in one BatchGetItem: one round trip, one connection and one SDK pass on a cold
   * container instead of three parallel GetItems (the authorizer's check runs on every decision). Unprocessed
   * keys are retried with a short backoff; still unprocessed after that, the read fails (the caller fails closed).
   */
  private async getMany(keys: readonly (string | undefined)[]): Promise<Map<string, Record<string, unknown>>> {
    const found = new Map<string, Record<string, unknown>>();
    const key = RevocationsTable.partitionKey;
    let pending: Record<string, unknown>[] = [...new Set(keys.filter((k) => k !== undefined))].map((pk) => ({
      [key]: pk,
    }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt === 4) throw new Error('revocation read: DynamoDB left keys unprocessed');
      if (attempt > 0) await sleep(20 * 2 ** attempt);
      const { Responses, UnprocessedKeys } = await this.ddb.send(
        new BatchGetCommand({
          RequestItems: { [this.tableName]: { Keys: pending, ConsistentRead: this.consistentRead } },
        }),
      );
      for (const item of Responses?.[this.tableName] ?? []) found.set(String(item[key]), item);
      pending = UnprocessedKeys?.[this.tableName]?.Keys ?? [];
    }
    return found;
  }

  private async get(pk: string): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [RevocationsTable.partitionKey]: pk },
        ConsistentRead: this.consistentRead,
      }),
    );
    return Item;
  }
}
