// Audit records of the post-auth use-cases: the caller's brand and hashed subject added to each event.
import type { AuditEvent } from '../audit/audit-event.js';
import type { LinkingCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';

export function audit(
  services: PostAuthServices,
  caller: LinkingCaller,
  event: Omit<AuditEvent, 'brandId' | 'subjectHash'>,
): void {
  services.audit.record({
    ...event,
    brandId: caller.brand.brandId,
    // The authorizer's keyed hash, passed in its context.
    ...(caller.auth.subjectHash ? { subjectHash: caller.auth.subjectHash } : {}),
  });
}
