// The audit event schema: one structured event per identity decision or change. Never holds a token,
// secret, full e-mail or full mobile number (subjects are hashed, identifiers masked).
export const AuditEventTypes = [
  'authz.decision',
  'session.link',
  'profile.sync',
  'identifier.change',
  'instore.registration',
  'logout',
  'brand.change',
] as const;
export type AuditEventType = (typeof AuditEventTypes)[number];

export interface AuditEvent {
  type: AuditEventType;
  /** `allow`/`deny` for decisions, `success`/`failure` for changes. */
  outcome: 'allow' | 'deny' | 'success' | 'failure';
  brandId?: string;
  /** A stable reason code, e.g. TOKEN_EXPIRED, CREATED, LINKED, BACKCHANNEL. */
  reason: string;
  /** Hash of brand + sub (never the raw sub of a user). */
  subjectHash?: string;
  /** Small, non-sensitive details (customer id, changed field names, version, actor). */
  details?: Record<string, string | number | boolean | string[]>;
}

/** Port: records audit events (structured log line + metrics; optionally a table). */
export interface AuditLog {
  record(event: AuditEvent): void;
}

/** Collects events in memory, for tests. */
export class InMemoryAuditLog implements AuditLog {
  readonly events: AuditEvent[] = [];
  record(event: AuditEvent): void {
    this.events.push(event);
  }
}
