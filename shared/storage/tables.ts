// Key schemas of the gateway's DynamoDB tables, shared by the CDK stack, the adapters and the local stack.

export const BrandsTable = {
  partitionKey: 'brandId',
  /** GSI that resolves a token's issuer to the brands configured for it. */
  issuerIndex: { name: 'byIssuer', partitionKey: 'issuer' },
} as const;

/** Links (brand + sub -> Capillary customer id) and short-lived lock items, one `pk` per item. */
export const LinksTable = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

/** Revoked sessions/tokens/users; `expiresAt` (epoch seconds) is the TTL attribute and is also checked by readers. */
export const RevocationsTable = { partitionKey: 'pk', ttlAttribute: 'expiresAt' } as const;

/** Every table, for tooling that creates them (local stack, tests). */
export const TableSchemas = {
  brands: {
    partitionKey: BrandsTable.partitionKey,
    indexes: [BrandsTable.issuerIndex],
  },
  links: { partitionKey: LinksTable.partitionKey, indexes: [] },
  revocations: { partitionKey: RevocationsTable.partitionKey, indexes: [] },
} as const;
export type TableKey = keyof typeof TableSchemas;
