// The brands table: one item per brand (the admin's document + version metadata) plus one guard item
// per issuer + clientId pair, claimed with a single-item conditional write. dynalite has no
// transactions, so guards are leases checked against the owning brand: a guard whose owner no longer
// holds the pair (a crash between the two writes) is taken over once it is older than a grace period.
import { createHash, randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type BrandDocument, parseBrandDocument, storedRevision, toBrandConfig } from '../config/brand-config.js';
import {
  type BrandStore,
  issuerClientTaken,
  type SaveBrandOptions,
  type StoredBrand,
  versionConflict,
} from '../config/brand-store.js';
import { BrandsTable } from '../storage/tables.js';
import { GUARD_PREFIX, scanBrandItems } from './dynamo-brand-scan.js';
import { withStoreErrors } from './store-errors.js';

const KEY = BrandsTable.partitionKey;
const GUARD_KIND = 'issuer-client-guard';

const MetaSchema = z.object({
  version: z.number().int().min(1),
  updatedAt: z.string(),
  updatedBy: z.string().optional(),
  revision: z.string().optional(),
});

const GuardSchema = z.object({
  ownerBrandId: z.string(),
  claimedAt: z.number(),
  claimToken: z.string(),
});
type Guard = z.infer<typeof GuardSchema>;

export interface DynamoBrandStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
  /** How long a fresh guard is trusted even if its owner does not (yet) hold the pair. */
  guardGraceSeconds?: number;
  /** Told about stored items that no longer parse (they are left out of `list`). */
  onInvalidItem?: (brandId: string, error: unknown) => void;
}

/** The guard item key of an issuer + clientId pair. */
export function pairGuardKey(issuer: string, clientId: string): string {
  return GUARD_PREFIX + createHash('sha256').update(`${issuer}\n${clientId}`).digest('hex');
}

/** BrandStore over the brands table with optimistic concurrency and unique issuer + clientId pairs. */
export class DynamoBrandStore implements BrandStore {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly graceMs: number;
  private readonly onInvalidItem: ((brandId: string, error: unknown) => void) | undefined;

  constructor(options: DynamoBrandStoreOptions) {
    this.ddb = withStoreErrors(options.documentClient);
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    this.graceMs = (options.guardGraceSeconds ?? 60) * 1000;
    this.onInvalidItem = options.onInvalidItem;
  }

  async get(brandId: string): Promise<StoredBrand | undefined> {
    if (brandId.startsWith(GUARD_PREFIX)) return undefined;
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { [KEY]: brandId }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    try {
      return parseItem(Item);
    } catch (error) {
      throw new ConfigError(`Stored brand ${brandId} is invalid`, { cause: error });
    }
  }

  async list(): Promise<StoredBrand[]> {
    const brands = await scanBrandItems({
      documentClient: this.ddb,
      tableName: this.tableName,
      parse: parseItem,
      onInvalidItem: this.onInvalidItem,
    });
    return brands.sort((a, b) => a.document.brandId.localeCompare(b.document.brandId));
  }

  async save(document: BrandDocument, options: SaveBrandOptions): Promise<StoredBrand> {
    const startedAt = this.now();
    const brandId = document.brandId;
    const previous = await this.get(brandId);
    if (options.expectedVersion === 0 && previous) {
      throw versionConflict(
        `brand ${brandId} already exists (version ${previous.version}); send its version to update`,
      );
    }
    if (options.expectedVersion > 0 && previous?.version !== options.expectedVersion) {
      throw versionConflict(
        previous
          ? `brand ${brandId} is at version ${previous.version}, not ${options.expectedVersion}`
          : `brand ${brandId} does not exist (it may have been deleted)`,
      );
    }
    const pair = pairGuardKey(document.issuer, document.clientId);
    const claim = await this.claimPair(pair, document, startedAt);
    const version = options.expectedVersion + 1;
    const updatedAt = new Date(startedAt).toISOString();
    // A fresh id per save: caches key the brand by it, so a deleted and re-created brand is a new brand.
    const revision = randomUUID();
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...document, version, updatedAt, updatedBy: options.actor, revision },
          ...(options.expectedVersion === 0
            ? { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': KEY } }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: { ':expected': options.expectedVersion },
              }),
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (claim.created) await this.releaseClaim(pair, claim.token);
      throw versionConflict(`brand ${brandId} was changed concurrently; read it again and retry`);
    }
    if (previous) {
      const oldPair = pairGuardKey(previous.document.issuer, previous.document.clientId);
      if (oldPair !== pair) await this.releasePair(oldPair, brandId, startedAt);
    }
    return {
      document,
      config: toBrandConfig(document, version, revision),
      version,
      updatedAt,
      updatedBy: options.actor,
    };
  }

  async delete(brandId: string, options: { expectedVersion?: number } = {}): Promise<StoredBrand | undefined> {
    const startedAt = this.now();
    const current = await this.get(brandId);
    if (!current) return undefined;
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw versionConflict(`brand ${brandId} is at version ${current.version}, not ${options.expectedVersion}`);
    }
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [KEY]: brandId },
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: { '#version': 'version' },
          ExpressionAttributeValues: { ':expected': current.version },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw versionConflict(`brand ${brandId} was changed concurrently; read it again and retry`);
    }
    await this.releasePair(pairGuardKey(current.document.issuer, current.document.clientId), brandId, startedAt);
    return current;
  }

  /** Claims (or refreshes) the pair's guard for the brand; `created` says whether no guard of ours existed. */
  private async claimPair(
    pair: string,
    document: BrandDocument,
    now: number,
  ): Promise<{ created: boolean; token: string }> {
    const token = randomUUID();
    const item = {
      [KEY]: pair,
      kind: GUARD_KIND,
      ownerBrandId: document.brandId,
      pairIssuer: document.issuer,
      pairClientId: document.clientId,
      claimedAt: now,
      claimToken: token,
    };
    try {
      const { Attributes } = await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(#key) OR #owner = :me',
          ExpressionAttributeNames: { '#key': KEY, '#owner': 'ownerBrandId' },
          ExpressionAttributeValues: { ':me': document.brandId },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { created: Attributes === undefined, token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Another brand's guard: it stands unless that brand no longer holds the pair and the claim is old.
    const guard = await this.getGuard(pair);
    if (!guard) throw issuerClientTaken('(another brand, concurrently)');
    const owner = await this.get(guard.ownerBrandId).catch(() => undefined);
    const ownerHoldsPair = owner?.document.issuer === document.issuer && owner.document.clientId === document.clientId;
    if (ownerHoldsPair || now - guard.claimedAt < this.graceMs) throw issuerClientTaken(guard.ownerBrandId);
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: '#token = :stale',
          ExpressionAttributeNames: { '#token': 'claimToken' },
          ExpressionAttributeValues: { ':stale': guard.claimToken },
        }),
      );
      return { created: true, token };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw issuerClientTaken(guard.ownerBrandId);
    }
  }

  private async getGuard(pair: string): Promise<Guard | undefined> {
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { [KEY]: pair }, ConsistentRead: true }),
    );
    return Item ? GuardSchema.parse(Item) : undefined;
  }

  /** Undoes a claim this write created, unless someone claimed the pair again since. */
  private async releaseClaim(pair: string, token: string): Promise<void> {
    await this.conditionalDelete(pair, '#token = :token', { '#token': 'claimToken' }, { ':token': token });
  }

  /** Releases the brand's guard of a pair it no longer holds (unless re-claimed after `before`). */
  private async releasePair(pair: string, brandId: string, before: number): Promise<void> {
    await this.conditionalDelete(
      pair,
      '#owner = :me AND #claimedAt < :before',
      { '#owner': 'ownerBrandId', '#claimedAt': 'claimedAt' },
      { ':me': brandId, ':before': before },
    );
  }

  private async conditionalDelete(
    pair: string,
    condition: string,
    names: Record<string, string>,
    values: Record<string, unknown>,
  ): Promise<void> {
    try {
      await this.ddb.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { [KEY]: pair },
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (error) {
      // A guard someone re-claimed stays; a leftover guard is healed by the next claimant.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function parseItem(item: Record<string, unknown>): StoredBrand {
  const { version, updatedAt, updatedBy, revision, ...rest } = item;
  const meta = MetaSchema.parse({ version, updatedAt, updatedBy, revision });
  const document = parseBrandDocument(rest);
  return {
    document,
    config: toBrandConfig(document, meta.version, storedRevision(meta)),
    version: meta.version,
    updatedAt: meta.updatedAt,
    updatedBy: meta.updatedBy,
  };
}
