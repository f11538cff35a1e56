// The member's customer, always from the link store (brand + the token's `sub`), never from the request. The
// fast path is one link read; when Capillary answers that customer id "not found" or "merged" (8069), the member
// is followed to the customer that now carries their cuid, the way the session link finds it (customer-finder.ts),
// the link is repaired (a conditional replace of exactly that stale id) and the call is made again, once.
import { CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import { ErrorCodes, NotFoundError } from '../errors.js';
import { mapClaims } from '../customer/claim-mapping.js';
import { findOwnCustomer } from '../customer/customer-finder.js';
import type { CustomerLink } from '../customer/link-store.js';
import { audit } from '../customer/post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from '../customer/post-auth-caller.js';
import type { PostAuthServices } from '../customer/post-auth-ports.js';

/** A link read started early (while the handler's guards run), for exactly this brand and sub. */
export interface PrefetchedLink {
  brandId: string;
  sub: string;
  read: Promise<CustomerLink | undefined>;
}

/** Starts the link read of `brandId` + `sub` now; a failure surfaces only when the read is used. */
export function prefetchLink(services: PostAuthServices, brandId: string, sub: string): PrefetchedLink {
  const read = services.links.get(brandId, sub);
  read.catch(() => undefined);
  return { brandId, sub, read };
}

/** The caller's link (the prefetched read when it is this brand's and sub's); 404 CUSTOMER_NOT_LINKED before the first session. */
export async function memberLink(
  services: PostAuthServices,
  caller: PostAuthCaller & { linkRead?: PrefetchedLink | undefined },
): Promise<CustomerLink> {
  const { brandId } = caller.brand;
  const { sub } = caller.auth;
  const early = caller.linkRead;
  const link = await (early && early.brandId === brandId && early.sub === sub
    ? early.read
    : services.links.get(brandId, sub));
  if (!link) {
    throw new NotFoundError(
      ErrorCodes.CUSTOMER_NOT_LINKED,
      'No Capillary customer is linked yet; call POST /v1/auth/session first',
    );
  }
  return link;
}

/**
 * Runs `call` with the member's customer id. A not-found or merged answer follows the member to their customer
 * and repairs the link, then runs `call` again; when nobody carries their cuid any more: 404 CUSTOMER_NOT_LINKED.
 */
export async function withMemberCustomer<T>(
  services: PostAuthServices,
  caller: PostAuthCaller & { linkRead?: PrefetchedLink | undefined },
  call: (customerId: number) => Promise<T>,
  link?: CustomerLink,
): Promise<T> {
  const { customerId } = link ?? (await memberLink(services, caller));
  try {
    return await call(customerId);
  } catch (error) {
    if (!(error instanceof CapillaryNotFoundError)) throw error;
    return call(await followMember(services, caller, customerId, error));
  }
}

/** Finds the customer carrying the member's cuid now and points the link at it (only over `staleId`). */
async function followMember(
  services: PostAuthServices,
  caller: PostAuthCaller,
  staleId: number,
  cause: CapillaryNotFoundError,
): Promise<number> {
  const mapped = mapClaims(await services.claims.load(caller), caller.brand.fieldMappings);
  const found = await findOwnCustomer(capillaryFor(services, caller), caller, mapped);
  if (found === undefined) {
    throw new NotFoundError(
      ErrorCodes.CUSTOMER_NOT_LINKED,
      'The linked customer no longer exists in Capillary; call POST /v1/auth/session',
    );
  }
  // The customer is still there: the not-found was about something else, and is answered as such.
  if (found === staleId) throw cause;
  const now = services.now ?? Date.now;
  const { brand, auth } = caller;
  const stored = await services.links.replace(
    { brandId: brand.brandId, sub: auth.sub, customerId: found, linkedAt: now() },
    staleId,
  );
  audit(services, caller, {
    type: 'session.link',
    outcome: 'success',
    reason: 'MERGE_FOLLOWED',
    details: { customerId: stored.customerId },
  });
  return stored.customerId;
}
