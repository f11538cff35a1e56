// The production AuditLog: one JSON line per event through Powertools Logger (stable schema, always at
// INFO whatever LOG_LEVEL says) plus an EMF count per event type, outcome and reason. Every value goes
// through the redaction safety net first, so a careless caller cannot leak a token, e-mail or mobile.
import { Logger } from '@aws-lambda-powertools/logger';
import { BRAND_ID_PATTERN } from '../config/brand-rules.js';
import { type GatewayMetrics, type MetricName, MetricNames, NoMetrics } from '../observability/metrics.js';
import { currentRequestId } from '../observability/request-context.js';
import { AUDIT_SCHEMA_VERSION, type AuditEvent, type AuditEventType, type AuditLog } from './audit-event.js';
import { REDACTED, sanitizeCode, sanitizeDetails } from './redaction.js';

/** The message of every audit line (filter: `{ $.audit IS TRUE }` or `message = "audit"`). */
export const AUDIT_MESSAGE = 'audit';

/**
 * The audit fields of a line (Powertools adds level, message, timestamp, service and its own keys); the
 * zod schema of a line is AuditLineSchema in audit-line-schema.ts (kept apart: the authorizer bundles this file).
 */
export interface AuditLine {
  audit: true;
  auditVersion: typeof AUDIT_SCHEMA_VERSION;
  auditType: AuditEventType;
  occurredAt: string;
  outcome: 'allow' | 'deny' | 'success' | 'failure';
  reason: string;
  brandId?: string | undefined;
  subjectHash?: string | undefined;
  details: Record<string, string | number | boolean | string[]>;
  redactedFields?: string[] | undefined;
  /** API Gateway's request id of the invocation (the access log's `requestId`). */
  requestId?: string | undefined;
}

const METRIC_BY_TYPE: Record<AuditEventType, MetricName> = {
  'authz.decision': MetricNames.AUTHZ_DECISION,
  'session.link': MetricNames.SESSION_LINK,
  'profile.sync': MetricNames.PROFILE_SYNC,
  'identifier.change': MetricNames.IDENTIFIER_CHANGE,
  'instore.registration': MetricNames.INSTORE_REGISTRATION,
  logout: MetricNames.LOGOUT,
  'brand.change': MetricNames.BRAND_CHANGE,
  'member.write': MetricNames.MEMBER_WRITE,
  'member.refusal': MetricNames.MEMBER_REFUSAL,
};

/** A Logger reserved for audit lines: INFO always, so a quieter LOG_LEVEL never drops the audit trail. */
export function createAuditLogger(serviceName: string): Logger {
  return new Logger({ serviceName, logLevel: 'INFO', persistentKeys: { logType: 'audit' } });
}

export interface StructuredAuditLogOptions {
  /** Usually createAuditLogger(functionName). */
  logger: Pick<Logger, 'info' | 'warn'>;
  metrics?: GatewayMetrics;
  /** Epoch milliseconds. */
  now?: () => number;
  /** Throw instead of redacting (tests: a redaction there is a bug in the caller). */
  strict?: boolean;
}

/** Writes audit events as structured log lines and metrics. */
export class StructuredAuditLog implements AuditLog {
  private readonly logger: Pick<Logger, 'info' | 'warn'>;
  private readonly metrics: GatewayMetrics;
  private readonly now: () => number;
  private readonly strict: boolean;

  constructor(options: StructuredAuditLogOptions) {
    this.logger = options.logger;
    this.metrics = options.metrics ?? NoMetrics;
    this.now = options.now ?? Date.now;
    this.strict = options.strict ?? false;
  }

  record(event: AuditEvent): void {
    const line = this.toLine(event);
    if (line.redactedFields !== undefined) {
      if (this.strict)
        throw new Error(`audit event ${event.type} carried sensitive values: ${line.redactedFields.join(', ')}`);
      this.metrics.count(MetricNames.AUDIT_REDACTION, { AuditType: event.type });
      this.logger.warn('audit value redacted', { auditType: event.type, redactedFields: line.redactedFields });
    }
    this.logger.info(AUDIT_MESSAGE, { ...line });
    this.metrics.count(
      METRIC_BY_TYPE[line.auditType],
      { Outcome: line.outcome, Reason: line.reason },
      line.brandId !== undefined ? { brandId: line.brandId } : {},
    );
  }

  /** The line as written (exposed for tests and for an optional audit table writer). */
  toLine(event: AuditEvent): AuditLine {
    const { details, redacted } = sanitizeDetails(event.details);
    const reason = sanitizeCode(event.reason);
    if (reason === REDACTED) redacted.push('reason');
    const line: AuditLine = {
      audit: true,
      auditVersion: AUDIT_SCHEMA_VERSION,
      auditType: event.type,
      occurredAt: new Date(this.now()).toISOString(),
      outcome: event.outcome,
      reason,
      details,
    };
    if (event.brandId !== undefined) {
      line.brandId = BRAND_ID_PATTERN.test(event.brandId) ? event.brandId : REDACTED;
      if (line.brandId === REDACTED) redacted.push('brandId');
    }
    if (event.subjectHash !== undefined) {
      line.subjectHash = /^[0-9a-f]{16}$/.test(event.subjectHash) ? event.subjectHash : REDACTED;
      if (line.subjectHash === REDACTED) redacted.push('subjectHash');
    }
    if (redacted.length > 0) line.redactedFields = redacted;
    const requestId = currentRequestId();
    if (requestId !== undefined) line.requestId = requestId;
    return line;
  }
}
