// Port: the member API's per-member state, kept beside the links (one item per key, TTL'd): the idempotency
// records of writes that spend value, and the per-member write window. The DynamoDB adapter is
// shared/adapters/dynamo-member-state.ts; both run the contract in test/integration/member-state-contract.test.ts.
import { createHash } from 'node:crypto';

/** The answer a completed write gave, replayed for the same key and request. */
export interface StoredResponse {
  status: number;
  body: unknown;
}

/** One idempotency key of one member of one brand. */
export interface IdempotencyRef {
  brandId: string;
  sub: string;
  key: string;
}

export type ClaimOutcome =
  /** This request runs the write; `takeover`: an earlier holder's lease ran out, so it may have called Capillary. */
  | { kind: 'claimed'; takeover: boolean }
  /** The write with this key and request completed: answer what it answered. */
  | { kind: 'replay'; response: StoredResponse }
  /** The first request with this key is still running. */
  | { kind: 'in-progress'; retryAfterSeconds: number }
  /** The key was used for another request. */
  | { kind: 'mismatch' };

export type WriteAdmission = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface WriteLimit {
  maxWrites: number;
  windowSeconds: number;
}

export interface MemberStateStore {
  /**
   * Claims `ref` for `owner` until `nowMs + leaseMs` unless a record exists: the same `fingerprint` completed
   * (replay), still leased (in progress), or another fingerprint (mismatch). An expired lease of the same request
   * is taken over. The record lives `ttlSeconds`.
   */
  claimIdempotency(
    ref: IdempotencyRef,
    fingerprint: string,
    owner: string,
    nowMs: number,
    leaseMs: number,
    ttlSeconds: number,
  ): Promise<ClaimOutcome>;
  /** Stores the final answer, if `owner` still holds the claim. */
  completeIdempotency(
    ref: IdempotencyRef,
    owner: string,
    response: StoredResponse,
    nowMs: number,
    ttlSeconds: number,
  ): Promise<void>;
  /** Drops the claim (the request may be sent again with the same key), if `owner` still holds it. */
  releaseIdempotency(ref: IdempotencyRef, owner: string): Promise<void>;
  /** Counts one write of the member in the current fixed window; refused once the window holds `maxWrites`. */
  consumeWrite(brandId: string, sub: string, nowMs: number, limit: WriteLimit): Promise<WriteAdmission>;
}

/** Items use `idem#<brand>#<sub>#<sha256(key)>` (any key text, bounded size) and `wlimit#<brand>#<sub>`. */
export function idempotencyItemKey(ref: IdempotencyRef): string {
  return `idem#${ref.brandId}#${ref.sub}#${createHash('sha256').update(ref.key, 'utf8').digest('hex').slice(0, 40)}`;
}

export function writeWindowKey(brandId: string, sub: string): string {
  return `wlimit#${brandId}#${sub}`;
}

/** The start of the fixed window `nowMs` falls in (epoch ms). */
export function windowStart(nowMs: number, windowSeconds: number): number {
  const size = windowSeconds * 1000;
  return Math.floor(nowMs / size) * size;
}

/** Seconds until a window that started at `start` ends (at least 1). */
export function secondsLeft(start: number, windowSeconds: number, nowMs: number): number {
  return Math.max(1, Math.ceil((start + windowSeconds * 1000 - nowMs) / 1000));
}

/** What a claim meets when a live record of another invocation holds the key (both stores answer alike). */
export function heldClaim(
  record: { fingerprint: string; state: 'pending' | 'done'; leaseUntil: number },
  response: StoredResponse | undefined,
  fingerprint: string,
  nowMs: number,
): ClaimOutcome {
  if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
  if (record.state === 'done' && response !== undefined) return { kind: 'replay', response };
  return { kind: 'in-progress', retryAfterSeconds: Math.max(1, Math.ceil((record.leaseUntil - nowMs) / 1000)) };
}

interface MemoryRecord {
  fingerprint: string;
  owner: string;
  state: 'pending' | 'done';
  leaseUntil: number;
  expiresAt: number;
  response?: StoredResponse;
}

/** In-memory member state for unit tests (same rules as the DynamoDB adapter). */
export class InMemoryMemberStateStore implements MemberStateStore {
  readonly records = new Map<string, MemoryRecord>();
  readonly windows = new Map<string, { start: number; count: number }>();

  async claimIdempotency(
    ...[ref, fingerprint, owner, nowMs, leaseMs, ttlSeconds]: Parameters<MemberStateStore['claimIdempotency']>
  ): Promise<ClaimOutcome> {
    const key = idempotencyItemKey(ref);
    const existing = this.records.get(key);
    const live = existing && existing.expiresAt > nowMs;
    // A pending claim of the same request whose lease ran out is taken over; anything else live holds the key.
    const expiredLease = live && existing.state === 'pending' && existing.leaseUntil <= nowMs;
    if (live && (existing.fingerprint !== fingerprint || !expiredLease)) {
      return heldClaim(existing, existing.response && structuredClone(existing.response), fingerprint, nowMs);
    }
    this.records.set(key, {
      fingerprint,
      owner,
      state: 'pending',
      leaseUntil: nowMs + leaseMs,
      expiresAt: nowMs + ttlSeconds * 1000,
    });
    return { kind: 'claimed', takeover: Boolean(live) };
  }

  async completeIdempotency(
    ...[ref, owner, response, nowMs, ttlSeconds]: Parameters<MemberStateStore['completeIdempotency']>
  ): Promise<void> {
    const record = this.records.get(idempotencyItemKey(ref));
    if (!record || record.owner !== owner) return;
    Object.assign(record, { state: 'done', response: structuredClone(response), expiresAt: nowMs + ttlSeconds * 1000 });
  }

  async releaseIdempotency(ref: IdempotencyRef, owner: string): Promise<void> {
    const key = idempotencyItemKey(ref);
    if (this.records.get(key)?.owner === owner) this.records.delete(key);
  }

  async consumeWrite(brandId: string, sub: string, nowMs: number, limit: WriteLimit): Promise<WriteAdmission> {
    const key = writeWindowKey(brandId, sub);
    const start = windowStart(nowMs, limit.windowSeconds);
    const current = this.windows.get(key);
    if (!current || current.start !== start) {
      this.windows.set(key, { start, count: 1 });
      return { allowed: true };
    }
    if (current.count >= limit.maxWrites) {
      return { allowed: false, retryAfterSeconds: secondsLeft(start, limit.windowSeconds, nowMs) };
    }
    current.count++;
    return { allowed: true };
  }
}
