// The revocation list in memory, with the same semantics as the DynamoDB store (expiry checked on read),
// for handler tests and tools.
import { isInForce, RevocationKeys, revocationReason } from './revocation-checker.js';
import type { RevocationQuery, RevocationReason, RevocationStore } from './revocation-checker.js';

interface Item {
  expiresAt: number;
  revokedBefore?: number;
}

/** A RevocationStore in a Map; `now` is epoch milliseconds. */
export class InMemoryRevocationStore implements RevocationStore {
  readonly items = new Map<string, Item>();
  private readonly now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.now = options.now ?? Date.now;
  }

  async check(query: RevocationQuery): Promise<RevocationReason | undefined> {
    const user = query.sub ? this.live(RevocationKeys.user(query.brandId, query.sub)) : undefined;
    return revocationReason(
      {
        session: query.sid !== '' && this.live(RevocationKeys.session(query.brandId, query.sid)) !== undefined,
        token: query.jti !== '' && this.live(RevocationKeys.token(query.brandId, query.jti)) !== undefined,
        userRevokedBefore: user?.revokedBefore,
      },
      query.iat,
    );
  }

  async revokeSession(brandId: string, sid: string, until: number): Promise<void> {
    this.extend(RevocationKeys.session(brandId, sid), until);
  }

  async revokeToken(brandId: string, jti: string, until: number): Promise<void> {
    this.extend(RevocationKeys.token(brandId, jti), until);
  }

  async revokeUserBefore(brandId: string, sub: string, revokedBefore: number, until: number): Promise<void> {
    const key = RevocationKeys.user(brandId, sub);
    const live = this.live(key);
    this.items.set(key, {
      revokedBefore: Math.max(revokedBefore, live?.revokedBefore ?? revokedBefore),
      expiresAt: Math.max(until, live?.expiresAt ?? until),
    });
  }

  async markLogoutTokenUsed(brandId: string, jti: string, until: number): Promise<boolean> {
    const key = RevocationKeys.logoutToken(brandId, jti);
    if (this.live(key)) return false;
    this.items.set(key, { expiresAt: until });
    return true;
  }

  async forgetLogoutToken(brandId: string, jti: string): Promise<void> {
    this.items.delete(RevocationKeys.logoutToken(brandId, jti));
  }

  private extend(key: string, until: number): void {
    const live = this.live(key);
    this.items.set(key, { expiresAt: Math.max(until, live?.expiresAt ?? until) });
  }

  private live(key: string): Item | undefined {
    const item = this.items.get(key);
    return item !== undefined && isInForce(item.expiresAt, Math.floor(this.now() / 1000)) ? item : undefined;
  }
}
