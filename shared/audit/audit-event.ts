// The audit event schema: one structured event per identity decision or change. Never holds a token,
// secret, full e-mail or full mobile number (subjects are hashed, identifiers masked). StructuredAuditLog
// (structured-audit-log.ts) writes it as one JSON line; AuditLineSchema there is the line's stable schema.
export const AuditEventTypes = [
  'authz.decision',
  'session.link',
  'profile.sync',
  'identifier.change',
  'instore.registration',
  'logout',
  'brand.change',
  // The member API: writes that spend value or call a brand API, and refusals before Capillary (step-up, scope, limit).
  'member.write',
  'member.refusal',
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

/** Version of the written line's schema (`auditVersion`); bumped only on incompatible changes. */
export const AUDIT_SCHEMA_VERSION = 1;

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
