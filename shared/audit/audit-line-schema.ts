// The stable schema of an audit line, for tests and log consumers. Apart from structured-audit-log.ts so
// the functions that write audit lines do not bundle zod classic; the AuditLine type there is pinned to it.
import { z } from 'zod';
import { AUDIT_SCHEMA_VERSION, AuditEventTypes } from './audit-event.js';
import type { AuditLine } from './structured-audit-log.js';

/** The audit fields of a line (Powertools adds level, message, timestamp, service and its own keys). */
export const AuditLineSchema = z.object({
  audit: z.literal(true),
  auditVersion: z.literal(AUDIT_SCHEMA_VERSION),
  auditType: z.enum(AuditEventTypes),
  occurredAt: z.iso.datetime(),
  outcome: z.enum(['allow', 'deny', 'success', 'failure']),
  reason: z.string().min(1).max(64),
  brandId: z.string().optional(),
  subjectHash: z
    .string()
    .regex(/^([0-9a-f]{16}|\[REDACTED\])$/)
    .optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
  redactedFields: z.array(z.string()).optional(),
  requestId: z.string().optional(),
});

// Compile-time pin: the hand-written AuditLine and the schema describe the same shape.
type SchemaLine = z.infer<typeof AuditLineSchema>;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const auditLineTypePinned: Same<SchemaLine, AuditLine> = true;
auditLineTypePinned satisfies true;
