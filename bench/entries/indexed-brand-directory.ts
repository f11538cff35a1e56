// Bench-only BrandDirectory indexed by issuer, so lookups cost the same for 1 or 1,000 brands (the shape a
// production directory needs; InMemoryBrandDirectory scans every brand).
import type { BrandConfig } from '../../shared/config/brand-config.js';
import type { BrandDirectory } from '../../shared/config/brand-directory.js';

export class IndexedBrandDirectory implements BrandDirectory {
  private readonly byId = new Map<string, BrandConfig>();
  private readonly byIssuer = new Map<string, BrandConfig[]>();

  constructor(brands: readonly BrandConfig[]) {
    for (const brand of brands) {
      this.byId.set(brand.brandId, brand);
      const list = this.byIssuer.get(brand.issuer);
      if (list) list.push(brand);
      else this.byIssuer.set(brand.issuer, [brand]);
    }
  }

  async getBrand(brandId: string): Promise<BrandConfig | undefined> {
    return this.byId.get(brandId);
  }

  async findByIssuer(issuer: string): Promise<readonly BrandConfig[]> {
    return this.byIssuer.get(issuer) ?? [];
  }

  peekByIssuer(issuer: string): readonly BrandConfig[] | undefined {
    return this.byIssuer.get(issuer);
  }
}
