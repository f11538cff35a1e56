import { describe, expect, it } from 'vitest';
import { AuditEventTypes } from '../../../shared/audit/audit-event.js';
import { hashSubject, maskEmail, REDACTED } from '../../../shared/audit/redaction.js';
import { AuditLineSchema } from '../../../shared/audit/audit-line-schema.js';
import { AUDIT_MESSAGE, StructuredAuditLog } from '../../../shared/audit/structured-audit-log.js';
import { InMemoryGatewayMetrics } from '../../../shared/observability/metrics.js';

const NOW = Date.UTC(2026, 10, 29, 4, 0, 0);

function capture() {
  const lines: { level: 'info' | 'warn'; message: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    info: (message: string, fields: Record<string, unknown>) => lines.push({ level: 'info', message, fields }),
    warn: (message: string, fields: Record<string, unknown>) => lines.push({ level: 'warn', message, fields }),
  };
  const metrics = new InMemoryGatewayMetrics();
  // biome-ignore lint/suspicious/noExplicitAny: the capture logger implements only the two Logger methods the audit log calls.
  const audit = new StructuredAuditLog({ logger: logger as any, metrics, now: () => NOW });
  return { lines, metrics, audit };
}

describe('StructuredAuditLog', () => {
  it('writes one line per event in the stable schema', () => {
    const { lines, audit } = capture();
    audit.record({
      type: 'session.link',
      outcome: 'success',
      reason: 'CREATED',
      brandId: 'demo',
      subjectHash: hashSubject('key', 'demo', 'user-1'),
      details: { customerId: 42, email: maskEmail('ada@example.com') },
    });
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line?.message).toBe(AUDIT_MESSAGE);
    expect(AuditLineSchema.parse(line?.fields)).toEqual({
      audit: true,
      auditVersion: 1,
      auditType: 'session.link',
      occurredAt: '2026-11-29T04:00:00.000Z',
      outcome: 'success',
      reason: 'CREATED',
      brandId: 'demo',
      subjectHash: hashSubject('key', 'demo', 'user-1'),
      details: { customerId: 42, email: 'a***@example.com' },
    });
  });

  it('counts every event type as a metric by outcome and reason, with the brand as metadata', () => {
    const { metrics, audit } = capture();
    for (const type of AuditEventTypes) audit.record({ type, outcome: 'success', reason: 'OK', brandId: 'demo' });
    audit.record({ type: 'authz.decision', outcome: 'deny', reason: 'TOKEN_EXPIRED' });
    expect(metrics.points.map((point) => point.name)).toEqual([
      'AuthzDecision',
      'SessionLink',
      'ProfileSync',
      'IdentifierChange',
      'InstoreRegistration',
      'Logout',
      'BrandChange',
      'MemberWrite',
      'MemberRefusal',
      'AuthzDecision',
    ]);
    expect(metrics.points.at(-1)).toEqual({
      name: 'AuthzDecision',
      unit: 'Count',
      value: 1,
      dimensions: { Outcome: 'deny', Reason: 'TOKEN_EXPIRED' },
      metadata: {},
    });
    expect(metrics.points[0]?.metadata).toEqual({ brandId: 'demo' });
  });

  it('redacts a careless raw e-mail, mobile or token, warns, and counts the redaction', () => {
    const { lines, metrics, audit } = capture();
    audit.record({
      type: 'identifier.change',
      outcome: 'success',
      reason: 'CHANGED',
      brandId: 'demo',
      subjectHash: 'user-1',
      details: { added: ['email:ada@example.com'], mobile: '+919876543210' },
    });
    const written = lines.find((line) => line.message === AUDIT_MESSAGE)?.fields;
    expect(written).toMatchObject({
      subjectHash: REDACTED,
      details: { added: [REDACTED], mobile: REDACTED },
      redactedFields: ['added', 'mobile', 'subjectHash'],
    });
    expect(JSON.stringify(lines)).not.toMatch(/ada@example\.com|9876543210|user-1/);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(1);
    expect(metrics.points.some((point) => point.name === 'AuditRedaction')).toBe(true);
  });

  it('redacts a reason or brand id that is not code-shaped', () => {
    const { audit } = capture();
    const line = audit.toLine({
      type: 'logout',
      outcome: 'failure',
      reason: 'bad reason ada@example.com',
      brandId: 'Not A Brand',
    });
    expect(line).toMatchObject({ reason: REDACTED, brandId: REDACTED, redactedFields: ['reason', 'brandId'] });
  });

  it('throws instead of redacting in strict mode', () => {
    const metrics = new InMemoryGatewayMetrics();
    const audit = new StructuredAuditLog({
      logger: { info: () => undefined, warn: () => undefined },
      metrics,
      strict: true,
    });
    expect(() =>
      audit.record({
        type: 'profile.sync',
        outcome: 'success',
        reason: 'UPDATED',
        details: { email: 'ada@example.com' },
      }),
    ).toThrow(/sensitive values: email/);
  });
});
