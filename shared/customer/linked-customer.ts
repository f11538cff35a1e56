// The caller's linked Capillary customer, as every post-auth and member route needs it: read through the link
// store, a merge followed to the surviving customer and the link repaired (audited), so that nothing is ever
// read from or written to a merged-away id. Capillary reports a merge three ways (../CAPILLARY.md §9.2 and the
// current status-code page): 8069 as an error (no survivor named), 8069 as a warning beside the survivor's data,
// or simply the survivor's data under another `id`; CapillaryClient.getCustomer turns all three into
// CapillaryMergedError.
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CapillaryMergedError, CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import type { CapillaryCustomer } from '../capillary/capillary-types.js';
import { ErrorCodes, NotFoundError } from '../errors.js';
import { cuidStrategy, lookupCuid } from './customer-finder.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type LinkingCaller } from './post-auth-caller.js';
import type { PostAuthServices } from './post-auth-ports.js';

export interface LinkedCustomer {
  customerId: number;
  customer: CapillaryCustomer;
  /** The merged-away id the link pointed at before it was repaired. */
  repairedFrom?: number;
}

/** What the link store and Capillary say about the caller: linked, never linked, or a link to a customer that is gone. */
export type LinkState =
  | ({ kind: 'linked' } & LinkedCustomer)
  | { kind: 'none' }
  | { kind: 'stale'; customerId: number };

/**
 * The caller's link, its customer read with `source=ALL` and a merge followed: to the survivor Capillary named,
 * else (8069 as an error) through the cuid lookup when the org answers it. A customer that vanished, or a merge
 * that cannot be followed without the user's claims, is `stale` (the session finds the user again). An erased
 * customer (PII deletion) throws CapillaryDeletedError (410).
 */
export async function readLinkState(
  services: PostAuthServices,
  caller: LinkingCaller,
  given?: CapillaryClient,
): Promise<LinkState> {
  const link = await services.links.get(caller.brand.brandId, caller.auth.sub);
  if (!link) return { kind: 'none' };
  // Capillary is asked only once there is a link to read.
  const client = given ?? capillaryFor(services, caller);
  let survivor: CapillaryCustomer | undefined;
  try {
    return { kind: 'linked', customerId: link.customerId, customer: await client.getCustomer(link.customerId) };
  } catch (error) {
    if (!(error instanceof CapillaryNotFoundError)) throw error;
    if (!(error instanceof CapillaryMergedError)) return { kind: 'stale', customerId: link.customerId };
    survivor = error.survivor ?? (await survivorByCuid(client, caller, link.customerId));
  }
  if (!survivor) return { kind: 'stale', customerId: link.customerId };
  return { kind: 'linked', ...(await repairLink(services, caller, client, link.customerId, survivor)) };
}

/** The caller's customer found by the cuid lookup, when the org answers it and it is not the merged id. */
async function survivorByCuid(
  client: CapillaryClient,
  caller: LinkingCaller,
  mergedId: number,
): Promise<CapillaryCustomer | undefined> {
  if (cuidStrategy(caller.brand) !== 'lookup') return undefined;
  const found = await lookupCuid(client, caller);
  if (found.kind !== 'found' || found.customerId === mergedId) return undefined;
  try {
    return await client.getCustomer(found.customerId);
  } catch (error) {
    if (error instanceof CapillaryMergedError && error.survivor) return error.survivor;
    if (error instanceof CapillaryNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Points the link at the survivor (a conditional write over the merged id only: a concurrent repair wins) and
 * records it; answers the customer the link now names.
 */
async function repairLink(
  services: PostAuthServices,
  caller: LinkingCaller,
  client: CapillaryClient,
  mergedId: number,
  survivor: CapillaryCustomer,
): Promise<LinkedCustomer> {
  const now = services.now ?? Date.now;
  const link = { brandId: caller.brand.brandId, sub: caller.auth.sub, customerId: survivor.id, linkedAt: now() };
  const stored = await services.links.replace(link, mergedId);
  audit(services, caller, {
    type: 'session.link',
    outcome: 'success',
    reason: 'LINK_REPAIRED',
    details: { customerId: stored.customerId, previousCustomerId: mergedId, cause: 'MERGED' },
  });
  const customer = stored.customerId === survivor.id ? survivor : await client.getCustomer(stored.customerId);
  return { customerId: stored.customerId, customer, repairedFrom: mergedId };
}

/**
 * The caller's linked customer, following a merge and repairing the link; 404 CUSTOMER_NOT_LINKED before the
 * first session or when the customer vanished (the next session finds the user again); 410 CUSTOMER_DELETED
 * when it was erased. The member API and every post-auth route but the session use this.
 */
export async function resolveLinkedCustomer(
  services: PostAuthServices,
  caller: LinkingCaller,
  client?: CapillaryClient,
): Promise<LinkedCustomer> {
  const state = await readLinkState(services, caller, client);
  if (state.kind === 'linked') {
    const { kind: _kind, ...linked } = state;
    return linked;
  }
  throw new NotFoundError(
    ErrorCodes.CUSTOMER_NOT_LINKED,
    state.kind === 'none'
      ? 'No Capillary customer is linked yet; call POST /v1/auth/session first'
      : 'The linked customer no longer exists; call POST /v1/auth/session',
  );
}
