// Pure comparisons between the mapped CIAM claims and a Capillary customer: which profile fields differ,
// and which identifier changes (add new, remove old) each profile needs.
import {
  type CapillaryCustomer,
  type CapillaryIdentifier,
  type CapillaryProfile,
  CapillarySources,
  findProfile,
} from '../capillary/capillary-types.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { MappedCustomer } from './claim-mapping.js';

export type ProfileField = 'firstName' | 'lastName';

/** The brand's OAUTH_EXTERNAL profile of the customer. */
export function oauthProfile(customer: CapillaryCustomer, brand: BrandConfig): CapillaryProfile | undefined {
  return findProfile(customer, CapillarySources.OAUTH_EXTERNAL, brand.capillary.sourceAccountId);
}

/** Names whose mapped value differs from the OAUTH_EXTERNAL profile (an absent claim never clears a field). */
export function changedProfileFields(mapped: MappedCustomer, profile: CapillaryProfile | undefined): ProfileField[] {
  if (!profile) return [];
  return (['firstName', 'lastName'] as const).filter((field) => {
    const value = mapped[field];
    return value !== undefined && value !== (profile[field] ?? '').trim();
  });
}

export interface IdentifierChange {
  source: string;
  /** undefined for INSTORE (single-account source). */
  accountId: string | undefined;
  add: CapillaryIdentifier[];
  remove: CapillaryIdentifier[];
}

/**
 * The changeIdentifier calls needed so the customer's profiles carry the CIAM's current mobile and e-mail:
 * the OAUTH_EXTERNAL profile gets the new value (old one removed); the INSTORE profile only has an existing
 * value of that type replaced. An absent claim removes nothing; an unverified one is never added afresh.
 */
export function planIdentifierChanges(
  mapped: MappedCustomer,
  customer: CapillaryCustomer,
  brand: BrandConfig,
): IdentifierChange[] {
  const changes: IdentifierChange[] = [];
  const targets: { profile: CapillaryProfile | undefined; accountId: string | undefined; addIfMissing: boolean }[] = [
    { profile: oauthProfile(customer, brand), accountId: brand.capillary.sourceAccountId, addIfMissing: true },
    { profile: findProfile(customer, CapillarySources.INSTORE), accountId: undefined, addIfMissing: false },
  ];
  for (const { profile, accountId, addIfMissing } of targets) {
    if (!profile) continue;
    const change: IdentifierChange = { source: profile.source, accountId, add: [], remove: [] };
    for (const type of ['mobile', 'email'] as const) {
      const wanted = mapped[type];
      if (wanted === undefined) continue;
      const current = profile.identifiers.filter((identifier) => identifier.type === type).map((i) => i.value);
      if (current.includes(wanted)) continue;
      if (current.length === 0 && !addIfMissing) continue;
      // An unverified identifier is never added where there is none: it joins once the CIAM verifies it.
      // (Replacing an existing value with an unverified one stays planned, and the sync refuses it: 403.)
      const verified = type === 'email' ? mapped.emailVerified : mapped.mobileVerified;
      if (current.length === 0 && !verified) continue;
      change.add.push({ type, value: wanted });
      change.remove.push(...current.map((value) => ({ type, value })));
    }
    if (change.add.length > 0) changes.push(change);
  }
  return changes;
}
