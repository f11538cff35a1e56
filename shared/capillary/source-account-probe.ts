// Whether the org knows a brand's OAUTH_EXTERNAL account, asked without writing anything. Every OAUTH_EXTERNAL
// call carries the brand's `sourceAccountId`, which must be an account added in Intouch (Organisation Settings >
// Channel Configurations > OAUTH_EXTERNAL > Add Account, the CIAM integration page). A lookup on the source and
// account answers "not found" (8015/8065) or an id when the org accepts them, and 8011 "invalid source account
// passed" when the account is unknown (reference/status-codes-customer; 8127 and 8045 say the same of writes and
// a missing id). Two readings remain that the answers cannot settle, and the probe says so instead of guessing:
// an org that checks no account on lookups (a made-up account is accepted too), and one that refuses the source
// itself (8003, or 8011 in its "look up, invalid source passed" wording, for every account).
import type { CapillaryClient } from './capillary-client.js';
import { CapillaryAccountUnknownError, CapillaryLookupRefusedError } from './capillary-errors.js';
import { CapillarySources } from './capillary-types.js';

export type AccountVerdict =
  | { kind: 'known' }
  | { kind: 'unknown' }
  | { kind: 'undetermined'; reason: 'accounts-not-checked' | 'source-refused' | 'no-answer' };

type Answer = 'accepted' | 'account-unknown' | 'source-refused' | 'no-answer';

/** A number no customer should hold: the probe only reads what the org says about the source and account. */
const PROBE_MOBILE = '10000000000';

async function ask(client: CapillaryClient, accountId: string): Promise<Answer> {
  try {
    await client.lookupCustomerId({
      source: CapillarySources.OAUTH_EXTERNAL,
      accountId,
      identifierName: 'mobile',
      identifierValue: PROBE_MOBILE,
    });
    return 'accepted';
  } catch (error) {
    if (error instanceof CapillaryAccountUnknownError) return 'account-unknown';
    if (error instanceof CapillaryLookupRefusedError) return 'source-refused';
    return 'no-answer';
  }
}

/**
 * Asks the org about `accountId` and, concurrently, about an account nobody configured, to tell an org that
 * checks accounts from one that does not. Read-only; never throws.
 */
export async function probeSourceAccount(
  client: CapillaryClient,
  accountId: string,
  random: () => string = () => crypto.randomUUID(),
): Promise<AccountVerdict> {
  const [ours, madeUp] = await Promise.all([ask(client, accountId), ask(client, `probe-${random()}`)]);
  if (ours === 'no-answer' || madeUp === 'no-answer') return { kind: 'undetermined', reason: 'no-answer' };
  if (ours === 'source-refused') return { kind: 'undetermined', reason: 'source-refused' };
  if (ours === 'accepted') {
    return madeUp === 'accepted' ? { kind: 'undetermined', reason: 'accounts-not-checked' } : { kind: 'known' };
  }
  return { kind: 'unknown' };
}
