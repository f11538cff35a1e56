// What a member's first session would do, without writing anything: the link store read, then the session link's
// own decision (planFirstSession in shared/customer/link-session.ts) with a Capillary client typed to its read calls.
// The brand doctor asks it for one token's user, `brand prelink` for every user of a CIAM export.
import type { CapillaryReader, SubjectOfBrand } from '../customer/customer-finder.js';
import type { MappedCustomer } from '../customer/claim-mapping.js';
import { planFirstSession } from '../customer/link-session.js';
import type { LinkStore } from '../customer/link-store.js';

export type FirstSessionOutcome =
  /** The link store already links the user: a returning session. */
  | { outcome: 'linked'; customerId: number; why: string }
  /** A customer already carries the user's cuid. */
  | { outcome: 'link'; customerId: number; why: string }
  /** An existing member holds the verified identifiers: the OAUTH_EXTERNAL profile is added, Capillary merges it in. */
  | { outcome: 'merge'; customerId: number; why: string }
  /** Nobody holds the identifiers: a new customer. */
  | { outcome: 'create'; why: string }
  /** The session would be refused (the gateway's error code). */
  | { outcome: 'refuse'; code: string; why: string };

export interface DryRunDeps {
  links: Pick<LinkStore, 'get'>;
  capillary: CapillaryReader;
}

/** The first session of `subject` with these mapped claims, decided from reads alone. */
export async function dryRunFirstSession(
  deps: DryRunDeps,
  subject: SubjectOfBrand,
  mapped: MappedCustomer,
): Promise<FirstSessionOutcome> {
  const link = await deps.links.get(subject.brand.brandId, subject.auth.sub);
  if (link) {
    return {
      outcome: 'linked',
      customerId: link.customerId,
      why: `already linked to customer ${link.customerId} (a merged-away customer is followed to its survivor)`,
    };
  }
  const plan = await planFirstSession(deps.capillary, subject, mapped);
  const left = leftOut(mapped);
  switch (plan.kind) {
    case 'link':
      return {
        outcome: 'link',
        customerId: plan.customerId,
        why:
          plan.reason === 'CUID'
            ? `the cuid lookup finds customer ${plan.customerId}`
            : `customer ${plan.customerId}'s OAUTH_EXTERNAL profile already carries cuid = sub`,
      };
    case 'join':
      return {
        outcome: 'merge',
        customerId: plan.memberId,
        why: `the verified ${plan.matched.join(' and ')} belong to member ${plan.memberId}: the OAUTH_EXTERNAL profile is added and Capillary merges it into the member (warning 8050)${left}`,
      };
    case 'create':
      return {
        outcome: 'create',
        why: `nobody holds the user's verified identifiers: a new customer with an OAUTH_EXTERNAL profile (cuid = sub)${left}`,
      };
    case 'refuse':
      return { outcome: 'refuse', code: plan.error.code, why: plan.error.message };
  }
}

/** The identifiers a session leaves out because the CIAM has not verified them. */
function leftOut(mapped: MappedCustomer): string {
  const unverified = [
    mapped.email !== undefined && !mapped.emailVerified ? 'e-mail' : undefined,
    mapped.mobile !== undefined && !mapped.mobileVerified ? 'mobile' : undefined,
  ].filter((item) => item !== undefined);
  return unverified.length === 0 ? '' : `; the unverified ${unverified.join(' and ')} is left out`;
}
