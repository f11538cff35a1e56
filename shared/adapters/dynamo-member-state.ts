// DynamoDB member state in the links table (shared/storage/tables.ts LinksTable: one `pk` per item, `expiresAt`
// TTL): idempotency records and per-member write windows, each changed by single-item conditional writes only
// (dynalite has no transactions). Readers check `expiresAt` too, since DynamoDB's TTL deletes lazily.
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import {
  type ClaimOutcome,
  heldClaim,
  type IdempotencyRef,
  idempotencyItemKey,
  type MemberStateStore,
  type StoredResponse,
  secondsLeft,
  type WriteAdmission,
  type WriteLimit,
  windowStart,
  writeWindowKey,
} from '../member/member-state.js';
import { LinksTable } from '../storage/tables.js';
import { DynamoTableStore, isConditionFailure } from './dynamo-table.js';

const RecordSchema = z.object({
  fingerprint: z.string(),
  owner: z.string(),
  state: z.enum(['pending', 'done']),
  leaseUntil: z.number(),
  expiresAt: z.number(),
  response: z.string().optional(),
});

const ResponseSchema = z.object({ status: z.number().int(), body: z.unknown() });

export class DynamoMemberStateStore extends DynamoTableStore implements MemberStateStore {
  async claimIdempotency(
    ...[ref, fingerprint, owner, nowMs, leaseMs, ttlSeconds]: Parameters<MemberStateStore['claimIdempotency']>
  ): Promise<ClaimOutcome> {
    const pk = idempotencyItemKey(ref);
    const nowSeconds = Math.floor(nowMs / 1000);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const { Attributes } = await this.ddb.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              [LinksTable.partitionKey]: pk,
              fingerprint,
              owner,
              state: 'pending',
              leaseUntil: nowMs + leaseMs,
              [LinksTable.ttlAttribute]: nowSeconds + ttlSeconds,
            },
            // New, expired (TTL deletes lazily), or a pending claim of the same request whose lease ran out.
            ConditionExpression:
              'attribute_not_exists(#pk) OR #exp < :nowSeconds OR (#state = :pending AND leaseUntil < :now AND fingerprint = :fp)',
            ExpressionAttributeNames: {
              '#pk': LinksTable.partitionKey,
              '#exp': LinksTable.ttlAttribute,
              '#state': 'state',
            },
            ExpressionAttributeValues: {
              ':nowSeconds': nowSeconds,
              ':pending': 'pending',
              ':now': nowMs,
              ':fp': fingerprint,
            },
            ReturnValues: 'ALL_OLD',
          }),
        );
        const old = Attributes ? RecordSchema.safeParse(Attributes) : undefined;
        return { kind: 'claimed', takeover: old?.success === true && old.data.expiresAt >= nowSeconds };
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
      const { Item } = await this.ddb.send(
        new GetCommand({ TableName: this.tableName, Key: { [LinksTable.partitionKey]: pk }, ConsistentRead: true }),
      );
      if (!Item) continue; // deleted (released) meanwhile: claim again
      const record = RecordSchema.parse(Item);
      const response =
        record.state === 'done' && record.response !== undefined
          ? (ResponseSchema.parse(JSON.parse(record.response)) as StoredResponse)
          : undefined;
      return heldClaim(record, response, fingerprint, nowMs);
    }
    return { kind: 'in-progress', retryAfterSeconds: 1 };
  }

  async completeIdempotency(
    ...[ref, owner, response, nowMs, ttlSeconds]: Parameters<MemberStateStore['completeIdempotency']>
  ): Promise<void> {
    // Refused when another invocation took the claim over (our lease ran out): its answer is the one kept.
    await this.updateIf({
      Key: { [LinksTable.partitionKey]: idempotencyItemKey(ref) },
      UpdateExpression: 'SET #state = :done, #response = :response, #exp = :exp',
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeNames: {
        '#state': 'state',
        '#response': 'response',
        '#exp': LinksTable.ttlAttribute,
        '#owner': 'owner',
      },
      ExpressionAttributeValues: {
        ':done': 'done',
        // Kept as JSON text: the replay is byte for byte the first answer.
        ':response': JSON.stringify(response),
        ':exp': Math.floor(nowMs / 1000) + ttlSeconds,
        ':owner': owner,
      },
    });
  }

  async releaseIdempotency(ref: IdempotencyRef, owner: string): Promise<void> {
    await this.deleteIf({
      Key: { [LinksTable.partitionKey]: idempotencyItemKey(ref) },
      ConditionExpression: '#owner = :owner AND #state = :pending',
      ExpressionAttributeNames: { '#owner': 'owner', '#state': 'state' },
      ExpressionAttributeValues: { ':owner': owner, ':pending': 'pending' },
    });
  }

  async consumeWrite(brandId: string, sub: string, nowMs: number, limit: WriteLimit): Promise<WriteAdmission> {
    const pk = writeWindowKey(brandId, sub);
    const start = windowStart(nowMs, limit.windowSeconds);
    const expiresAt = Math.ceil((start + limit.windowSeconds * 1000) / 1000) + 60;
    // Twice at most: a concurrent write may open the window between our update and our put.
    for (let round = 0; round < 2; round++) {
      // The usual case: one more write in the current window, while it has room.
      const counted = await this.updateIf({
        Key: { [LinksTable.partitionKey]: pk },
        UpdateExpression: 'SET writes = writes + :one',
        ConditionExpression: 'windowStart = :start AND writes < :max',
        ExpressionAttributeValues: { ':one': 1, ':start': start, ':max': limit.maxWrites },
      });
      if (counted) return { allowed: true };
      // No window yet, or an older one: this write opens the current window.
      const opened = await this.putIf({
        Item: { [LinksTable.partitionKey]: pk, windowStart: start, writes: 1, [LinksTable.ttlAttribute]: expiresAt },
        ConditionExpression: 'attribute_not_exists(#pk) OR windowStart <> :start',
        ExpressionAttributeNames: { '#pk': LinksTable.partitionKey },
        ExpressionAttributeValues: { ':start': start },
      });
      if (opened) return { allowed: true };
    }
    // The current window is full (or a concurrent write just opened it full).
    return { allowed: false, retryAfterSeconds: secondsLeft(start, limit.windowSeconds, nowMs) };
  }
}
