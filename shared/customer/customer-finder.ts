// Finding the Capillary customers a CIAM user's evidence names, read-only. The published lookup enum has no
// `cuid`, so an org may refuse `identifierName=cuid` (8013/8011); the documented path is to look each *verified*
// identifier up, fetch the customer with `source=ALL` and accept it only when its OAUTH_EXTERNAL profile for the
// brand's account carries `cuid` = sub. `capillary.cuidLookup` picks the strategy; `auto` remembers per
// container which one each org answers.
//
// Identifiers are unique only per source (or account), so several customers can hold one e-mail, and which one
// `source=ALL` answers is undocumented: every identifier is also looked up on INSTORE (where members are) and on
// the brand's OAUTH_EXTERNAL account (where the brand's other CIAM users are), concurrently, and two different
// answers are "several holders". (Holders on yet other sources, behind ALL's one answer, stay invisible.) An org with dual eligibility answers a lookup by a non-primary
// identifier alone with 8015 (reference/get-customer-details, "Using Multiple Identifiers"), so there only the
// primary identifier is looked up. An identifier the CIAM has not verified is never looked up at all.
import type { CapillaryClient } from '../capillary/capillary-client.js';
import {
  CapillaryAccountUnknownError,
  CapillaryLookupRefusedError,
  CapillaryNotFoundError,
} from '../capillary/capillary-errors.js';
import { type CapillaryCustomer, CapillarySources } from '../capillary/capillary-types.js';
import type { BrandConfig } from '../config/brand-config.js';
import { ErrorCodes, UpstreamError } from '../errors.js';
import type { MappedCustomer } from './claim-mapping.js';
import type { LinkEvidence } from './link-decision.js';

export type IdentifierKind = 'email' | 'mobile';

/** One of the user's verified identifiers and the customers that hold it (empty: nobody the lookups see). */
export interface IdentifierHolders {
  type: IdentifierKind;
  value: string;
  /** Distinct customer ids, in the order the lookups answered (ALL first). */
  holders: number[];
}

export type CuidAnswer = { kind: 'found'; customerId: number } | { kind: 'absent' } | { kind: 'refused' };

/** The read calls finding a customer makes: a dry run (doctor, prelink) hands in a client typed to these only. */
export type CapillaryReader = Pick<CapillaryClient, 'lookupCustomerId' | 'getCustomer'>;

/** Who is being looked for: the brand and the CIAM subject (a post-auth caller, or a user of a dry run). */
export interface SubjectOfBrand {
  brand: BrandConfig;
  auth: { sub: string };
}

/** What each org answered to the cuid lookup, per brand + cluster, for `auto` (lives as long as the container). */
const orgAnswers = new Map<string, 'lookup' | 'profiles'>();

const answerKey = (brand: BrandConfig) => `${brand.brandId}|${brand.capillary.baseUrl}|${brand.orgId}`;

/** The strategy to use now: `lookup` or `profiles` (auto: what the org answered before, else try the lookup). */
export function cuidStrategy(brand: BrandConfig): 'lookup' | 'profiles' {
  const mode = brand.capillary.cuidLookup;
  if (mode !== 'auto') return mode;
  return orgAnswers.get(answerKey(brand)) ?? 'lookup';
}

/** The user's mapped e-mail and mobile that the CIAM verified: the only identifiers ever looked up or written. */
export function verifiedIdentifiers(mapped: MappedCustomer): { type: IdentifierKind; value: string }[] {
  const identifiers: { type: IdentifierKind; value: string }[] = [];
  if (mapped.mobile && mapped.mobileVerified) identifiers.push({ type: 'mobile', value: mapped.mobile });
  if (mapped.email && mapped.emailVerified) identifiers.push({ type: 'email', value: mapped.email });
  return identifiers;
}

/**
 * The identifiers a lookup can find on the brand's org: all of them, or on a dual-eligibility org only its
 * primary identifier (a lookup by another one alone answers 8015 there, whoever holds it).
 */
export function searchableIdentifiers<T extends { type: string }>(brand: BrandConfig, identifiers: readonly T[]): T[] {
  if (!brand.capillary.dualEligibility) return [...identifiers];
  return identifiers.filter((identifier) => identifier.type === brand.capillary.primaryIdentifier);
}

/**
 * The customers holding each identifier: `GET /v2/customers/lookup?source=ALL|INSTORE|OAUTH_EXTERNAL
 * &identifierName=<type>&identifierValue=<value>` (reference/customer-1; OAUTH_EXTERNAL with the brand's
 * account), every lookup concurrently (one round trip).
 */
export function lookupHolders<T extends { type: string; value: string }>(
  client: CapillaryReader,
  brand: BrandConfig,
  identifiers: readonly T[],
): Promise<(T & { holders: number[] })[]> {
  const scopes = [
    { source: CapillarySources.ALL },
    { source: CapillarySources.INSTORE },
    { source: CapillarySources.OAUTH_EXTERNAL, accountId: brand.capillary.sourceAccountId },
  ];
  return Promise.all(
    identifiers.map(async (identifier) => {
      const found = await Promise.all(
        scopes.map((scope) =>
          client.lookupCustomerId({ ...scope, identifierName: identifier.type, identifierValue: identifier.value }),
        ),
      );
      const holders = [...new Set(found.filter((id): id is number => id !== undefined))];
      return { ...identifier, holders };
    }),
  );
}

/**
 * `GET /v2/customers/lookup?source=OAUTH_EXTERNAL&accountId=<account>&identifierName=cuid&identifierValue=<sub>`.
 * A refusal (8013/8011/8003) teaches `auto` to use the profiles; with `lookup` forced it is a 502 CUID_LOOKUP_REFUSED.
 */
export async function lookupCuid(client: CapillaryReader, caller: SubjectOfBrand): Promise<CuidAnswer> {
  const { brand } = caller;
  try {
    const customerId = await client.lookupCustomerId({
      source: CapillarySources.OAUTH_EXTERNAL,
      accountId: brand.capillary.sourceAccountId,
      identifierName: 'cuid',
      identifierValue: caller.auth.sub,
    });
    if (brand.capillary.cuidLookup === 'auto') orgAnswers.set(answerKey(brand), 'lookup');
    return customerId === undefined ? { kind: 'absent' } : { kind: 'found', customerId };
  } catch (error) {
    // 8011 reads "invalid source account passed" on one row of the status-code page and "look up, invalid
    // source passed" on another: for this undocumented lookup both say the org does not answer it.
    if (!(error instanceof CapillaryLookupRefusedError || error instanceof CapillaryAccountUnknownError)) throw error;
    if (brand.capillary.cuidLookup === 'lookup') {
      throw new UpstreamError(
        502,
        ErrorCodes.CUID_LOOKUP_REFUSED,
        'The Capillary org refuses the cuid lookup; set capillary.cuidLookup to auto or profiles',
        { cause: error },
      );
    }
    orgAnswers.set(answerKey(brand), 'profiles');
    return { kind: 'refused' };
  }
}

/** Whether the customer's OAUTH_EXTERNAL profile for the brand's account carries `cuid` = sub. */
function carriesCuid(customer: CapillaryCustomer, brand: BrandConfig, sub: string): boolean {
  return customer.profiles.some(
    (profile) =>
      profile.source === CapillarySources.OAUTH_EXTERNAL &&
      (profile.accountId ?? '') === brand.capillary.sourceAccountId &&
      profile.identifiers.some((identifier) => identifier.type === 'cuid' && identifier.value === sub),
  );
}

/**
 * The documented path: fetch (`source=ALL`, concurrently) each customer holding one of the verified identifiers
 * and return the one whose OAUTH_EXTERNAL profile carries the cuid.
 */
async function findByProfiles(
  client: CapillaryReader,
  caller: SubjectOfBrand,
  holders: readonly Pick<IdentifierHolders, 'holders'>[],
): Promise<CapillaryCustomer | undefined> {
  const candidates = new Set(holders.flatMap((holder) => holder.holders));
  const customers = await Promise.all(
    [...candidates].map((id) =>
      client.getCustomer(id).catch((error: unknown) => {
        // Gone since the lookup (merged or deleted): not ours.
        if (error instanceof CapillaryNotFoundError) return undefined;
        throw error;
      }),
    ),
  );
  return customers.find((customer) => customer && carriesCuid(customer, caller.brand, caller.auth.sub));
}

/** The customer already carrying the user's cuid, by the brand's strategy (used after a duplicate answer). */
export async function findOwnCustomer(
  client: CapillaryReader,
  caller: SubjectOfBrand,
  mapped: MappedCustomer,
): Promise<number | undefined> {
  if (cuidStrategy(caller.brand) === 'lookup') {
    const answer = await lookupCuid(client, caller);
    if (answer.kind === 'found') return answer.customerId;
    if (answer.kind === 'absent') return undefined;
  }
  const identifiers = searchableIdentifiers(caller.brand, verifiedIdentifiers(mapped));
  const holders = await lookupHolders(client, caller.brand, identifiers);
  return (await findByProfiles(client, caller, holders))?.id;
}

/**
 * Everything a first session's decision needs, read-only: the cuid lookup (unless the org is known to refuse
 * it) beside the holders of every searchable verified identifier, in one round trip; then, when the cuid
 * lookup is not answered, the holders fetched (one more round trip) to find the OAUTH_EXTERNAL profile that
 * carries the cuid. `own` is that customer, already read.
 */
export async function gatherLinkEvidence(
  client: CapillaryReader,
  caller: SubjectOfBrand,
  mapped: MappedCustomer,
): Promise<{ evidence: LinkEvidence; own: CapillaryCustomer | undefined }> {
  const verified = verifiedIdentifiers(mapped);
  const skipped: CuidAnswer = { kind: 'refused' };
  const [byCuid, searched] = await Promise.all([
    cuidStrategy(caller.brand) === 'lookup' ? lookupCuid(client, caller) : Promise.resolve(skipped),
    lookupHolders(client, caller.brand, searchableIdentifiers(caller.brand, verified)),
  ]);
  const own = byCuid.kind === 'refused' ? await findByProfiles(client, caller, searched) : undefined;
  return { evidence: { byCuid, ownByProfile: own?.id, verified, searched }, own };
}
