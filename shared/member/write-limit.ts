// The per-member limit on writes (reward issue, Neo POST/PUT): counted in the member state before Capillary is
// called, 429 RATE_LIMITED with Retry-After once the member's window is full (`memberApi.writeLimit`, default
// 10 a minute). The brand's own Capillary rate limit is enforced inside the Capillary client, on every call.
import { DEFAULT_WRITE_LIMIT, type MemberRouteName } from '../config/member-api-rules.js';
import { ErrorCodes, GatewayError } from '../errors.js';
import { auditMember, type MemberCaller, type MemberServices } from './member-ports.js';

export async function admitWrite(
  services: MemberServices,
  caller: MemberCaller,
  route: MemberRouteName,
): Promise<void> {
  const limit = caller.brand.memberApi?.writeLimit ?? DEFAULT_WRITE_LIMIT;
  const now = services.now ?? Date.now;
  const admission = await services.state.consumeWrite(caller.brand.brandId, caller.auth.sub, now(), limit);
  if (admission.allowed) return;
  auditMember(services, caller, {
    type: 'member.refusal',
    outcome: 'deny',
    reason: ErrorCodes.RATE_LIMITED,
    details: { route, maxWrites: limit.maxWrites, windowSeconds: limit.windowSeconds },
  });
  throw new GatewayError(
    429,
    ErrorCodes.RATE_LIMITED,
    `At most ${limit.maxWrites} writes per ${limit.windowSeconds} s for one member; retry after Retry-After`,
    { retryAfterSeconds: admission.retryAfterSeconds },
  );
}
