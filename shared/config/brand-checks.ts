// Save-time checks of a brand against the outside world: the JWKS holds a key the authorizer can use for
// an allowed algorithm, and the issuer's discovery document (when it has one) agrees with the config.
// Not a hot path: one bounded-time fetch per URL, no redirects followed, small bodies only.
import { isRecord } from '../lang/is-record.js';
import { DocumentTooLargeError, getDocumentWithFetch } from '../http/document-get.js';
import type { FetchFn } from '../http/fetch.js';
import { describeUnusableKeys, type KeyEntry } from '../auth/jwk.js';
import type { FieldIssue } from '../errors.js';
import { safeJsonParse } from '../http/json.js';
import type { BrandDocument, SupportedAlgorithm } from './brand-config.js';

export interface RemoteCheckOptions {
  fetch: FetchFn;
  timeoutMs: number;
}

export interface RemoteCheckResult {
  issues: FieldIssue[];
  warnings: string[];
}

const MAX_DOCUMENT_BYTES = 256 * 1024;

export type FetchOutcome = { ok: true; status: number; json: unknown } | { ok: false; status?: number; reason: string };

/** GETs a small JSON document (bounded time and size, no redirects); a failure says why in words. */
export async function fetchJson(url: string, options: RemoteCheckOptions): Promise<FetchOutcome> {
  let answer: { status: number; body: Buffer };
  try {
    answer = await getDocumentWithFetch(options.fetch)(url, {
      accept: 'application/json',
      timeoutMs: options.timeoutMs,
      maxBytes: MAX_DOCUMENT_BYTES,
    });
  } catch (error) {
    if (error instanceof DocumentTooLargeError) {
      return { ok: false, status: 200, reason: `answered more than ${MAX_DOCUMENT_BYTES} bytes` };
    }
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    return { ok: false, reason: timedOut ? `no answer within ${options.timeoutMs} ms` : 'could not be reached' };
  }
  const { status, body } = answer;
  if (status !== 200) {
    const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
    return { ok: false, status, reason: `answered HTTP ${status}${redirect}` };
  }
  try {
    return { ok: true, status: 200, json: safeJsonParse(body.toString('utf8')) };
  } catch {
    return { ok: false, status: 200, reason: 'did not answer JSON' };
  }
}

const EC_ALGORITHM: Record<string, SupportedAlgorithm> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** The allowed algorithms a key could verify (its own `alg` when it declares one). */
export function algorithmsForKey(entry: KeyEntry, allowed: readonly SupportedAlgorithm[]): SupportedAlgorithm[] {
  const candidates: readonly string[] =
    entry.kty === 'RSA'
      ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512']
      : entry.kty === 'OKP'
        ? ['EdDSA']
        : entry.crv
          ? [EC_ALGORITHM[entry.crv] ?? '']
          : [];
  const fits = (alg: string) =>
    entry.alg === undefined || entry.alg === alg || (alg === 'EdDSA' && entry.alg === 'Ed25519');
  return allowed.filter((alg) => candidates.includes(alg) && fits(alg));
}

/** Checks the brand's JWKS: reachable, JSON `{keys: [...]}`, at least one usable signing key for an allowed algorithm. */
export async function checkJwks(document: BrandDocument, options: RemoteCheckOptions): Promise<FieldIssue[]> {
  const outcome = await fetchJson(document.jwksUri, options);
  if (!outcome.ok) return [{ field: 'jwksUri', message: `JWKS ${outcome.reason}` }];
  const keys = isRecord(outcome.json) ? outcome.json.keys : undefined;
  if (!Array.isArray(keys)) return [{ field: 'jwksUri', message: 'JWKS is not a JSON object with a "keys" array' }];
  if (keys.some((key) => isRecord(key) && 'd' in key)) {
    return [{ field: 'jwksUri', message: 'JWKS publishes private key material ("d"); fix the CIAM before using it' }];
  }
  const { usable, problems } = describeUnusableKeys(
    keys.filter(isRecord),
    document.allowedAlgorithms,
    algorithmsForKey,
    document.allowTokensWithoutKid,
  );
  if (usable === 0) {
    return [
      {
        field: 'jwksUri',
        message: `JWKS holds no usable signing key for ${document.allowedAlgorithms.join(', ')}${problems.length > 0 ? `: ${problems.join('; ')}` : ''}`,
      },
    ];
  }
  return [];
}

/** The URL of the issuer's discovery document. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** Checks `${issuer}/.well-known/openid-configuration` when the issuer publishes one. */
export async function checkDiscovery(document: BrandDocument, options: RemoteCheckOptions): Promise<RemoteCheckResult> {
  const url = discoveryUrl(document.issuer);
  const outcome = await fetchJson(url, options);
  if (!outcome.ok) {
    // Discovery is optional: its absence is only worth a warning.
    return { issues: [], warnings: [`discovery document not checked: ${url} ${outcome.reason}`] };
  }
  if (!isRecord(outcome.json)) {
    return { issues: [{ field: 'issuer', message: 'discovery document is not a JSON object' }], warnings: [] };
  }
  return { issues: discoveryDisagreements(document, outcome.json), warnings: [] };
}

/** Where a discovery document disagrees with the brand: issuer, jwks_uri, and userinfo_endpoint when both have one. */
export function discoveryDisagreements(
  document: Pick<BrandDocument, 'issuer' | 'jwksUri' | 'userInfoEndpoint'>,
  discovered: Record<string, unknown>,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const compare = (field: 'issuer' | 'jwksUri' | 'userInfoEndpoint', key: string, required: boolean): void => {
    const value = discovered[key];
    if ((value === undefined || document[field] === undefined) && !required) return;
    if (value !== document[field]) {
      issues.push({
        field,
        message: `does not match the discovery document's ${key} (${typeof value === 'string' ? value : 'missing'})`,
      });
    }
  };
  compare('issuer', 'issuer', true);
  compare('jwksUri', 'jwks_uri', true);
  compare('userInfoEndpoint', 'userinfo_endpoint', false);
  return issues;
}
