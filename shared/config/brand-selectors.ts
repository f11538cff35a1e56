// The ways a brand selects tokens, as uniqueness keys: no two brands of an issuer may ever accept one token.
// The verifier (shared/auth/verify-access-token.ts) accepts a token for a brand when
//  - `audienceClaim: aud`: its `aud` names one of the brand's audiences and, when it names several or the brand
//    sets `requireClientClaim`, its client (`azp`, else `client_id`) is one of the brand's client ids;
//  - `audienceClaim: client_id`: it has no `aud` and its `client_id` is one of the brand's audiences.
// So two brands of one issuer are kept apart by two kinds of key: each client id (a brand's `clientIds`, and
// the accepted values of a `client_id` brand, which are client ids too) belongs to one brand; each audience of
// an `aud` brand belongs to one brand, except that brands which all require the client claim may share it
// (their client ids, unique, tell them apart). The store writes these keys in one transaction with the brand
// (shared/adapters/dynamo-brand-store.ts); brand administration checks them first for a clear answer.
import type { BrandDocument } from './brand-config.js';
import { acceptedAudiencesOf, clientIdsOf } from './brand-rules.js';

type SelectorKind = 'client' | 'audience';

/** One uniqueness key a brand holds. */
export interface Selector {
  kind: SelectorKind;
  issuer: string;
  value: string;
  /** True for an audience held by a brand that requires the client claim: others like it may hold it too. */
  shared: boolean;
  /** The brand field the value comes from (for the operator's answer). */
  field: 'clientId' | 'clientIds' | 'acceptedAudiences';
}

/** The canonical identity of a selector (issuer and value exactly as configured). */
export function selectorKey(selector: Pick<Selector, 'kind' | 'issuer' | 'value'>): string {
  return `${selector.kind}\n${selector.issuer}\n${selector.value}`;
}

type SelectorDocument = Pick<
  BrandDocument,
  'issuer' | 'applicationId' | 'clientId' | 'clientIds' | 'acceptedAudiences' | 'audienceClaim' | 'acceptIdTokens'
> &
  Pick<BrandDocument, 'requireClientClaim'>;

/** Every uniqueness key of a brand document, once each. */
export function selectorsOf(document: SelectorDocument): Selector[] {
  const selectors = new Map<string, Selector>();
  const add = (selector: Selector) => {
    const key = selectorKey(selector);
    if (!selectors.has(key)) selectors.set(key, selector);
  };
  const { issuer } = document;
  for (const value of clientIdsOf(document)) {
    add({
      kind: 'client',
      issuer,
      value,
      shared: false,
      field: value === document.clientId ? 'clientId' : 'clientIds',
    });
  }
  const audiences = acceptedAudiencesOf(document);
  for (const value of audiences) {
    if (document.audienceClaim === 'client_id') {
      add({ kind: 'client', issuer, value, shared: false, field: 'acceptedAudiences' });
    } else {
      add({ kind: 'audience', issuer, value, shared: document.requireClientClaim, field: 'acceptedAudiences' });
    }
  }
  return [...selectors.values()];
}

/** True when two holders of the same key cannot both keep it. */
function selectorsClash(mine: Selector, theirs: Selector): boolean {
  return selectorKey(mine) === selectorKey(theirs) && !(mine.shared && theirs.shared);
}

/** The first other brand holding a key of `document` it may not share, with that key; undefined when none. */
export function selectorConflict(
  document: SelectorDocument & { brandId: string },
  others: readonly (SelectorDocument & { brandId: string })[],
): { brandId: string; selector: Selector } | undefined {
  const mine = selectorsOf(document);
  for (const other of others) {
    if (other.brandId === document.brandId || other.issuer !== document.issuer) continue;
    for (const theirs of selectorsOf(other)) {
      const clash = mine.find((selector) => selectorsClash(selector, theirs));
      if (clash) return { brandId: other.brandId, selector: clash };
    }
  }
  return undefined;
}
