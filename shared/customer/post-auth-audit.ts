// Audit records of the post-auth use-cases: the caller's brand and hashed subject added to each event.
import type { AuditEvent } from '../audit/audit-event.js';
import type { LinkingCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';

export function audit(
  services: PostAuthServices,
  caller: LinkingCaller,
  event: Omit<AuditEvent, 'brandId' | 'subjectHash'>,
): void {
  services.audit.record(callerEvent(caller.brand.brandId, caller.auth.subjectHash, event));
}

/** `event` with the caller's brand and keyed subject hash (the authorizer's, passed in its context). */
export function callerEvent(
  brandId: string,
  subjectHash: string | undefined,
  event: Omit<AuditEvent, 'brandId' | 'subjectHash'>,
): AuditEvent {
  return { ...event, brandId, ...(subjectHash ? { subjectHash } : {}) };
}
