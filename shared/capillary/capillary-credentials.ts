// Save-time check of a brand's Capillary connection: obtain a token with the brand's own credentials (oauth), or make
// one lookup with them (basic), so a wrong key, secret or base URL is refused when the brand is saved rather than at
// a member's first sign-in (502). The same CapillaryClient the functions use; nothing is written to Capillary.
import type { BrandDocument } from '../config/brand-config.js';
import type { FieldIssue } from '../errors.js';
import type { FetchFn } from '../http/fetch.js';
import { CapillaryClient } from './capillary-client.js';
import { CapillaryRejectedError, CapillaryUnavailableError } from './capillary-errors.js';
import type { CapillarySecret } from './capillary-secret.js';

interface CapillaryCredentialCheckResult {
  /** Empty when Capillary accepted the credentials. */
  issues: FieldIssue[];
  /** The token's lifetime (oauth), as Capillary answered it. */
  ttlSeconds?: number;
}

/**
 * Port of the admin use-cases: checks `secret` against the brand's Capillary cluster. `secretField` is the field an
 * issue names (`secrets.capillary` when the request sent them, else the parameter they were read from).
 */
export type CapillaryCredentialCheck = (
  document: Pick<BrandDocument, 'capillary'>,
  secret: CapillarySecret,
  secretField: string,
) => Promise<CapillaryCredentialCheckResult>;

/** An identifier no customer holds: the basic-auth check's lookup (answered 8015 when the till is accepted). */
const PROBE_EMAIL = 'credentials-check@ciam-gateway.invalid';

export function createCapillaryCredentialCheck(options: {
  fetch: FetchFn;
  timeoutMs: number;
}): CapillaryCredentialCheck {
  return async (document, secret, secretField) => {
    const { capillary } = document;
    const client = new CapillaryClient({
      baseUrl: capillary.baseUrl,
      authMode: capillary.authMode,
      credentialsParameter: capillary.credentialsParameter,
      secrets: { getSecret: async () => JSON.stringify(secret) },
      timeoutMs: Math.min(capillary.timeoutMs, options.timeoutMs),
      fetch: options.fetch,
      retry: { maxAttempts: 2, baseDelayMs: 50 },
    });
    try {
      const { ttlSeconds } = await client.authenticate();
      // Basic auth makes no call of its own: one lookup tells whether Capillary takes the till.
      if (ttlSeconds === undefined) {
        await client.lookupCustomerId({ source: 'ALL', identifierName: 'email', identifierValue: PROBE_EMAIL });
      }
      return { issues: [], ...(ttlSeconds === undefined ? {} : { ttlSeconds }) };
    } catch (error) {
      return { issues: [describe(error, capillary, secretField)] };
    }
  };
}

function describe(error: unknown, capillary: BrandDocument['capillary'], secretField: string): FieldIssue {
  const at = new URL(capillary.baseUrl).origin;
  if (error instanceof CapillaryRejectedError) {
    const status = error.capillary.httpStatus;
    if (status === 401 || status === 403) {
      const what = capillary.authMode === 'oauth' ? 'key and secret' : 'till id and password';
      return { field: secretField, message: `Capillary at ${at} refused this ${what} (HTTP ${status})` };
    }
    const answered = status === undefined ? 'an unexpected answer' : `HTTP ${status}`;
    return {
      field: 'capillary.baseUrl',
      message: `${at} answered the ${capillary.authMode === 'oauth' ? 'token call' : 'lookup'} with ${answered}: is it a Capillary cluster?`,
    };
  }
  if (error instanceof CapillaryUnavailableError) {
    return { field: 'capillary.baseUrl', message: `Capillary at ${at} did not answer (${error.message})` };
  }
  return { field: 'capillary.baseUrl', message: `Capillary at ${at} could not be checked` };
}
