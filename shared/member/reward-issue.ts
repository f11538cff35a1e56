// POST /v1/me/rewards/{rewardId}/issue: exchange points for a reward, exactly once per `Idempotency-Key`.
//
// The key is claimed per member in the member state (with a lease and a 24 h TTL) before anything else: the same
// key and request replays the first answer, another request with it is 422, and while the first runs, 409. The
// Capillary `requestId` is derived from the key, so even a lost answer (a crash, a timeout after Capillary issued)
// never spends points twice: a retry sends the same requestId and Capillary does not issue again.
//
// Two sequential Capillary round trips: (1) the customer (Capillary issues by mobile, e-mail or external id, not by
// id), the balance and the member's catalog, concurrently, which also check the reward is theirs and affordable;
// (2) the issue. The new balance is the one read minus the points spent; a retry that took over an earlier
// attempt, or met Capillary's "already issued", reads it again instead (a third, rare round trip).
import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CapillaryDuplicateRequestError, CapillaryMemberRefusal } from '../capillary/loyalty-errors.js';
import type { RewardMember } from '../capillary/loyalty-calls.js';
import { type CapillaryCustomer, CapillarySources } from '../capillary/capillary-types.js';
import { parseBody } from '../customer/request-body.js';
import { capillaryFor } from '../customer/post-auth-caller.js';
import {
  BadRequestError,
  ConflictError,
  ErrorCodes,
  GatewayError,
  UnprocessableEntityError,
  ValidationError,
} from '../errors.js';
import { errorResponse } from '../http/responses.js';
import { memberLink, withMemberCustomer } from './member-customer.js';
import type { StoredResponse } from './member-state.js';
import { auditMember, loyaltyCallsFor, type MemberCaller, type MemberServices } from './member-ports.js';
import { memberReward, rewardsSettings } from './member-rewards.js';
import { admitWrite } from './write-limit.js';

/** How long an idempotency record (and so a replay) lives. */
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** RFC 9110 field value of the draft Idempotency-Key header: 1-255 visible ASCII characters. */
const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;
/** The body takes nothing today (the reward is in the path); unknown fields are refused. */
const IssueBodySchema = z.strictObject({});

export interface RewardIssueRequest {
  rewardId: string | undefined;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
  /** The request id of this invocation (kept in a stored error answer, as in the first answer). */
  requestId: string;
}

export interface RewardIssueAnswer extends StoredResponse {
  replayed: boolean;
}

/** Capillary's `requestId` for a member's key: stable for every retry, never shared by two members or brands. */
export function capillaryRequestId(brandId: string, sub: string, key: string): string {
  return createHash('sha256').update(`${brandId}\n${sub}\n${key}`, 'utf8').digest('hex').slice(0, 32);
}

function points3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

/** The identifier Capillary issues the reward by: the member's mobile, else e-mail, else external id (INSTORE first). */
export function rewardMemberOf(customer: CapillaryCustomer): RewardMember | undefined {
  const profiles = [...customer.profiles].sort(
    (a, b) => Number(b.source === CapillarySources.INSTORE) - Number(a.source === CapillarySources.INSTORE),
  );
  for (const type of ['mobile', 'email', 'externalId'] as const) {
    for (const profile of profiles) {
      const value = profile.identifiers.find((identifier) => identifier.type === type)?.value;
      if (value) return { type, value };
    }
  }
  return undefined;
}

function parseRequest(request: RewardIssueRequest) {
  if (request.idempotencyKey === undefined) {
    throw new BadRequestError(
      ErrorCodes.IDEMPOTENCY_KEY_REQUIRED,
      'Send an Idempotency-Key header (a new random value per exchange, the same one on every retry)',
    );
  }
  if (!IDEMPOTENCY_KEY_PATTERN.test(request.idempotencyKey)) {
    throw new ValidationError('Idempotency-Key is invalid', [
      { field: 'header.Idempotency-Key', message: 'must be 1-255 visible ASCII characters' },
    ]);
  }
  if (!request.rewardId || !/^\d{1,15}$/.test(request.rewardId)) {
    throw new ValidationError('The reward id is invalid', [
      { field: 'path.rewardId', message: 'must be a reward id (digits)' },
    ]);
  }
  parseBody(IssueBodySchema, request.body);
  return { key: request.idempotencyKey, rewardId: Number(request.rewardId) };
}

/** A final answer worth replaying: the issue, or a refusal the member can act on (not an outage). */
function isFinalRefusal(error: unknown): error is GatewayError {
  return (
    error instanceof CapillaryMemberRefusal ||
    (error instanceof ConflictError &&
      (error.code === ErrorCodes.INSUFFICIENT_POINTS ||
        error.code === ErrorCodes.REWARD_NOT_AVAILABLE ||
        error.code === ErrorCodes.MEMBER_IDENTIFIER_REQUIRED))
  );
}

export async function issueRewardForMember(
  services: MemberServices,
  caller: MemberCaller,
  request: RewardIssueRequest,
): Promise<RewardIssueAnswer> {
  const { key, rewardId } = parseRequest(request);
  const settings = rewardsSettings(caller);
  const now = services.now ?? Date.now;
  const { brandId } = caller.brand;
  const ref = { brandId, sub: caller.auth.sub, key };
  const owner = randomUUID();
  // The lease covers this invocation (a dead one's claim frees itself within it); at least a few seconds.
  const leaseMs = Math.min(60_000, Math.max(5_000, (caller.deadline?.remainingMs() ?? 30_000) + 1_000));
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ route: 'rewardIssue', rewardId }))
    .digest('hex');
  // Three DynamoDB calls at once: the link, the key's claim, and the member's write window (a retry counts too).
  const [linkResult, claimResult, admission] = await Promise.allSettled([
    memberLink(services, caller),
    services.state.claimIdempotency(ref, fingerprint, owner, now(), leaseMs, IDEMPOTENCY_TTL_SECONDS),
    admitWrite(services, caller, 'rewardIssue'),
  ]);
  if (claimResult.status === 'rejected') throw claimResult.reason;
  const claim = claimResult.value;
  if (claim.kind === 'replay') {
    auditMember(services, caller, {
      type: 'member.write',
      outcome: 'success',
      reason: 'REPLAYED',
      details: { rewardId },
    });
    return { ...claim.response, replayed: true };
  }
  if (claim.kind === 'in-progress') {
    throw new ConflictError(
      ErrorCodes.IDEMPOTENCY_IN_PROGRESS,
      'The first request with this Idempotency-Key is still running; retry to get its answer',
      { retryAfterSeconds: claim.retryAfterSeconds },
    );
  }
  if (claim.kind === 'mismatch') {
    auditMember(services, caller, {
      type: 'member.refusal',
      outcome: 'deny',
      reason: ErrorCodes.IDEMPOTENCY_KEY_REUSED,
      details: { rewardId },
    });
    throw new UnprocessableEntityError(
      ErrorCodes.IDEMPOTENCY_KEY_REUSED,
      'This Idempotency-Key was used for another request; use a new key for a new exchange',
    );
  }
  try {
    if (linkResult.status === 'rejected') throw linkResult.reason;
    if (admission.status === 'rejected') throw admission.reason;
    const body = await withMemberCustomer(
      services,
      caller,
      (customerId) => issue(services, caller, { customerId, rewardId, key, settings, takeover: claim.takeover }),
      linkResult.value,
    );
    const answer: StoredResponse = { status: 201, body };
    await services.state.completeIdempotency(ref, owner, answer, now(), IDEMPOTENCY_TTL_SECONDS);
    auditMember(services, caller, {
      type: 'member.write',
      outcome: 'success',
      reason: 'REWARD_ISSUED',
      details: { rewardId, customerId: body.customerId, pointsSpent: body.pointsSpent ?? -1 },
    });
    return { ...answer, replayed: false };
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : 'ERROR';
    if (isFinalRefusal(error)) {
      const response = errorResponse(error, request.requestId);
      await services.state.completeIdempotency(
        ref,
        owner,
        { status: response.statusCode, body: JSON.parse(response.body) },
        now(),
        IDEMPOTENCY_TTL_SECONDS,
      );
    } else {
      // Not a final answer (an outage, a limit, no link yet): the same key may be sent again.
      await services.state.releaseIdempotency(ref, owner).catch(() => undefined);
    }
    if (code !== ErrorCodes.RATE_LIMITED) {
      auditMember(services, caller, { type: 'member.write', outcome: 'failure', reason: code, details: { rewardId } });
    }
    throw error;
  }
}

interface RewardIssued {
  customerId: number;
  rewardId: number;
  name: string | null;
  status: 'issued';
  pointsSpent: number | null;
  balance: { programId: number; points: number } | null;
  couponCode: string | null;
  codeExpiry: string | null;
  transactionId: string | null;
  issuedAt: string | null;
}

async function issue(
  services: MemberServices,
  caller: MemberCaller,
  input: {
    customerId: number;
    rewardId: number;
    key: string;
    settings: NonNullable<NonNullable<MemberCaller['brand']['memberApi']>['rewards']>;
    takeover: boolean;
  },
): Promise<RewardIssued> {
  const { customerId, rewardId, settings } = input;
  const calls = loyaltyCallsFor(services, caller);
  const client = capillaryFor(services, caller);
  // Round trip 1. After a takeover the earlier holder may have spent the points already: no balance check then.
  const [customer, programs, catalog] = await Promise.all([
    client.getCustomer(customerId),
    input.takeover ? Promise.resolve(undefined) : calls.loyaltyDetails(customerId),
    calls.rewardsForUser(settings.brand, customerId, { page: 0, size: 100 }),
  ]);
  const reward = catalog.find((item) => item.id === rewardId);
  const programId = settings.programId ?? programs?.[0]?.programId;
  const program = programs?.find((item) => item.programId === programId);
  const price = reward?.intouchPoints ?? null;
  if (!input.takeover) {
    if (!reward) {
      throw new ConflictError(ErrorCodes.REWARD_NOT_AVAILABLE, `Reward ${rewardId} is not in this member's catalog`);
    }
    if (price !== null && program && program.loyaltyPoints < price) {
      throw new ConflictError(
        ErrorCodes.INSUFFICIENT_POINTS,
        `The reward costs ${price} points; the member has ${program.loyaltyPoints}`,
      );
    }
  }
  const member = rewardMemberOf(customer);
  if (!member) {
    throw new ConflictError(
      ErrorCodes.MEMBER_IDENTIFIER_REQUIRED,
      'Capillary issues rewards by mobile, e-mail or external id, and this member has none yet: sync identifiers first',
    );
  }
  // Round trip 2: the issue, idempotent in Capillary by the requestId derived from the member's key.
  let issued: Awaited<ReturnType<typeof calls.issueReward>> | undefined;
  try {
    issued = await calls.issueReward({
      rewardId,
      brand: settings.brand,
      till: settings.till,
      member,
      requestId: capillaryRequestId(caller.brand.brandId, caller.auth.sub, input.key),
      programId: settings.programId,
    });
  } catch (error) {
    // "Already issued" for our requestId: an earlier attempt (whose answer was lost) issued it.
    if (!(error instanceof CapillaryDuplicateRequestError)) throw error;
  }
  const pointsSpent = issued?.pointsRedeemed ?? price;
  let balance: RewardIssued['balance'] = null;
  if (!input.takeover && issued && program && pointsSpent !== null) {
    balance = { programId: program.programId, points: points3(program.loyaltyPoints - pointsSpent) };
  } else {
    const after = await calls.loyaltyDetails(customerId);
    const current = after.find((item) => item.programId === programId) ?? after[0];
    balance = current ? { programId: current.programId, points: current.loyaltyPoints } : null;
  }
  return {
    customerId,
    rewardId,
    name: reward ? memberReward(reward).name : null,
    status: 'issued',
    pointsSpent,
    balance,
    couponCode: issued?.couponCode ?? null,
    codeExpiry: issued?.codeExpiry ?? null,
    transactionId: issued?.transactionId ?? null,
    issuedAt: issued?.issuedAt ?? null,
  };
}
