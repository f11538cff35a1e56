// GET /v1/me: the linked customer as the app needs it (names, identifiers, source profiles) plus the principal.
import { CapillarySources, findProfile, identifierOf } from '../capillary/capillary-types.js';
import { oauthProfile } from './customer-sync.js';
import type { PostAuthCaller } from './post-auth-caller.js';
import { resolveLinkedCustomer } from './linked-customer.js';
import type { PostAuthServices } from './post-auth-ports.js';

export interface CustomerView {
  customerId: number;
  cuid: string | null;
  firstName: string | null;
  lastName: string | null;
  identifiers: { type: string; value: string; source: string; accountId: string | null }[];
  profiles: {
    source: string;
    accountId: string | null;
    firstName: string | null;
    lastName: string | null;
    identifiers: { type: string; value: string }[];
    fields: Record<string, unknown>;
  }[];
  extendedFields: Record<string, unknown>;
  principal: { brandId: string; sub: string; sid: string; exp: number };
}

/** The caller's linked customer; 404 CUSTOMER_NOT_LINKED before the first session. */
export async function viewLinkedCustomer(services: PostAuthServices, caller: PostAuthCaller): Promise<CustomerView> {
  const { customerId, customer } = await resolveLinkedCustomer(services, caller);
  const oauth = oauthProfile(customer, caller.brand);
  const named =
    oauth?.firstName || oauth?.lastName ? oauth : (findProfile(customer, CapillarySources.INSTORE) ?? oauth);
  return {
    customerId,
    cuid: identifierOf(oauth, 'cuid') ?? null,
    firstName: named?.firstName || null,
    lastName: named?.lastName || null,
    identifiers: customer.profiles.flatMap((profile) =>
      profile.identifiers.map((identifier) => ({
        type: identifier.type,
        value: identifier.value,
        source: profile.source,
        accountId: profile.accountId || null,
      })),
    ),
    profiles: customer.profiles.map((profile) => ({
      source: profile.source,
      accountId: profile.accountId || null,
      firstName: profile.firstName || null,
      lastName: profile.lastName || null,
      identifiers: profile.identifiers.map(({ type, value }) => ({ type, value })),
      fields: profile.fields ?? {},
    })),
    extendedFields: customer.extendedFields ?? {},
    principal: { brandId: caller.auth.brandId, sub: caller.auth.sub, sid: caller.auth.sid, exp: caller.auth.exp },
  };
}
