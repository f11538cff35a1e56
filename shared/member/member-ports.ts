// What the member API's use-cases are given (the post-auth services plus the member state and metrics), the
// caller with its token claims, and the observability records every member route writes.
import { LoyaltyCalls } from '../capillary/loyalty-calls.js';
import type { MemberRouteName } from '../config/member-api-rules.js';
import { callerEvent } from '../customer/post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from '../customer/post-auth-caller.js';
import type { PostAuthHandlerDeps, PostAuthServices } from '../customer/post-auth-ports.js';
import type { AuditEvent } from '../audit/audit-event.js';
import { type GatewayMetrics, MetricNames } from '../observability/metrics.js';
import type { PrefetchedLink } from './member-customer.js';
import type { MemberStateStore } from './member-state.js';
import type { MemberTokenClaims } from './route-requirements.js';

export interface MemberServices extends PostAuthServices {
  /** Idempotency records and per-member write windows. */
  state: MemberStateStore;
  metrics: GatewayMetrics;
}

export interface MemberHandlerDeps extends Omit<PostAuthHandlerDeps, 'services'> {
  services: MemberServices;
}

/** A member route's caller: a user of an active brand, its bearer token and the token's claims. */
export interface MemberCaller extends PostAuthCaller {
  claims: MemberTokenClaims;
  /** The link read the handler started while its guards ran (used only for this caller's brand and sub). */
  linkRead?: PrefetchedLink | undefined;
}

/** The brand's loyalty calls, cut to the caller's deadline. */
export function loyaltyCallsFor(services: PostAuthServices, caller: PostAuthCaller): LoyaltyCalls {
  return new LoyaltyCalls(capillaryFor(services, caller));
}

/** An audit event of the member API (brand and hashed subject added; never a token, e-mail or mobile). */
export function auditMember(
  services: Pick<PostAuthServices, 'audit'>,
  caller: Pick<PostAuthCaller, 'auth'>,
  event: Omit<AuditEvent, 'brandId' | 'subjectHash'>,
): void {
  services.audit.record(callerEvent(caller.auth.brandId, caller.auth.subjectHash, event));
}

type MemberOutcome = 'success' | 'client_error' | 'server_error';

function outcomeOf(status: number): MemberOutcome {
  return status >= 500 ? 'server_error' : status >= 400 ? 'client_error' : 'success';
}

/** One member request: a count and its latency by route, outcome and brand (brands are few: admin-created). */
export function recordMemberRequest(
  metrics: GatewayMetrics,
  request: { route: MemberRouteName; brandId: string; status: number; latencyMs: number },
): void {
  const dimensions = { Route: request.route, Outcome: outcomeOf(request.status), Brand: request.brandId };
  const metadata = { status: String(request.status) };
  metrics.count(MetricNames.MEMBER_API_REQUEST, dimensions, metadata);
  metrics.milliseconds(MetricNames.MEMBER_API_LATENCY, dimensions, request.latencyMs, metadata);
}
