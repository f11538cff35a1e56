// Finding the Capillary customer of a CIAM user without relying on an undocumented lookup. The published
// lookup enum has no `cuid`, so an org may refuse `identifierName=cuid` (8013/8011); the documented path is
// to look each *verified* identifier up on `source=ALL`, fetch the customer with `source=ALL` and accept it
// only when its OAUTH_EXTERNAL profile for the brand's account carries `cuid` = sub. `capillary.cuidLookup`
// picks the strategy; `auto` remembers per container which one each org answers.
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CapillaryLookupRefusedError, CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import { type CapillaryCustomer, CapillarySources } from '../capillary/capillary-types.js';
import type { BrandConfig } from '../config/brand-config.js';
import { ErrorCodes, UpstreamError } from '../errors.js';
import type { MappedCustomer } from './claim-mapping.js';
import type { PostAuthCaller } from './post-auth-caller.js';

type IdentifierKind = 'email' | 'mobile';

/** One of the user's identifiers and the customer that holds it on any source (undefined: nobody). */
export interface IdentifierHolder {
  type: IdentifierKind;
  value: string;
  verified: boolean;
  customerId: number | undefined;
}

export type CuidAnswer = { kind: 'found'; customerId: number } | { kind: 'absent' } | { kind: 'refused' };

/** What each org answered to the cuid lookup, per brand + cluster, for `auto` (lives as long as the container). */
const orgAnswers = new Map<string, 'lookup' | 'profiles'>();

const answerKey = (brand: BrandConfig) => `${brand.brandId}|${brand.capillary.baseUrl}|${brand.orgId}`;

/** The strategy to use now: `lookup` or `profiles` (auto: what the org answered before, else try the lookup). */
export function cuidStrategy(brand: BrandConfig): 'lookup' | 'profiles' {
  const mode = brand.capillary.cuidLookup;
  if (mode !== 'auto') return mode;
  return orgAnswers.get(answerKey(brand)) ?? 'lookup';
}

/** The user's mapped e-mail and mobile, each with its verified flag. */
export function userIdentifiers(mapped: MappedCustomer): Omit<IdentifierHolder, 'customerId'>[] {
  const identifiers: Omit<IdentifierHolder, 'customerId'>[] = [];
  if (mapped.mobile) identifiers.push({ type: 'mobile', value: mapped.mobile, verified: mapped.mobileVerified });
  if (mapped.email) identifiers.push({ type: 'email', value: mapped.email, verified: mapped.emailVerified });
  return identifiers;
}

/**
 * `GET /v2/customers/lookup?source=ALL&identifierName=<type>&identifierValue=<value>` for each, concurrently:
 * each identifier with the id of the customer holding it (undefined when none does).
 */
export function lookupHolders<T extends { type: string; value: string }>(
  client: CapillaryClient,
  identifiers: readonly T[],
): Promise<(T & { customerId: number | undefined })[]> {
  return Promise.all(
    identifiers.map(async (identifier) => ({
      ...identifier,
      customerId: await client.lookupCustomerId({
        source: CapillarySources.ALL,
        identifierName: identifier.type,
        identifierValue: identifier.value,
      }),
    })),
  );
}

/**
 * `GET /v2/customers/lookup?source=OAUTH_EXTERNAL&accountId=<account>&identifierName=cuid&identifierValue=<sub>`.
 * A refusal (8013/8011) teaches `auto` to use the profiles; with `lookup` forced it is a 502 CUID_LOOKUP_REFUSED.
 */
export async function lookupCuid(client: CapillaryClient, caller: PostAuthCaller): Promise<CuidAnswer> {
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
    if (!(error instanceof CapillaryLookupRefusedError)) throw error;
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
 * The documented path: fetch (`source=ALL`, concurrently) each customer holding one of the *verified*
 * identifiers and return the one whose OAUTH_EXTERNAL profile carries the cuid.
 */
export async function findByProfiles(
  client: CapillaryClient,
  caller: PostAuthCaller,
  holders: IdentifierHolder[],
): Promise<CapillaryCustomer | undefined> {
  const candidates = new Set<number>();
  for (const holder of holders)
    if (holder.verified && holder.customerId !== undefined) candidates.add(holder.customerId);
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
  client: CapillaryClient,
  caller: PostAuthCaller,
  mapped: MappedCustomer,
): Promise<number | undefined> {
  if (cuidStrategy(caller.brand) === 'lookup') {
    const answer = await lookupCuid(client, caller);
    if (answer.kind === 'found') return answer.customerId;
    if (answer.kind === 'absent') return undefined;
  }
  const holders = await lookupHolders(client, userIdentifiers(mapped));
  return (await findByProfiles(client, caller, holders))?.id;
}
