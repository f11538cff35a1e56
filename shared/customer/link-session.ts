// The session link use-case (POST /v1/auth/session): find or create the Capillary customer of a CIAM user,
// link it (brand + sub -> customer id), then bring the names up to date and report identifier drift.
// Safe under concurrency (one lease per brand + sub) and after partial failures (always look up by cuid
// before creating, so a customer created before a crash is found and linked by the retry).
import { randomUUID } from 'node:crypto';
import { CapillaryConflictError, CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { type CapillaryCustomer, type CapillaryIdentifier, CapillarySources } from '../capillary/capillary-types.js';
import { ConflictError, ErrorCodes, ForbiddenError } from '../errors.js';
import { type MappedCustomer, mapClaims } from './claim-mapping.js';
import { type ClaimsSource, claimsSourceOf } from './claim-source.js';
import { changedProfileFields, oauthProfile, planIdentifierChanges, type ProfileField } from './customer-sync.js';
import { audit, type PostAuthCaller, type PostAuthServices } from './post-auth-services.js';

export type SessionStatus = 'created' | 'linked' | 'updated';

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

type Established = { customerId: number; status: 'created' | 'linked'; reason: string };

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  const client = services.capillary.forBrand(brand);
  const link = await services.links.get(brand.brandId, auth.sub);
  let customer: CapillaryCustomer | undefined;
  let established: Established | undefined;
  if (link) {
    try {
      customer = await client.getCustomer(link.customerId);
      established = { customerId: link.customerId, status: 'linked', reason: 'LINK_STORE' };
    } catch (error) {
      // The linked customer vanished (merged away in Capillary): establish the link again below.
      if (!(error instanceof CapillaryNotFoundError)) throw error;
    }
  }
  if (!established || !customer) {
    established = await establishLink(services, caller, client, mapped, link?.customerId);
    customer = await client.getCustomer(established.customerId);
  }
  let status: SessionStatus = established.status;
  const changedFields = changedProfileFields(mapped, oauthProfile(customer, brand));
  if (changedFields.length > 0) {
    await updateNames(client, caller, established.customerId, mapped, changedFields);
    customer = await client.getCustomer(established.customerId);
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
 * First session (or a stale link): under the brand + sub lease, find the customer by cuid, else an existing
 * member by verified identifiers, else create one; then write the link. Losers of the lease wait for the
 * winner's link.
 */
async function establishLink(
  services: PostAuthServices,
  caller: PostAuthCaller,
  client: CapillaryClient,
  mapped: MappedCustomer,
  staleCustomerId: number | undefined,
): Promise<Established> {
  const { brand, auth } = caller;
  const now = services.now ?? Date.now;
  const sleep = services.sleep ?? realSleep;
  const leaseTtlMs = services.leaseTtlMs ?? 30_000;
  const deadline = now() + (services.linkWaitMs ?? 10_000);
  const owner = randomUUID();
  const fresh = (customerId: number | undefined) => customerId !== undefined && customerId !== staleCustomerId;
  for (;;) {
    if (await services.links.acquireLease(brand.brandId, auth.sub, owner, now(), leaseTtlMs)) {
      try {
        const current = await services.links.get(brand.brandId, auth.sub);
        if (current && fresh(current.customerId)) {
          return { customerId: current.customerId, status: 'linked', reason: 'LINK_STORE' };
        }
        const found = await findOrCreate(client, caller, mapped);
        const link = { brandId: brand.brandId, sub: auth.sub, customerId: found.customerId, linkedAt: now() };
        if (current) {
          await services.links.replace(link);
          return found;
        }
        const stored = await services.links.putIfAbsent(link);
        return stored.customerId === found.customerId ? found : { ...found, customerId: stored.customerId };
      } finally {
        await services.links.releaseLease(brand.brandId, auth.sub, owner).catch(() => undefined);
      }
    }
    const current = await services.links.get(brand.brandId, auth.sub);
    if (current && fresh(current.customerId)) {
      return { customerId: current.customerId, status: 'linked', reason: 'CONCURRENT_SESSION' };
    }
    if (now() >= deadline) {
      throw new ConflictError(ErrorCodes.LINK_IN_PROGRESS, 'Another session is linking this user; retry shortly', {
        retryAfterSeconds: 1,
      });
    }
    await sleep(services.linkPollMs ?? 50);
  }
}

async function lookupCuid(client: CapillaryClient, caller: PostAuthCaller): Promise<number | undefined> {
  return client.lookupCustomerId({
    source: CapillarySources.OAUTH_EXTERNAL,
    accountId: caller.brand.capillary.sourceAccountId,
    identifierName: 'cuid',
    identifierValue: caller.auth.sub,
  });
}

async function findOrCreate(
  client: CapillaryClient,
  caller: PostAuthCaller,
  mapped: MappedCustomer,
): Promise<Established> {
  // Always by cuid first: a customer created before a crash (or by an earlier attempt) is found, never duplicated.
  const byCuid = await lookupCuid(client, caller);
  if (byCuid !== undefined) return { customerId: byCuid, status: 'linked', reason: 'CUID' };

  const matches: { type: 'email' | 'mobile'; value: string; customerId: number }[] = [];
  for (const type of ['email', 'mobile'] as const) {
    const value = mapped[type];
    if (value === undefined) continue;
    const customerId = await client.lookupCustomerId({
      source: CapillarySources.ALL,
      identifierName: type,
      identifierValue: value,
    });
    if (customerId !== undefined) matches.push({ type, value, customerId });
  }
  const identifiers: CapillaryIdentifier[] = [{ type: 'cuid', value: caller.auth.sub }];
  if (mapped.mobile) identifiers.push({ type: 'mobile', value: mapped.mobile });
  if (mapped.email) identifiers.push({ type: 'email', value: mapped.email });
  const profile = {
    source: CapillarySources.OAUTH_EXTERNAL,
    accountId: caller.brand.capillary.sourceAccountId,
    ...(mapped.firstName ? { firstName: mapped.firstName } : {}),
    ...(mapped.lastName ? { lastName: mapped.lastName } : {}),
    identifiers,
  };

  if (matches.length > 0) {
    const memberId = matches[0]?.customerId;
    if (matches.some((match) => match.customerId !== memberId) || memberId === undefined) {
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'The e-mail and mobile belong to different customers');
    }
    // Never take over an existing member on a claim the CIAM has not verified.
    const unverified = matches.find(
      (match) => !(match.type === 'email' ? mapped.emailVerified : mapped.mobileVerified),
    );
    if (unverified) {
      throw new ForbiddenError(
        ErrorCodes.UNVERIFIED_IDENTIFIER,
        `The ${unverified.type} matches an existing member but the CIAM has not verified it`,
      );
    }
    const attached = await addProfile(client, caller, { profiles: [profile] });
    if (attached !== memberId) {
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'Capillary attached the profile to another customer');
    }
    return { customerId: memberId, status: 'linked', reason: 'EXISTING_MEMBER' };
  }

  const createdId = await addProfile(client, caller, { loyaltyInfo: { loyaltyType: 'loyalty' }, profiles: [profile] });
  return { customerId: createdId, status: 'created', reason: 'CREATED' };
}

/** POST /v2/customers; a duplicate answer after a retried write is resolved by looking the cuid up again. */
async function addProfile(
  client: CapillaryClient,
  caller: PostAuthCaller,
  input: Parameters<CapillaryClient['addCustomer']>[0],
): Promise<number> {
  try {
    return (await client.addCustomer(input)).customerId;
  } catch (error) {
    if (!(error instanceof CapillaryConflictError)) throw error;
    const byCuid = await lookupCuid(client, caller);
    if (byCuid !== undefined) return byCuid;
    throw new ConflictError(
      ErrorCodes.IDENTIFIER_TAKEN,
      'An identifier of this user already belongs to another Capillary customer',
      { cause: error },
    );
  }
}
