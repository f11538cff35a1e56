// The brands table's reads: the one scan shared by DynamoBrandStore.list (admin, full schema) and the
// functions' brand directory (zod/mini read path), and the directory's per-key reads (a Query on the
// issuer index, a GetItem by id). Free of zod so the authorizer bundle stays small.
import { type DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { BrandsTable } from '../storage/tables.js';

/** Guard keys cannot collide with brand ids (those match ^[a-z0-9][a-z0-9-]*$). */
export const GUARD_PREFIX = '#pair#';

/** How to read and parse brand items (scan, query and get alike). */
export interface ScanBrandItemsOptions<T> {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Parses one brand item; a throw leaves the item out and is reported to onInvalidItem. */
  parse: (item: Record<string, unknown>) => T;
  onInvalidItem?: ((brandId: string, error: unknown) => void) | undefined;
}

/** Parses brand items into `out`: guard items skipped, invalid items reported and left out. */
function collect<T>(
  items: readonly Record<string, unknown>[] | undefined,
  options: Pick<ScanBrandItemsOptions<T>, 'parse' | 'onInvalidItem'>,
  out: T[],
): void {
  for (const item of items ?? []) {
    const id = typeof item[BrandsTable.partitionKey] === 'string' ? (item[BrandsTable.partitionKey] as string) : '';
    if (id.startsWith(GUARD_PREFIX) || item.kind !== undefined) continue;
    try {
      out.push(options.parse(item));
    } catch (error) {
      options.onInvalidItem?.(id, error);
    }
  }
}

/** Every brand item of the table (guard items skipped), parsed; invalid items are reported and left out. */
export function scanBrandItems<T>(options: ScanBrandItemsOptions<T>): Promise<T[]> {
  return collectPages(options, (startKey) =>
    options.documentClient.send(
      new ScanCommand({
        TableName: options.tableName,
        ConsistentRead: true,
        FilterExpression: 'attribute_not_exists(#kind)',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    ),
  );
}

/**
 * The brand items of one issuer: a Query on the issuer index (projection ALL), paginated. A GSI read is
 * eventually consistent (an admin change shows up after index propagation, typically well under a second).
 */
export function queryBrandItemsByIssuer<T>(options: ScanBrandItemsOptions<T>, issuer: string): Promise<T[]> {
  return collectPages(options, (startKey) =>
    options.documentClient.send(
      new QueryCommand({
        TableName: options.tableName,
        IndexName: BrandsTable.issuerIndex.name,
        KeyConditionExpression: '#issuer = :issuer',
        ExpressionAttributeNames: { '#issuer': BrandsTable.issuerIndex.partitionKey },
        ExpressionAttributeValues: { ':issuer': issuer },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    ),
  );
}

/** Reads every page (`read` given the last page's LastEvaluatedKey) and parses its brand items. */
async function collectPages<T>(
  options: Pick<ScanBrandItemsOptions<T>, 'parse' | 'onInvalidItem'>,
  read: (startKey: Record<string, unknown> | undefined) => Promise<{
    Items?: Record<string, unknown>[] | undefined;
    LastEvaluatedKey?: Record<string, unknown> | undefined;
  }>,
): Promise<T[]> {
  const brands: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await read(startKey);
    collect(page.Items, options, brands);
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return brands;
}

/** One brand item by id (strongly consistent GetItem), parsed; undefined when absent, a guard or invalid. */
export async function getBrandItem<T>(options: ScanBrandItemsOptions<T>, brandId: string): Promise<T | undefined> {
  if (brandId.startsWith(GUARD_PREFIX)) return undefined;
  const { Item } = await options.documentClient.send(
    new GetCommand({
      TableName: options.tableName,
      Key: { [BrandsTable.partitionKey]: brandId },
      ConsistentRead: true,
    }),
  );
  const brands: T[] = [];
  collect(Item ? [Item] : undefined, options, brands);
  return brands[0];
}
