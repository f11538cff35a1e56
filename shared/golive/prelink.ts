// The go-live dry run (`npm run brand -- prelink <brandId> --users <file.jsonl>`): for each user of the CIAM's
// export, what the first session would do (the session link's own decision, read-only), so the duplicates and
// merges of a brand launching on an existing member base are a reviewed list before the launch. `--apply` then
// links, through the session link itself, the users a first session would link to an existing customer (writing
// their OAUTH_EXTERNAL profiles); new customers are left to their first session. One batch per admin call: the CLI
// paces batches under the brand's Capillary rate limit and keeps a resumable state file.
import type { AuditLog } from '../audit/audit-event.js';
import type { SubjectHasher } from '../audit/subject-hasher.js';
import type { BrandConfig } from '../config/brand-config.js';
import { BadRequestError, ErrorCodes, GatewayError } from '../errors.js';
import { mapClaims } from '../customer/claim-mapping.js';
import { linkWithMapped } from '../customer/link-session.js';
import type { LinkStore } from '../customer/link-store.js';
import type { CapillaryClientProvider } from '../customer/post-auth-ports.js';
import { isRecord } from '../lang/is-record.js';
import { dryRunFirstSession, type FirstSessionOutcome } from './first-session.js';

/** Most users one admin call takes (the admin API's body limit is 32 KB). */
export const PRELINK_BATCH_LIMIT = 50;

export interface PrelinkUser {
  /** Line number in the CIAM export (reported back, and where a resumed run starts). */
  line: number;
  /** The user's claims as the CIAM's userinfo gives them: `sub` plus what the brand's fieldMappings read. */
  claims: Record<string, unknown>;
}

export interface PrelinkResult {
  line: number;
  sub?: string;
  outcome: FirstSessionOutcome['outcome'] | 'invalid' | 'error';
  customerId?: number;
  /** The gateway's error code of a refusal or a failure. */
  code?: string;
  why: string;
  /** With apply: `linked` when the link (and the OAUTH_EXTERNAL profile) was written now. */
  applied?: 'linked';
}

export interface PrelinkDeps {
  links: LinkStore;
  capillary: CapillaryClientProvider;
  audit: AuditLog;
  /** The stage's keyed subject hash, for the audit lines. */
  subjectHasher: SubjectHasher;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Parses the body of POST /v1/admin/brands/{id}/prelink: `{ users: [{ line, claims }], apply? }`. */
export function parsePrelinkRequest(body: Record<string, unknown>): { users: PrelinkUser[]; apply: boolean } {
  const refuse = (field: string, message: string) =>
    new BadRequestError(ErrorCodes.VALIDATION_FAILED, `${field} ${message}`, { details: [{ field, message }] });
  const { users, apply, ...rest } = body;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw refuse(unknown, 'unknown field');
  if (apply !== undefined && typeof apply !== 'boolean') throw refuse('apply', 'must be true or false');
  if (!Array.isArray(users) || users.length === 0 || users.length > PRELINK_BATCH_LIMIT) {
    throw refuse('users', `must be a list of 1 to ${PRELINK_BATCH_LIMIT} users`);
  }
  const parsed = users.map((user, index): PrelinkUser => {
    if (!isRecord(user) || !Number.isInteger(user.line) || !isRecord(user.claims)) {
      throw refuse(`users[${index}]`, 'must be { "line": <integer>, "claims": { ... } }');
    }
    return { line: user.line as number, claims: user.claims };
  });
  return { users: parsed, apply: apply === true };
}

/** One batch: each user's first session, decided read-only; with `apply`, the existing-customer ones linked. */
export async function prelinkBatch(
  brand: BrandConfig,
  users: readonly PrelinkUser[],
  options: { apply: boolean; actor: string },
  deps: PrelinkDeps,
): Promise<PrelinkResult[]> {
  const results: PrelinkResult[] = [];
  // One user at a time: the batch's calls stay within what the CLI paced it for.
  for (const user of users) results.push(await prelinkUser(brand, user, options, deps));
  return results;
}

async function prelinkUser(
  brand: BrandConfig,
  user: PrelinkUser,
  options: { apply: boolean; actor: string },
  deps: PrelinkDeps,
): Promise<PrelinkResult> {
  const sub = user.claims.sub;
  if (typeof sub !== 'string' || sub === '' || sub.length > 255) {
    return { line: user.line, outcome: 'invalid', why: 'no sub (a string of 1 to 255 characters)' };
  }
  const mapped = mapClaims(user.claims, brand.fieldMappings, brand);
  const subjectHash = await deps.subjectHasher(brand.brandId, sub);
  const subject = { brand, auth: { sub, ...(subjectHash ? { subjectHash } : {}) } };
  const client = deps.capillary.forBrand(brand);
  try {
    const dry = await dryRunFirstSession({ links: deps.links, capillary: client }, subject, mapped);
    const result: PrelinkResult = {
      line: user.line,
      sub,
      outcome: dry.outcome,
      why: dry.why,
      ...('customerId' in dry ? { customerId: dry.customerId } : {}),
      ...('code' in dry ? { code: dry.code } : {}),
    };
    if (!options.apply || (dry.outcome !== 'link' && dry.outcome !== 'merge')) return result;
    // The session link itself: lease, the same decision again, the OAUTH_EXTERNAL profile, the link, the names.
    const linked = await linkWithMapped(
      { links: deps.links, capillary: deps.capillary, claims: noClaims, audit: deps.audit, now: deps.now },
      subject,
      mapped,
    );
    deps.audit.record({
      type: 'session.link',
      outcome: 'success',
      brandId: brand.brandId,
      reason: linked.status.toUpperCase(),
      ...(subjectHash ? { subjectHash } : {}),
      details: { via: 'prelink', actor: options.actor, customerId: linked.customerId },
    });
    return { ...result, customerId: linked.customerId, applied: 'linked' };
  } catch (error) {
    const code = error instanceof GatewayError ? error.code : ErrorCodes.INTERNAL_ERROR;
    if (options.apply) {
      deps.audit.record({
        type: 'session.link',
        outcome: 'failure',
        brandId: brand.brandId,
        reason: code,
        ...(subjectHash ? { subjectHash } : {}),
        details: { via: 'prelink', actor: options.actor },
      });
    }
    return {
      line: user.line,
      sub,
      outcome: 'error',
      code,
      why: error instanceof Error ? error.message : String(error),
    };
  }
}

/** Prelink has the user's claims already (from the export): the session link never asks a claim source. */
const noClaims = {
  load: async (): Promise<never> => {
    throw new Error('prelink links with the claims of the CIAM export');
  },
};
