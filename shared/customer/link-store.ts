// Port: the link store (brand + CIAM sub -> Capillary customer id) and a short lease per brand + sub that
// serialises first sessions, so N simultaneous first logins create exactly one customer.
export interface CustomerLink {
  brandId: string;
  sub: string;
  customerId: number;
  /** Epoch milliseconds. */
  linkedAt: number;
}

export interface LinkStore {
  get(brandId: string, sub: string): Promise<CustomerLink | undefined>;
  /** Writes the link unless one exists; returns the link that is stored afterwards (ours or the earlier one). */
  putIfAbsent(link: CustomerLink): Promise<CustomerLink>;
  /**
   * Replaces the link's customer id if it still is `expectedCustomerId` (e.g. Capillary merged that customer
   * away, 8069); returns the link stored afterwards (ours, or the one another session wrote first).
   */
  replace(link: CustomerLink, expectedCustomerId: number): Promise<CustomerLink>;
  /** Takes the lease for brand + sub when free or expired; false when someone else holds it. */
  acquireLease(brandId: string, sub: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `owner` still holds it. */
  releaseLease(brandId: string, sub: string, owner: string): Promise<void>;
}

/** Brand administration's view of the links: a brand's links die with it (issue 14 item 4). */
export interface BrandLinks {
  /** True when at least one customer of the brand is linked. */
  hasLinks(brandId: string): Promise<boolean>;
  /** Removes every link of the brand; returns how many were removed. */
  deleteLinks(brandId: string): Promise<number>;
}

/** Link items use `link#<brand>#<sub>`, lease items `lease#<brand>#<sub>` (shared/storage/tables.ts LinksTable). */
export function linkKey(brandId: string, sub: string): string {
  return `link#${brandId}#${sub}`;
}

export function leaseKey(brandId: string, sub: string): string {
  return `lease#${brandId}#${sub}`;
}

/** In-memory link store for tests. */
export class InMemoryLinkStore implements LinkStore, BrandLinks {
  readonly links = new Map<string, CustomerLink>();
  readonly leases = new Map<string, { owner: string; until: number }>();

  async get(brandId: string, sub: string): Promise<CustomerLink | undefined> {
    return this.links.get(linkKey(brandId, sub));
  }

  async putIfAbsent(link: CustomerLink): Promise<CustomerLink> {
    const key = linkKey(link.brandId, link.sub);
    const existing = this.links.get(key);
    if (existing) return existing;
    this.links.set(key, link);
    return link;
  }

  async replace(link: CustomerLink, expectedCustomerId: number): Promise<CustomerLink> {
    const key = linkKey(link.brandId, link.sub);
    const existing = this.links.get(key);
    if (existing && existing.customerId !== expectedCustomerId) return existing;
    this.links.set(key, link);
    return link;
  }

  async acquireLease(brandId: string, sub: string, owner: string, nowMs: number, ttlMs: number): Promise<boolean> {
    const key = leaseKey(brandId, sub);
    const lease = this.leases.get(key);
    if (lease && lease.until > nowMs && lease.owner !== owner) return false;
    this.leases.set(key, { owner, until: nowMs + ttlMs });
    return true;
  }

  async releaseLease(brandId: string, sub: string, owner: string): Promise<void> {
    const key = leaseKey(brandId, sub);
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }

  async hasLinks(brandId: string): Promise<boolean> {
    return [...this.links.values()].some((link) => link.brandId === brandId);
  }

  async deleteLinks(brandId: string): Promise<number> {
    let removed = 0;
    for (const [key, link] of this.links) {
      if (link.brandId !== brandId) continue;
      this.links.delete(key);
      removed++;
    }
    return removed;
  }
}
