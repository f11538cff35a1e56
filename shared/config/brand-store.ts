// Port: the brand records brand administration reads and writes (versioned; no two brands of an issuer select
// one token: shared/config/brand-selectors.ts). DynamoBrandStore (shared/adapters) implements it over the
// brands table, writing the selector keys in one transaction with the brand.
import { ConflictError, ErrorCodes } from '../errors.js';
import type { BrandConfig, BrandDocument } from './brand-config.js';
import type { Selector } from './brand-selectors.js';

/** One stored brand: the admin's document, the derived runtime config, and its version metadata. */
export interface StoredBrand {
  document: BrandDocument;
  config: BrandConfig;
  version: number;
  /** ISO-8601 time of the last change. */
  updatedAt: string;
  /** Who made the last change (an IAM ARN, or `local-admin`). */
  updatedBy: string | undefined;
}

export interface SaveBrandOptions {
  /** 0 creates (the brand must not exist); n updates version n (anything else is a version conflict). */
  expectedVersion: number;
  actor: string;
}

export interface BrandStore {
  get(brandId: string): Promise<StoredBrand | undefined>;
  /** Every brand, sorted by id. */
  list(): Promise<StoredBrand[]>;
  /**
   * Writes the brand as version `expectedVersion + 1`, holding its selector keys, atomically.
   * @throws ConflictError VERSION_CONFLICT / BRAND_ISSUER_CLIENT_TAKEN / BRAND_AUDIENCE_TAKEN
   */
  save(document: BrandDocument, options: SaveBrandOptions): Promise<StoredBrand>;
  /** Deletes the brand (at `expectedVersion` when given) and returns what was deleted; undefined when absent. */
  delete(brandId: string, options?: { expectedVersion?: number }): Promise<StoredBrand | undefined>;
}

/** The 409 for a stale or conflicting write. */
export function versionConflict(message: string): ConflictError {
  return new ConflictError(ErrorCodes.VERSION_CONFLICT, message, { details: [{ field: 'version', message }] });
}

/** The 409 for an issuer + client id another brand already uses (`field` names where this brand lists it). */
function issuerClientTaken(ownerBrandId: string, clientId?: string, field = 'clientId'): ConflictError {
  const message = `issuer + client id ${clientId === undefined ? '' : `${clientId} `}are already used by brand ${ownerBrandId}: a client id selects at most one brand of an issuer`;
  return new ConflictError(ErrorCodes.BRAND_ISSUER_CLIENT_TAKEN, message, {
    details: [{ field, message }],
  });
}

/**
 * The 409 for an (issuer, audience) pair another brand already accepts: its tokens would select either
 * brand, so one brand could lock the other out (BRAND_AMBIGUOUS) or read its users.
 */
/** The 409 for a uniqueness key (shared/config/brand-selectors.ts) another brand holds. */
export function selectorTaken(ownerBrandId: string, selector: Selector): ConflictError {
  return selector.kind === 'client'
    ? issuerClientTaken(ownerBrandId, selector.value, selector.field)
    : audienceTaken(ownerBrandId, [selector.value]);
}

function audienceTaken(ownerBrandId: string, audiences: readonly string[]): ConflictError {
  const message = `issuer + audience ${audiences.join(', ')} are already accepted by brand ${ownerBrandId}; give both brands different clientIds and set requireClientClaim on both, or use another audience`;
  return new ConflictError(ErrorCodes.BRAND_AUDIENCE_TAKEN, message, {
    details: [{ field: 'acceptedAudiences', message }],
  });
}
