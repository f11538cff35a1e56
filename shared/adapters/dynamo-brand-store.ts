// The brands table: one item per brand (the admin's document + version metadata) plus one item per selector
// key it holds (shared/config/brand-selectors.ts: each client id, each audience), written in one DynamoDB
// transaction with the brand. A key held by another brand cancels the transaction, so no two brands of an
// issuer can ever select one token, whatever runs concurrently; a save that drops a key releases it in the
// same transaction. Brands saved before selector items existed get theirs on their next save; until then
// brand administration's check against the stored brands (which also lets an edit that removes an overlap
// through) is what refuses overlaps with them.
import { createHash, randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type BrandDocument, parseBrandDocument, storedRevision, toBrandConfig } from '../config/brand-config.js';
import { type Selector, selectorKey, selectorsOf } from '../config/brand-selectors.js';
import {
  type BrandStore,
  type SaveBrandOptions,
  type StoredBrand,
  selectorTaken,
  versionConflict,
} from '../config/brand-store.js';
import { BrandsTable } from '../storage/tables.js';
import { GUARD_PREFIX, scanBrandItems } from './dynamo-brand-scan.js';
import { withStoreErrors } from './store-errors.js';

const KEY = BrandsTable.partitionKey;
const SELECTOR_KIND = 'brand-selector';
/** Selector item keys: cannot collide with brand ids (^[a-z0-9][a-z0-9-]*$) or the legacy pair guards. */
const SELECTOR_PREFIX = '#sel#';

const MetaSchema = z.object({
  version: z.number().int().min(1),
  updatedAt: z.string(),
  updatedBy: z.string().optional(),
  revision: z.string().optional(),
});

/** A selector item as stored: one exclusive owner, or shared holders (brands that all require the client claim). */
const SelectorItemSchema = z.object({
  mode: z.enum(['exclusive', 'shared']),
  owner: z.string().optional(),
  owners: z.set(z.string()).optional(),
});
type SelectorItem = z.infer<typeof SelectorItemSchema>;

export interface DynamoBrandStoreOptions {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  now?: () => number;
  /** Told about stored items that no longer parse (they are left out of `list`). */
  onInvalidItem?: (brandId: string, error: unknown) => void;
}

/** The item key of a selector (hashed: an issuer may be 2,048 characters). */
export function selectorItemKey(selector: Pick<Selector, 'kind' | 'issuer' | 'value'>): string {
  return SELECTOR_PREFIX + createHash('sha256').update(selectorKey(selector)).digest('hex');
}

function holds(item: SelectorItem | undefined, brandId: string): boolean {
  return item?.owner === brandId || item?.owners?.has(brandId) === true;
}

type Action = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** BrandStore over the brands table with optimistic concurrency and transactional selector keys. */
export class DynamoBrandStore implements BrandStore {
  private readonly ddb: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;
  private readonly onInvalidItem: ((brandId: string, error: unknown) => void) | undefined;

  constructor(options: DynamoBrandStoreOptions) {
    this.ddb = withStoreErrors(options.documentClient);
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
    this.onInvalidItem = options.onInvalidItem;
  }

  async get(brandId: string): Promise<StoredBrand | undefined> {
    if (brandId.startsWith(GUARD_PREFIX) || brandId.startsWith(SELECTOR_PREFIX)) return undefined;
    const { Item } = await this.ddb.send(
      new GetCommand({ TableName: this.tableName, Key: { [KEY]: brandId }, ConsistentRead: true }),
    );
    if (!Item || Item.kind !== undefined) return undefined;
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
    const wanted = selectorsOf(document);
    const held = previous ? selectorsOf(previous.document) : [];
    const current = await this.readSelectors([...wanted, ...held]);
    for (const selector of wanted) {
      const other = otherHolder(current.get(selectorItemKey(selector)), selector, brandId);
      if (other !== undefined) throw selectorTaken(other, selector);
    }
    const version = options.expectedVersion + 1;
    const updatedAt = new Date(this.now()).toISOString();
    // A fresh id per save: caches key the brand by it, so a deleted and re-created brand is a new brand.
    const revision = randomUUID();
    const brandPut: Action = {
      Put: {
        TableName: this.tableName,
        Item: { ...document, version, updatedAt, updatedBy: options.actor, revision },
        ...(options.expectedVersion === 0
          ? { ConditionExpression: 'attribute_not_exists(#key)', ExpressionAttributeNames: { '#key': KEY } }
          : {
              ConditionExpression: '#version = :expected',
              ExpressionAttributeNames: { '#version': 'version' },
              ExpressionAttributeValues: { ':expected': options.expectedVersion },
            }),
      },
    };
    const claims = wanted.flatMap((selector) => this.claim(selector, current, brandId));
    const wantedKeys = new Set(wanted.map(selectorItemKey));
    const releases = held
      .filter((selector) => !wantedKeys.has(selectorItemKey(selector)))
      .flatMap((selector) => this.release(selector, current.get(selectorItemKey(selector)), brandId));
    await this.transact([brandPut, ...claims.map((claim) => claim.action), ...releases], (index) =>
      index === 0 ? undefined : claims[index - 1]?.selector,
    );
    return {
      document,
      config: toBrandConfig(document, version, revision),
      version,
      updatedAt,
      updatedBy: options.actor,
    };
  }

  async delete(brandId: string, options: { expectedVersion?: number } = {}): Promise<StoredBrand | undefined> {
    const current = await this.get(brandId);
    if (!current) return undefined;
    if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
      throw versionConflict(`brand ${brandId} is at version ${current.version}, not ${options.expectedVersion}`);
    }
    const held = selectorsOf(current.document);
    const items = await this.readSelectors(held);
    const brandDelete: Action = {
      Delete: {
        TableName: this.tableName,
        Key: { [KEY]: brandId },
        ConditionExpression: '#version = :expected',
        ExpressionAttributeNames: { '#version': 'version' },
        ExpressionAttributeValues: { ':expected': current.version },
      },
    };
    const releases = held.flatMap((selector) => this.release(selector, items.get(selectorItemKey(selector)), brandId));
    await this.transact([brandDelete, ...releases], () => undefined);
    return current;
  }

  /** Runs the transaction; a cancelled one becomes the 409 of its first failed action (`selectorAt` names keys). */
  private async transact(actions: Action[], selectorAt: (index: number) => Selector | undefined): Promise<void> {
    try {
      await this.ddb.send(new TransactWriteCommand({ TransactItems: actions }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
      const selector = failed > 0 ? selectorAt(failed) : undefined;
      if (selector) {
        const item = (await this.readSelectors([selector])).get(selectorItemKey(selector));
        const holder = item?.owner ?? [...(item?.owners ?? [])][0] ?? '(another brand, concurrently)';
        throw selectorTaken(holder, selector);
      }
      throw versionConflict(
        'the brand or one of its client ids or audiences was changed concurrently; read it again and retry',
      );
    }
  }

  /** The action that makes `brandId` hold `selector`, none when it already holds it as wanted. */
  private claim(
    selector: Selector,
    current: Map<string, SelectorItem>,
    brandId: string,
  ): { selector: Selector; action: Action }[] {
    const key = selectorItemKey(selector);
    const item = current.get(key);
    const mode = selector.shared ? 'shared' : 'exclusive';
    if (holds(item, brandId) && item?.mode === mode) return [];
    const describe = {
      kind: SELECTOR_KIND,
      selKind: selector.kind,
      selIssuer: selector.issuer,
      selValue: selector.value,
    };
    if (!selector.shared) {
      return [
        {
          selector,
          action: {
            Put: {
              TableName: this.tableName,
              Item: { [KEY]: key, ...describe, mode, owner: brandId },
              // Free, ours, or shared with no holder left but (possibly) us.
              ConditionExpression:
                'attribute_not_exists(#key) OR #owner = :me OR (#mode = :shared AND (attribute_not_exists(#owners) OR (size(#owners) = :one AND contains(#owners, :me))))',
              ExpressionAttributeNames: { '#key': KEY, '#owner': 'owner', '#mode': 'mode', '#owners': 'owners' },
              ExpressionAttributeValues: { ':me': brandId, ':shared': 'shared', ':one': 1 },
            },
          },
        },
      ];
    }
    return [
      {
        selector,
        action: {
          Update: {
            TableName: this.tableName,
            Key: { [KEY]: key },
            UpdateExpression:
              'SET #kind = :kind, #selKind = :selKind, #selIssuer = :selIssuer, #selValue = :selValue, #mode = :shared ADD #owners :meSet REMOVE #owner',
            // Free, already shared, or exclusively ours (requireClientClaim switched on).
            ConditionExpression: 'attribute_not_exists(#key) OR #mode = :shared OR #owner = :me',
            ExpressionAttributeNames: {
              '#key': KEY,
              '#kind': 'kind',
              '#selKind': 'selKind',
              '#selIssuer': 'selIssuer',
              '#selValue': 'selValue',
              '#mode': 'mode',
              '#owners': 'owners',
              '#owner': 'owner',
            },
            ExpressionAttributeValues: {
              ':kind': SELECTOR_KIND,
              ':selKind': selector.kind,
              ':selIssuer': selector.issuer,
              ':selValue': selector.value,
              ':shared': 'shared',
              ':meSet': new Set([brandId]),
              ':me': brandId,
            },
          },
        },
      },
    ];
  }

  /** The action that gives up `selector`, none when `brandId` does not hold it (a brand saved before selectors). */
  private release(selector: Selector, item: SelectorItem | undefined, brandId: string): Action[] {
    if (!holds(item, brandId)) return [];
    const key = selectorItemKey(selector);
    if (item?.owner === brandId) {
      return [
        {
          Delete: {
            TableName: this.tableName,
            Key: { [KEY]: key },
            ConditionExpression: '#owner = :me',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':me': brandId },
          },
        },
      ];
    }
    return [
      {
        Update: {
          TableName: this.tableName,
          Key: { [KEY]: key },
          UpdateExpression: 'DELETE #owners :meSet',
          ConditionExpression: 'contains(#owners, :me)',
          ExpressionAttributeNames: { '#owners': 'owners' },
          ExpressionAttributeValues: { ':meSet': new Set([brandId]), ':me': brandId },
        },
      },
    ];
  }

  /** The stored items of `selectors` (strongly consistent), by item key. */
  private async readSelectors(selectors: readonly Selector[]): Promise<Map<string, SelectorItem>> {
    const found = new Map<string, SelectorItem>();
    let keys = [...new Set(selectors.map(selectorItemKey))].map((key) => ({ [KEY]: key }));
    for (let attempt = 0; keys.length > 0; attempt++) {
      if (attempt === 5) throw new Error('could not read the brand selector items');
      const batch = keys.slice(0, 100);
      const { Responses, UnprocessedKeys } = await this.ddb.send(
        new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: batch, ConsistentRead: true } } }),
      );
      for (const item of Responses?.[this.tableName] ?? []) {
        const parsed = SelectorItemSchema.safeParse(item);
        if (parsed.success) found.set(String(item[KEY]), parsed.data);
      }
      keys = [...keys.slice(100), ...((UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys)];
    }
    return found;
  }
}

/** Another brand that holds `selector` in a way that excludes `brandId`, or undefined. */
function otherHolder(item: SelectorItem | undefined, selector: Selector, brandId: string): string | undefined {
  if (item === undefined) return undefined;
  if (item.mode === 'exclusive') return item.owner !== undefined && item.owner !== brandId ? item.owner : undefined;
  if (selector.shared) return undefined;
  return [...(item.owners ?? [])].find((owner) => owner !== brandId);
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
