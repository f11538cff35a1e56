// POST /v1/me/rewards/{rewardId}/issue: exchange points for a reward, once per Idempotency-Key (a replay answers
// the first answer with `Idempotent-Replayed: true`).
import { ValidationError } from '../../shared/errors.js';
import { singleHeader } from '../../shared/http/headers.js';
import { jsonResponse } from '../../shared/http/responses.js';
import { createMemberHandler } from '../../shared/member/member-handler.js';
import type { MemberHandlerDeps } from '../../shared/member/member-ports.js';
import { issueRewardForMember } from '../../shared/member/reward-issue.js';

export function createHandler(deps: MemberHandlerDeps) {
  return createMemberHandler(deps, 'rewardIssue', async (caller, request) => {
    const key = singleHeader(request.event, 'idempotency-key');
    if (typeof key === 'object') {
      throw new ValidationError('Idempotency-Key is invalid', [
        { field: 'header.Idempotency-Key', message: 'is sent more than once' },
      ]);
    }
    const answer = await issueRewardForMember(deps.services, caller, {
      rewardId: request.event.pathParameters?.rewardId,
      idempotencyKey: key,
      body: request.body,
      requestId: request.requestId,
    });
    return jsonResponse(answer.status, answer.body, answer.replayed ? { 'idempotent-replayed': 'true' } : {});
  });
}
