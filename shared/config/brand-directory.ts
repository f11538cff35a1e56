// Port: where functions read brand configuration. The cached DynamoDB implementation lives beside it;
// tests use InMemoryBrandDirectory.
import type { BrandConfig } from './brand-config.js';

export interface BrandDirectory {
  /** The brand by id, or undefined when no such brand is configured. Warm reads make no AWS call. */
  getBrand(brandId: string): Promise<BrandConfig | undefined>;
  /** Every brand whose `issuer` equals `issuer` exactly (the authorizer then picks by audience). */
  findByIssuer(issuer: string): Promise<readonly BrandConfig[]>;
  /**
   * The brands of `issuer` when a fresh answer naming at least one is in memory, synchronously (no I/O, no
   * side effect); undefined means "ask findByIssuer", which then gives the same answer. Spares the
   * authorizer's warm path a promise.
   */
  peekByIssuer?(issuer: string): readonly BrandConfig[] | undefined;
}

/** A fixed set of brands, for tests and tools. */
export class InMemoryBrandDirectory implements BrandDirectory {
  private readonly brands = new Map<string, BrandConfig>();

  constructor(brands: readonly BrandConfig[] = []) {
    for (const brand of brands) this.brands.set(brand.brandId, brand);
  }

  put(brand: BrandConfig): void {
    this.brands.set(brand.brandId, brand);
  }

  delete(brandId: string): void {
    this.brands.delete(brandId);
  }

  async getBrand(brandId: string): Promise<BrandConfig | undefined> {
    return this.brands.get(brandId);
  }

  async findByIssuer(issuer: string): Promise<readonly BrandConfig[]> {
    return [...this.brands.values()].filter((brand) => brand.issuer === issuer);
  }
}
