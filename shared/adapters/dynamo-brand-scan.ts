// The one scan of the brands table, shared by DynamoBrandStore.list (admin, full schema) and the
// functions' brand directory (zod/mini read path). Free of zod so the authorizer bundle stays small.
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { BrandsTable } from '../storage/tables.js';

/** Guard keys cannot collide with brand ids (those match ^[a-z0-9][a-z0-9-]*$). */
export const GUARD_PREFIX = '#pair#';

export interface ScanBrandItemsOptions<T> {
  documentClient: DynamoDBDocumentClient;
  tableName: string;
  /** Parses one brand item; a throw leaves the item out and is reported to onInvalidItem. */
  parse: (item: Record<string, unknown>) => T;
  onInvalidItem?: ((brandId: string, error: unknown) => void) | undefined;
}

/** Every brand item of the table (guard items skipped), parsed; invalid items are reported and left out. */
export async function scanBrandItems<T>(options: ScanBrandItemsOptions<T>): Promise<T[]> {
  const key = BrandsTable.partitionKey;
  const brands: T[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await options.documentClient.send(
      new ScanCommand({
        TableName: options.tableName,
        ConsistentRead: true,
        FilterExpression: 'attribute_not_exists(#kind)',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const id = typeof item[key] === 'string' ? item[key] : '';
      if (id.startsWith(GUARD_PREFIX)) continue;
      try {
        brands.push(options.parse(item));
      } catch (error) {
        options.onInvalidItem?.(id, error);
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return brands;
}
