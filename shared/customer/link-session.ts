// The session link use-case (POST /v1/auth/session): find or create the Capillary customer of a CIAM user,
// link it (brand + sub -> customer id), then bring the names up to date and report identifier drift.
// Safe under concurrency (one short lease per brand + sub) and after partial failures (the user's own
// customer is always searched before creating, so a customer created before a crash is found by the retry).
// Independent Capillary calls run concurrently: a new user costs 2 sequential round trips (3 when joining an
// existing member, 4 on an org that refuses the cuid lookup), a returning one 1. What a first session does is
// decided by link-decision.ts from read-only evidence (customer-finder.ts); this file does the writes.
import { sleep as realSleep } from '../lang/sleep.js';
import { randomUUID } from 'node:crypto';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CustomerV2Codes } from '../capillary/capillary-codes.js';
import { CapillaryConflictError, CapillaryDeletedError } from '../capillary/capillary-errors.js';
import {
  type AddCustomerInput,
  type CapillaryCustomer,
  type CapillaryIdentifier,
  CapillarySources,
  type ProfileInput,
} from '../capillary/capillary-types.js';
import { ConflictError, ErrorCodes, ForbiddenError, type GatewayError } from '../errors.js';
import { type MappedCustomer, mapClaims } from './claim-mapping.js';
import { type ClaimsSource, claimsSourceOf } from './claim-source.js';
import {
  type CapillaryReader,
  findOwnCustomer,
  gatherLinkEvidence,
  type IdentifierKind,
  type SubjectOfBrand,
  verifiedIdentifiers,
} from './customer-finder.js';
import { decideLink } from './link-decision.js';
import { type LinkState, readLinkState } from './linked-customer.js';
import { changedProfileFields, oauthProfile, planIdentifierChanges, type ProfileField } from './customer-sync.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type LinkingCaller, type PostAuthCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';
import { BudgetDefaults, deadlineIn, earliest, NoDeadline } from './time-budget.js';

type SessionStatus = 'created' | 'linked' | 'updated';

export interface SessionResult {
  customerId: number;
  cuid: string;
  status: SessionStatus;
  changedFields: ProfileField[];
  identifierChangePending: boolean;
  mapped: {
    firstName: string | null;
    lastName: string | null;
    mobile: string | null;
    email: string | null;
    /** Whether the CIAM verified them: an unverified mobile or e-mail is never sent to Capillary. */
    mobileVerified: boolean;
    emailVerified: boolean;
  };
  /** Where the mapped claims came from (userinfo, the body's ID token, or the access token alone). */
  claimsSource?: ClaimsSource;
}

type Established = {
  customerId: number;
  status: 'created' | 'linked';
  reason: string;
  customer?: CapillaryCustomer;
};

/** A first session's course, decided before any write (see planFirstSession). */
export type FirstSessionPlan =
  /** The customer already carries the cuid: found by the cuid lookup, or on a verified identifier's holder. */
  | { kind: 'link'; customerId: number; reason: 'CUID' | 'CUID_PROFILE'; customer?: CapillaryCustomer }
  /** An existing member holds the verified identifiers (`matched`): the OAUTH_EXTERNAL profile is added to it. */
  | { kind: 'join'; memberId: number; input: AddCustomerInput; matched: IdentifierKind[] }
  /** Nobody holds the user's identifiers: a new customer. */
  | { kind: 'create'; input: AddCustomerInput }
  /** Refused before any write (IDENTIFIER_TAKEN, UNVERIFIED_IDENTIFIER). */
  | { kind: 'refuse'; error: GatewayError };

function mappedView(mapped: MappedCustomer): SessionResult['mapped'] {
  return {
    firstName: mapped.firstName ?? null,
    lastName: mapped.lastName ?? null,
    mobile: mapped.mobile ?? null,
    email: mapped.email ?? null,
    mobileVerified: mapped.mobileVerified,
    emailVerified: mapped.emailVerified,
  };
}

/** Links the caller to a Capillary customer and syncs the names; see docs/post-auth.md for the flows. */
export async function linkSession(services: PostAuthServices, caller: PostAuthCaller): Promise<SessionResult> {
  const claims = await services.claims.load(caller);
  const mapped = mapClaims(claims, caller.brand.fieldMappings, caller.brand);
  try {
    const { customer: _customer, ...linked } = await linkWithMapped(services, caller, mapped);
    const claimsSource = claimsSourceOf(claims);
    const result = claimsSource === undefined ? linked : { ...linked, claimsSource };
    audit(services, caller, {
      type: 'session.link',
      outcome: 'success',
      reason: result.status.toUpperCase(),
      details: {
        customerId: result.customerId,
        changedFields: result.changedFields,
        identifierChangePending: result.identifierChangePending,
        // A mobile claim Capillary could not be given (no country code and no phoneDefaultCountry) is said.
        ...(mapped.mobileProblem ? { mobileProblem: mapped.mobileProblem } : {}),
      },
    });
    return result;
  } catch (error) {
    audit(services, caller, {
      type: 'session.link',
      outcome: 'failure',
      reason: error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR',
    });
    throw error;
  }
}

/** The session link with already mapped claims (also used by the INSTORE registration). */
export async function linkWithMapped(
  services: PostAuthServices,
  caller: LinkingCaller,
  mapped: MappedCustomer,
): Promise<SessionResult & { customer: CapillaryCustomer }> {
  const { brand, auth } = caller;
  const client = capillaryFor(services, caller);
  let state: LinkState;
  try {
    // A merge Capillary names is followed to the survivor and the link repaired there.
    state = await readLinkState(services, caller, client);
  } catch (error) {
    // An erased customer's link is stale: the user is found again (an org that refuses to re-register an
    // erased customer answers 8026, a clear 410 CUSTOMER_DELETED).
    if (!(error instanceof CapillaryDeletedError)) throw error;
    const link = await services.links.get(brand.brandId, auth.sub);
    state = link ? { kind: 'stale', customerId: link.customerId } : { kind: 'none' };
  }
  let customer: CapillaryCustomer;
  let established: Established;
  if (state.kind === 'linked') {
    customer = state.customer;
    established = {
      customerId: state.customerId,
      status: 'linked',
      reason: state.repairedFrom === undefined ? 'LINK_STORE' : 'MERGE_FOLLOWED',
    };
  } else {
    established = await establishLink(services, caller, mapped, state.kind === 'stale' ? state.customerId : undefined);
    customer = established.customer ?? (await client.getCustomer(established.customerId));
  }
  let status: SessionStatus = established.status;
  const changedFields = changedProfileFields(mapped, oauthProfile(customer, brand));
  if (changedFields.length > 0) {
    await updateNames(client, caller, established.customerId, mapped, changedFields);
    customer = withNames(customer, caller, mapped, changedFields);
    if (status === 'linked') status = 'updated';
  }
  return {
    customerId: established.customerId,
    cuid: auth.sub,
    status,
    changedFields,
    identifierChangePending: planIdentifierChanges(mapped, customer, brand).length > 0,
    mapped: mappedView(mapped),
    customer,
  };
}

/** The customer as Capillary holds it after the names PUT (no second GET: the PUT succeeded). */
function withNames(
  customer: CapillaryCustomer,
  caller: LinkingCaller,
  mapped: MappedCustomer,
  fields: ProfileField[],
): CapillaryCustomer {
  const profile = oauthProfile(customer, caller.brand);
  return {
    ...customer,
    profiles: customer.profiles.map((p) =>
      p === profile ? { ...p, ...Object.fromEntries(fields.map((field) => [field, mapped[field]])) } : p,
    ),
  };
}

/** PUTs the changed names on the brand's OAUTH_EXTERNAL profile. */
export async function updateNames(
  client: CapillaryClient,
  caller: LinkingCaller,
  customerId: number,
  mapped: MappedCustomer,
  fields: ProfileField[],
): Promise<void> {
  const accountId = caller.brand.capillary.sourceAccountId;
  const profile: { source: string; accountId: string; firstName?: string; lastName?: string } = {
    source: CapillarySources.OAUTH_EXTERNAL,
    accountId,
  };
  for (const field of fields) {
    const value = mapped[field];
    if (value !== undefined) profile[field] = value;
  }
  await client.updateCustomer(customerId, CapillarySources.OAUTH_EXTERNAL, accountId, { profiles: [profile] });
}

/**
 * First session (or a stale link): under the brand + sub lease, find the user's customer, else an existing
 * member by verified identifiers, else create one; then write the link. Losers of the lease wait for the
 * winner's link. The lease lasts a few seconds at most and the holder's Capillary calls stop before it ends.
 */
async function establishLink(
  services: PostAuthServices,
  caller: LinkingCaller,
  mapped: MappedCustomer,
  staleCustomerId: number | undefined,
): Promise<Established> {
  const { brand, auth } = caller;
  const now = services.now ?? Date.now;
  const sleep = services.sleep ?? realSleep;
  const deadline = caller.deadline ?? NoDeadline;
  const pollMs = services.linkPollMs ?? 50;
  const waitUntil = earliest(deadline, deadlineIn(services.linkWaitMs ?? 10_000, now));
  const owner = randomUUID();
  const fresh = (customerId: number | undefined) => customerId !== undefined && customerId !== staleCustomerId;
  for (;;) {
    const leaseTtlMs = Math.floor(Math.min(services.leaseTtlMs ?? BudgetDefaults.leaseTtlMs, deadline.remainingMs()));
    if (leaseTtlMs > 0 && (await services.links.acquireLease(brand.brandId, auth.sub, owner, now(), leaseTtlMs))) {
      try {
        const current = await services.links.get(brand.brandId, auth.sub);
        if (current && fresh(current.customerId)) {
          return { customerId: current.customerId, status: 'linked', reason: 'LINK_STORE' };
        }
        const client = services.capillary.forBrand(brand).within(earliest(deadline, deadlineIn(leaseTtlMs, now)));
        const found = await findOrCreate(client, caller, mapped);
        const link = { brandId: brand.brandId, sub: auth.sub, customerId: found.customerId, linkedAt: now() };
        const stored = current
          ? await services.links.replace(link, current.customerId)
          : await services.links.putIfAbsent(link);
        if (current && stored.customerId === found.customerId) {
          // The link named a customer that is gone (merged away without a survivor named, or not found).
          audit(services, caller, {
            type: 'session.link',
            outcome: 'success',
            reason: 'LINK_REPAIRED',
            details: { customerId: found.customerId, previousCustomerId: current.customerId, cause: 'STALE' },
          });
        }
        return stored.customerId === found.customerId
          ? found
          : { customerId: stored.customerId, status: 'linked', reason: 'CONCURRENT_SESSION' };
      } finally {
        await services.links.releaseLease(brand.brandId, auth.sub, owner).catch(() => undefined);
      }
    }
    const current = await services.links.get(brand.brandId, auth.sub);
    if (current && fresh(current.customerId)) {
      return { customerId: current.customerId, status: 'linked', reason: 'CONCURRENT_SESSION' };
    }
    const left = waitUntil.remainingMs();
    if (left <= 0) {
      throw new ConflictError(ErrorCodes.LINK_IN_PROGRESS, 'Another session is linking this user; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    await sleep(Math.min(pollMs, left));
  }
}

/**
 * What a first session does for this user, decided from reads alone (lookups, gets): link the customer already
 * carrying the cuid, join an existing member found by verified identifiers (Capillary merges the new profile into
 * it, warning 8050), create a customer, or refuse. The session carries the plan out; the go-live dry runs (the
 * brand doctor, `brand prelink`) call this same function with a client typed to its read calls only.
 */
export async function planFirstSession(
  client: CapillaryReader,
  caller: SubjectOfBrand,
  mapped: MappedCustomer,
): Promise<FirstSessionPlan> {
  const { brand, auth } = caller;
  const { evidence, own } = await gatherLinkEvidence(client, caller, mapped);
  const decision = decideLink(brand.capillary, evidence);
  if (decision.kind === 'refuse') {
    return refuse(
      decision.status === 403
        ? new ForbiddenError(decision.code, decision.message)
        : new ConflictError(decision.code, decision.message),
    );
  }
  if (decision.kind === 'link') {
    return {
      kind: 'link',
      customerId: decision.customerId,
      reason: decision.reason,
      ...(own?.id === decision.customerId ? { customer: own } : {}),
    };
  }

  // Only identifiers the CIAM verified reach Capillary: an unverified e-mail could be someone else's.
  const verified: CapillaryIdentifier[] = verifiedIdentifiers(mapped);
  const oauth: ProfileInput = {
    source: CapillarySources.OAUTH_EXTERNAL,
    accountId: brand.capillary.sourceAccountId,
    ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
    ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
    identifiers: [{ type: 'cuid', value: auth.sub }, ...verified],
  };

  if (decision.kind === 'join') {
    const matched = evidence.searched
      .filter((identifier) => identifier.holders.includes(decision.memberId))
      .map((identifier) => identifier.type);
    return { kind: 'join', memberId: decision.memberId, input: { profiles: [oauth] }, matched };
  }

  const profiles = [oauth];
  if (brand.capillary.createWithInstoreProfile) {
    // Orgs that answer 8090 need the INSTORE profile first: both go in the same add call (decideLink refused a
    // user with no verified identifier for such an org).
    profiles.unshift({
      source: CapillarySources.INSTORE,
      ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
      ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
      identifiers: verified,
    });
  }
  return { kind: 'create', input: { loyaltyInfo: { loyaltyType: 'loyalty' }, profiles } };
}

const refuse = (error: GatewayError): FirstSessionPlan => ({ kind: 'refuse', error });

/** Carries a first-session plan out: the writes (add customer), or the plan's refusal. */
async function carryOutFirstSession(
  client: CapillaryClient,
  caller: SubjectOfBrand,
  mapped: MappedCustomer,
  plan: FirstSessionPlan,
): Promise<Established> {
  switch (plan.kind) {
    case 'refuse':
      throw plan.error;
    case 'link':
      return {
        customerId: plan.customerId,
        status: 'linked',
        reason: plan.reason,
        ...(plan.customer ? { customer: plan.customer } : {}),
      };
    case 'join': {
      const { customerId: attached } = await addProfile(client, caller, mapped, plan.input);
      if (attached !== plan.memberId) {
        throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'Capillary attached the profile to another customer');
      }
      return { customerId: plan.memberId, status: 'linked', reason: 'EXISTING_MEMBER' };
    }
    case 'create': {
      const created = await addProfile(client, caller, mapped, plan.input);
      // A clean creation (nothing merged, dropped or resolved by a lookup) holds exactly what was sent, so
      // the answer is built from it, like the names PUT: a registration costs 2 round trips (lookups, add), not 3.
      const customer = created.clean ? asCreated(created.customerId, plan.input) : undefined;
      return {
        customerId: created.customerId,
        status: 'created',
        reason: 'CREATED',
        ...(customer ? { customer } : {}),
      };
    }
  }
}

async function findOrCreate(
  client: CapillaryClient,
  caller: LinkingCaller,
  mapped: MappedCustomer,
): Promise<Established> {
  return carryOutFirstSession(client, caller, mapped, await planFirstSession(client, caller, mapped));
}

/** The customer a clean `POST /v2/customers` of `input` created, as `GET ?source=ALL` would answer it. */
function asCreated(id: number, input: AddCustomerInput): CapillaryCustomer {
  return {
    id,
    profiles: input.profiles.map((profile) => ({
      source: profile.source,
      ...(profile.accountId === undefined ? {} : { accountId: profile.accountId }),
      ...(profile.firstName === undefined ? {} : { firstName: profile.firstName }),
      ...(profile.lastName === undefined ? {} : { lastName: profile.lastName }),
      identifiers: (profile.identifiers ?? []).map(({ type, value }) => ({ type, value })),
    })),
    ...(input.loyaltyInfo ? { loyaltyInfo: { ...input.loyaltyInfo } } : {}),
  };
}

/**
 * POST /v2/customers; a duplicate answer (e.g. a retried write) is resolved by finding the user's customer again.
 * `clean`: the add answered an id and no warning about the customer's data (a merge into a member warns 8050;
 * 8107 "default status label not set" says nothing about it).
 */
async function addProfile(
  client: CapillaryClient,
  caller: SubjectOfBrand,
  mapped: MappedCustomer,
  input: AddCustomerInput,
): Promise<{ customerId: number; clean: boolean }> {
  try {
    const { customerId, warnings, afterLostAnswer } = await client.addCustomer(input);
    const clean =
      !afterLostAnswer && warnings.every((warning) => CustomerV2Codes.warnings.get(warning.code) === 'informational');
    return { customerId, clean };
  } catch (error) {
    if (!(error instanceof CapillaryConflictError)) throw error;
    const own = await findOwnCustomer(client, caller, mapped);
    if (own !== undefined) return { customerId: own, clean: false };
    throw new ConflictError(
      ErrorCodes.IDENTIFIER_TAKEN,
      'An identifier of this user already belongs to another Capillary customer',
      { cause: error },
    );
  }
}
