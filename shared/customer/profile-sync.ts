// POST /v1/me/profile/sync: copy changed CIAM names to the linked customer's OAUTH_EXTERNAL profile.
import { mapClaims } from './claim-mapping.js';
import { changedProfileFields, oauthProfile, type ProfileField } from './customer-sync.js';
import { updateNames } from './link-session.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from './post-auth-caller.js';
import { resolveLinkedCustomer } from './linked-customer.js';
import type { PostAuthServices } from './post-auth-ports.js';

export interface ProfileSyncResult {
  customerId: number;
  status: 'updated' | 'unchanged';
  changedFields: ProfileField[];
}

/** Re-reads the claims and updates the names that differ; identical names cause no write. */
export async function syncProfile(services: PostAuthServices, caller: PostAuthCaller): Promise<ProfileSyncResult> {
  const { customerId, customer } = await resolveLinkedCustomer(services, caller);
  const mapped = mapClaims(await services.claims.load(caller), caller.brand.fieldMappings, caller.brand);
  const changedFields = changedProfileFields(mapped, oauthProfile(customer, caller.brand));
  if (changedFields.length === 0) return { customerId, status: 'unchanged', changedFields };
  await updateNames(capillaryFor(services, caller), caller, customerId, mapped, changedFields);
  audit(services, caller, {
    type: 'profile.sync',
    outcome: 'success',
    reason: 'UPDATED',
    details: { customerId, changedFields },
  });
  return { customerId, status: 'updated', changedFields };
}
