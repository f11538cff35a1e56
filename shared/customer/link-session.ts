// The session link use-case (POST /v1/auth/session): find or create the Capillary customer of a CIAM user,
// link it (brand + sub -> customer id), then bring the names up to date and report identifier drift.
// Safe under concurrency (one short lease per brand + sub) and after partial failures (the user's own
// customer is always searched before creating, so a customer created before a crash is found by the retry).
// Independent Capillary calls run concurrently: a new user costs 2 sequential round trips (3 when joining an
// existing member, 4 on an org that refuses the cuid lookup), a returning one 1.
import { sleep as realSleep } from '../lang/sleep.js';
import { randomUUID } from 'node:crypto';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import {
  CapillaryConflictError,
  CapillaryNotFoundError,
  INFORMATIONAL_WARNING_CODES,
} from '../capillary/capillary-errors.js';
import {
  type AddCustomerInput,
  type CapillaryCustomer,
  type CapillaryIdentifier,
  CapillarySources,
  type ProfileInput,
} from '../capillary/capillary-types.js';
import { ConflictError, ErrorCodes, ForbiddenError } from '../errors.js';
import { type MappedCustomer, mapClaims } from './claim-mapping.js';
import { type ClaimsSource, claimsSourceOf } from './claim-source.js';
import {
  type CuidAnswer,
  cuidStrategy,
  findByProfiles,
  findOwnCustomer,
  lookupCuid,
  lookupHolders,
  userIdentifiers,
} from './customer-finder.js';
import { changedProfileFields, oauthProfile, planIdentifierChanges, type ProfileField } from './customer-sync.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';
import { BudgetDefaults, deadlineIn, earliest, NoDeadline } from './time-budget.js';

type SessionStatus = 'created' | 'linked' | 'updated';

export interface SessionResult {
  customerId: number;
  cuid: string;
  status: SessionStatus;
  changedFields: ProfileField[];
  identifierChangePending: boolean;
  mapped: { firstName: string | null; lastName: string | null; mobile: string | null; email: string | null };
  /** Where the mapped claims came from (userinfo, the body's ID token, or the access token alone). */
  claimsSource?: ClaimsSource;
}

type Established = { customerId: number; status: 'created' | 'linked'; reason: string; customer?: CapillaryCustomer };

function mappedView(mapped: MappedCustomer): SessionResult['mapped'] {
  return {
    firstName: mapped.firstName ?? null,
    lastName: mapped.lastName ?? null,
    mobile: mapped.mobile ?? null,
    email: mapped.email ?? null,
  };
}

/** Links the caller to a Capillary customer and syncs the names; see docs/post-auth.md for the flows. */
export async function linkSession(services: PostAuthServices, caller: PostAuthCaller): Promise<SessionResult> {
  const claims = await services.claims.load(caller);
  const mapped = mapClaims(claims, caller.brand.fieldMappings);
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
  caller: PostAuthCaller,
  mapped: MappedCustomer,
): Promise<SessionResult & { customer: CapillaryCustomer }> {
  const { brand, auth } = caller;
  const client = capillaryFor(services, caller);
  const link = await services.links.get(brand.brandId, auth.sub);
  let customer: CapillaryCustomer | undefined;
  let established: Established | undefined;
  if (link) {
    try {
      customer = await client.getCustomer(link.customerId);
      established = { customerId: link.customerId, status: 'linked', reason: 'LINK_STORE' };
    } catch (error) {
      // Merged away (8069) or gone: follow the user to the surviving customer below and repair the link.
      if (!(error instanceof CapillaryNotFoundError)) throw error;
    }
  }
  if (!established || !customer) {
    established = await establishLink(services, caller, mapped, link?.customerId);
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
  caller: PostAuthCaller,
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
  caller: PostAuthCaller,
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
  caller: PostAuthCaller,
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

async function findOrCreate(
  client: CapillaryClient,
  caller: PostAuthCaller,
  mapped: MappedCustomer,
): Promise<Established> {
  const { brand, auth } = caller;
  // One wave: the cuid lookup (unless the org is known to refuse it) beside every identifier lookup on ALL.
  const skipped: CuidAnswer = { kind: 'refused' };
  const [byCuid, holders] = await Promise.all([
    cuidStrategy(brand) === 'lookup' ? lookupCuid(client, caller) : Promise.resolve(skipped),
    lookupHolders(client, userIdentifiers(mapped)),
  ]);
  if (byCuid.kind === 'found') return { customerId: byCuid.customerId, status: 'linked', reason: 'CUID' };
  if (byCuid.kind === 'refused') {
    const own = await findByProfiles(client, caller, holders);
    if (own) return { customerId: own.id, status: 'linked', reason: 'CUID_PROFILE', customer: own };
  }

  // Only identifiers the CIAM verified reach Capillary: an unverified e-mail could be someone else's.
  const verified: CapillaryIdentifier[] = holders
    .filter((holder) => holder.verified)
    .map(({ type, value }) => ({ type, value }));
  const oauth: ProfileInput = {
    source: CapillarySources.OAUTH_EXTERNAL,
    accountId: brand.capillary.sourceAccountId,
    ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
    ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
    identifiers: [{ type: 'cuid', value: auth.sub }, ...verified],
  };

  const matches = holders.filter((holder) => holder.customerId !== undefined);
  if (matches.length > 0) {
    const memberId = matches[0]?.customerId;
    if (matches.some((match) => match.customerId !== memberId) || memberId === undefined) {
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'The e-mail and mobile belong to different customers');
    }
    // Never take over an existing member on a claim the CIAM has not verified.
    const unverified = matches.find((match) => !match.verified);
    if (unverified) {
      throw new ForbiddenError(
        ErrorCodes.UNVERIFIED_IDENTIFIER,
        `The ${unverified.type} matches an existing member but the CIAM has not verified it`,
      );
    }
    const { customerId: attached } = await addProfile(client, caller, mapped, { profiles: [oauth] });
    if (attached !== memberId) {
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'Capillary attached the profile to another customer');
    }
    return { customerId: memberId, status: 'linked', reason: 'EXISTING_MEMBER' };
  }

  const profiles = [oauth];
  if (brand.capillary.createWithInstoreProfile) {
    // Orgs that answer 8090 need the INSTORE profile first: both go in the same add call.
    if (verified.length === 0) {
      throw new ForbiddenError(
        ErrorCodes.UNVERIFIED_IDENTIFIER,
        "This brand's Capillary org needs an INSTORE profile, which needs a mobile or e-mail verified by the CIAM",
      );
    }
    profiles.unshift({
      source: CapillarySources.INSTORE,
      ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
      ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
      identifiers: verified,
    });
  }
  const registration: AddCustomerInput = { loyaltyInfo: { loyaltyType: 'loyalty' }, profiles };
  const created = await addProfile(client, caller, mapped, registration);
  // A clean creation (nothing merged, dropped or resolved by a lookup) holds exactly what was sent, so
  // the answer is built from it, like the names PUT: a registration costs 2 round trips (lookups, add), not 3.
  const customer = created.clean ? asCreated(created.customerId, registration) : undefined;
  return { customerId: created.customerId, status: 'created', reason: 'CREATED', ...(customer ? { customer } : {}) };
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
  caller: PostAuthCaller,
  mapped: MappedCustomer,
  input: AddCustomerInput,
): Promise<{ customerId: number; clean: boolean }> {
  try {
    const { customerId, warnings } = await client.addCustomer(input);
    return { customerId, clean: warnings.every((warning) => INFORMATIONAL_WARNING_CODES.has(warning.code)) };
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
