// POST /v1/me/identifiers/sync (identifier change, step two): after the user changed mobile or e-mail at
// the CIAM, apply it in Capillary with changeIdentifier on each profile. Checks everything first so a
// refused change (unverified, or held by another customer) changes nothing; repeated calls are no-ops.
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CapillaryConflictError } from '../capillary/capillary-errors.js';
import { ConflictError, ErrorCodes, ForbiddenError } from '../errors.js';
import { mapClaims, maskIdentifier } from './claim-mapping.js';
import { type IdentifierChange, planIdentifierChanges } from './customer-sync.js';
import { lookupHolders, searchableIdentifiers } from './customer-finder.js';
import { audit } from './post-auth-audit.js';
import { capillaryFor, type PostAuthCaller } from './post-auth-caller.js';
import { resolveLinkedCustomer } from './linked-customer.js';
import type { PostAuthServices } from './post-auth-ports.js';

export interface IdentifierSyncResult {
  customerId: number;
  status: 'changed' | 'unchanged';
  changes: {
    source: string;
    accountId: string | null;
    added: { type: string; value: string }[];
    removed: { type: string; value: string }[];
  }[];
}

async function apply(client: CapillaryClient, customerId: number, change: IdentifierChange): Promise<void> {
  await client.changeIdentifier(customerId, change.source, change.accountId, {
    add: change.add,
    remove: change.remove,
  });
}

/** Brings Capillary's identifiers in line with the CIAM's verified mobile and e-mail. */
export async function syncIdentifiers(
  services: PostAuthServices,
  caller: PostAuthCaller,
): Promise<IdentifierSyncResult> {
  const { customerId, customer } = await resolveLinkedCustomer(services, caller);
  const mapped = mapClaims(await services.claims.load(caller), caller.brand.fieldMappings, caller.brand);
  const changes = planIdentifierChanges(mapped, customer, caller.brand);
  if (changes.length === 0) return { customerId, status: 'unchanged', changes: [] };

  const client = capillaryFor(services, caller);
  const added = new Map<string, { type: string; value: string }>();
  for (const change of changes)
    for (const identifier of change.add) added.set(`${identifier.type}:${identifier.value}`, identifier);
  for (const identifier of added.values()) {
    const verified = identifier.type === 'email' ? mapped.emailVerified : mapped.mobileVerified;
    if (!verified) {
      throw new ForbiddenError(
        ErrorCodes.UNVERIFIED_IDENTIFIER,
        `The new ${identifier.type} is not verified by the CIAM`,
      );
    }
  }
  // The new identifiers' holders (ALL, INSTORE and the brand's OAUTH_EXTERNAL account, concurrently: several
  // customers may hold one identifier, and ALL answers only one of them). A dual-eligibility org lets customers share a secondary identifier, and its
  // lookups cannot see them: only the primary one is checked there.
  const searched = searchableIdentifiers(caller.brand, [...added.values()]);
  for (const identifier of await lookupHolders(client, caller.brand, searched)) {
    if (identifier.holders.some((holder) => holder !== customerId)) {
      audit(services, caller, {
        type: 'identifier.change',
        outcome: 'failure',
        reason: 'IDENTIFIER_TAKEN',
        details: { customerId, type: identifier.type },
      });
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, `The new ${identifier.type} belongs to another customer`);
    }
  }

  const applied: IdentifierChange[] = [];
  try {
    for (const change of changes) {
      await apply(client, customerId, change);
      applied.push(change);
    }
  } catch (error) {
    // Undo the profiles already changed so a refused sync leaves Capillary as it was. A refusal Capillary
    // reports as a changeIdentifier warning (8070-8075) keeps its own code (CapillaryIdentifierChangeError).
    for (const change of applied.reverse()) {
      await apply(client, customerId, { ...change, add: change.remove, remove: change.add }).catch(() => undefined);
    }
    if (error instanceof CapillaryConflictError) {
      throw new ConflictError(ErrorCodes.IDENTIFIER_TAKEN, 'The new identifier belongs to another customer', {
        cause: error,
      });
    }
    throw error;
  }
  audit(services, caller, {
    type: 'identifier.change',
    outcome: 'success',
    reason: 'CHANGED',
    details: {
      customerId,
      sources: changes.map((c) => c.source),
      added: [...added.values()].map((i) => `${i.type}:${maskIdentifier(i.value)}`),
    },
  });
  return {
    customerId,
    status: 'changed',
    changes: changes.map((change) => ({
      source: change.source,
      accountId: change.accountId ?? null,
      added: change.add,
      removed: change.remove,
    })),
  };
}
