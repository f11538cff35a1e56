// The first-session decision, as a pure function of what Capillary showed: link to the user's own customer,
// join an existing member, create a customer, or refuse with a reason. The session (link-session.ts) gathers
// the evidence and then writes; a dry run can gather the same evidence (read-only lookups) and call
// `decideLink` without writing anything.
//
// The rules (docs/post-auth.md, "Which customer a first session links"):
// - the user's own customer (the cuid lookup, or the OAUTH_EXTERNAL profile carrying the cuid) always wins;
// - only identifiers the CIAM verified are evidence: an unverified one is never looked up or written, so no
//   answer depends on whether it belongs to someone, and no customer is created or merged through it;
// - on a dual-eligibility org the primary identifier alone names a member (the org's own rule); a user with
//   verified secondary identifiers but no verified primary one is refused, since the org's lookups cannot
//   tell whether a member holds them (a new customer could duplicate that member);
// - one identifier held by several customers, or the e-mail and mobile on different customers, is refused
//   (409) rather than guessed; exactly one holder is joined; nobody: a new customer.
import type { BrandConfig } from '../config/brand-config.js';
import { type CodeWithStatus, ErrorCodes } from '../errors.js';
import type { CuidAnswer, IdentifierHolders } from './customer-finder.js';

export interface LinkEvidence {
  /** The cuid lookup's answer (`refused` also when the brand does not use it). */
  byCuid: CuidAnswer;
  /** The customer whose OAUTH_EXTERNAL profile carries the cuid, found through the identifiers' holders. */
  ownByProfile: number | undefined;
  /** The user's verified identifiers. */
  verified: readonly { type: string; value: string }[];
  /** The verified identifiers the org's lookups can find, each with its holders. */
  searched: readonly IdentifierHolders[];
}

type LinkRefusal =
  | { kind: 'refuse'; status: 403; code: CodeWithStatus<403>; message: string }
  | { kind: 'refuse'; status: 409; code: CodeWithStatus<409>; message: string };

export type LinkDecision =
  | { kind: 'link'; customerId: number; reason: 'CUID' | 'CUID_PROFILE' }
  | { kind: 'join'; memberId: number; reason: 'EXISTING_MEMBER' }
  | { kind: 'create'; reason: 'CREATED' }
  | LinkRefusal;

type Settings = Pick<BrandConfig['capillary'], 'dualEligibility' | 'primaryIdentifier' | 'createWithInstoreProfile'>;

/** Decides what a first session does with the evidence; never calls anything. */
export function decideLink(settings: Settings, evidence: LinkEvidence): LinkDecision {
  if (evidence.byCuid.kind === 'found') return { kind: 'link', customerId: evidence.byCuid.customerId, reason: 'CUID' };
  if (evidence.ownByProfile !== undefined) {
    return { kind: 'link', customerId: evidence.ownByProfile, reason: 'CUID_PROFILE' };
  }
  if (
    settings.dualEligibility &&
    evidence.verified.length > 0 &&
    !evidence.verified.some((identifier) => identifier.type === settings.primaryIdentifier)
  ) {
    return {
      kind: 'refuse',
      status: 409,
      code: ErrorCodes.PRIMARY_IDENTIFIER_REQUIRED,
      message: `This brand's Capillary org identifies members by their ${settings.primaryIdentifier}; verify it at the CIAM first`,
    };
  }
  const several = evidence.searched.find((identifier) => identifier.holders.length > 1);
  if (several) {
    return {
      kind: 'refuse',
      status: 409,
      code: ErrorCodes.IDENTIFIER_IN_MULTIPLE_CUSTOMERS,
      message: `Several Capillary customers hold this ${several.type}; the gateway will not guess which one is the user's`,
    };
  }
  const members = [...new Set(evidence.searched.flatMap((identifier) => identifier.holders))];
  if (members.length > 1) {
    return {
      kind: 'refuse',
      status: 409,
      code: ErrorCodes.IDENTIFIER_TAKEN,
      message: 'The e-mail and mobile belong to different customers',
    };
  }
  const [memberId] = members;
  if (memberId !== undefined) return { kind: 'join', memberId, reason: 'EXISTING_MEMBER' };
  if (settings.createWithInstoreProfile && evidence.verified.length === 0) {
    return {
      kind: 'refuse',
      status: 403,
      code: ErrorCodes.UNVERIFIED_IDENTIFIER,
      message:
        "This brand's Capillary org needs an INSTORE profile, which needs a mobile or e-mail verified by the CIAM",
    };
  }
  return { kind: 'create', reason: 'CREATED' };
}
