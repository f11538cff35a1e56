// Merging the caller's claim sources (access token, the ID token of the body, userinfo; oldest first) so
// that an identifier and its verified flag stay one piece of evidence. Every claim is taken from the latest
// source that has it, except the mapped identifiers: each one (e-mail, mobile) is read together with its
// mapped verified flag from the latest source that gives the identifier, and a source that gives the value
// without its flag makes it unverified. So an older ID token's `email_verified: true` never vouches for a
// different e-mail that userinfo returns without a flag (OIDC Core §5.7: a claim's verification belongs to
// the response that carries it).
import type { BrandConfig } from '../config/brand-config.js';
import { type Claims, readClaimPath } from './claim-mapping.js';

type Mappings = Pick<BrandConfig['fieldMappings'], 'email' | 'emailVerified' | 'mobile' | 'mobileVerified'>;

/** `claims` with `path` (dotted) set to `value`, or removed when undefined; nested objects are copied, never changed. */
function withClaimAt(claims: Claims, path: string, value: unknown): Claims {
  const [head, ...rest] = path.split('.');
  if (head === undefined) return claims;
  const copy: Claims = { ...claims };
  if (rest.length === 0) {
    if (value === undefined) delete copy[head];
    else copy[head] = value;
    return copy;
  }
  const child = copy[head];
  const nested = child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Claims) : {};
  copy[head] = withClaimAt(nested, rest.join('.'), value);
  return copy;
}

/** The claims of `sources` (oldest first) merged, each mapped identifier paired with its flag from one source. */
export function mergeClaimSources(sources: readonly Claims[], mappings: Mappings): Claims {
  let merged: Claims = Object.assign({}, ...sources);
  for (const [valuePath, flagPath] of [
    [mappings.email, mappings.emailVerified],
    [mappings.mobile, mappings.mobileVerified],
  ] as const) {
    const source = sources.findLast((claims) => readClaimPath(claims, valuePath) !== undefined);
    // No source gives the identifier: its flag, from wherever, vouches for nothing.
    merged = withClaimAt(merged, valuePath, source === undefined ? undefined : readClaimPath(source, valuePath));
    merged = withClaimAt(merged, flagPath, source === undefined ? undefined : readClaimPath(source, flagPath));
  }
  return merged;
}
