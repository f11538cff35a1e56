// Bench-only BrandDirectory loaded once from a loopback URL (standing in for the runtime's cached DynamoDB
// read) and validated with the runtime's brand read path (the zod/mini parser), then indexed by issuer.
import { parseStoredBrandConfig } from '../../shared/config/brand-item-parser.js';
import type { BrandDirectory } from '../../shared/config/brand-directory.js';
import { IndexedBrandDirectory } from './indexed-brand-directory.js';

export { IndexedBrandDirectory };

/** A directory filled from `url` on first use (single-flight), like a cold Lambda's first config read. */
export function remoteBrandDirectory(url: string): BrandDirectory {
  let loading: Promise<IndexedBrandDirectory> | undefined;
  const load = () => {
    loading ??= fetch(url)
      .then((response) => response.json())
      .then(
        (items: unknown) =>
          new IndexedBrandDirectory((Array.isArray(items) ? items : []).map((item) => parseStoredBrandConfig(item))),
      );
    return loading;
  };
  return {
    getBrand: async (brandId) => (await load()).getBrand(brandId),
    findByIssuer: async (issuer) => (await load()).findByIssuer(issuer),
  };
}
