// The go-live tools behind the admin API (IAM only): the brand doctor (POST /v1/admin/brands/{id}/doctor), the token
// diagnosis (POST .../diagnose) and the prelink batches (POST .../prelink). Each call gets its own Capillary clients,
// cut to the invocation's deadline and counting their calls (the CLI paces prelink batches by them).
import type { SubjectHasher } from '../audit/subject-hasher.js';
import type { AuditLog } from '../audit/audit-event.js';
import type { JwksCacheOptions } from '../auth/jwks-cache.js';
import { CapillaryClients } from '../capillary/capillary-client.js';
import type { Deadline } from '../capillary/capillary-transport.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { SecretSource } from '../config/secret-source.js';
import type { ClaimSource } from '../customer/claim-source.js';
import type { LinkStore } from '../customer/link-store.js';
import type { CapillaryClientProvider } from '../customer/post-auth-ports.js';
import { BadRequestError, ErrorCodes, NotFoundError, type FieldIssue } from '../errors.js';
import type { FetchFn } from '../http/fetch.js';
import type { RevocationChecker } from '../revocation/revocation-checker.js';
import { type DoctorOptions, type DoctorReport, runDoctor } from './doctor.js';
import { parsePrelinkRequest, type PrelinkResult, prelinkBatch } from './prelink.js';
import { diagnoseToken, type TokenDiagnosis } from './token-diagnosis.js';

export interface GoLiveDeps {
  /** The saved brand by id, active or not. */
  brand(brandId: string): Promise<BrandConfig | undefined>;
  /** The brands as the authorizer reads them. */
  brandDirectory: BrandDirectory;
  /** The revocation list, uncached. */
  revocations: RevocationChecker;
  links: LinkStore;
  /** The brands' Capillary credentials (SSM). */
  secrets: SecretSource;
  claims: ClaimSource;
  /** Discovery, JWKS (the doctor's checks) and Capillary calls. */
  fetch: FetchFn;
  /** How the diagnosis fetches a JWKS. */
  jwks: JwksCacheOptions;
  audit: AuditLog;
  /** The stage's keyed subject hash (prelink's audit lines). */
  subjectHasher: SubjectHasher;
  /** Epoch milliseconds. */
  now: () => number;
}

export interface GoLive {
  doctor(brandId: string, body: Record<string, unknown>, deadline: Deadline): Promise<DoctorReport>;
  diagnose(brandId: string, body: Record<string, unknown>): Promise<TokenDiagnosis>;
  prelink(
    brandId: string,
    body: Record<string, unknown>,
    actor: string,
    deadline: Deadline,
  ): Promise<{ results: PrelinkResult[]; capillaryCalls: number }>;
}

const MAX_TOKEN_CHARS = 8_192;

function invalid(issues: FieldIssue[]): BadRequestError {
  return new BadRequestError(ErrorCodes.VALIDATION_FAILED, 'The request is invalid', { details: issues });
}

/** `token` (required or not), `idToken`: strings of at most 8 KB. */
function readToken(body: Record<string, unknown>, field: 'token' | 'idToken', required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_TOKEN_CHARS) {
    throw invalid([{ field, message: `must be a JWT of at most ${MAX_TOKEN_CHARS} characters` }]);
  }
  return value;
}

/** Parses the doctor's options (`{ token?, idToken?, probeCustomer?, probeMerged?, probeIdentifier? }`). */
function parseDoctorOptions(body: Record<string, unknown>): DoctorOptions {
  const known = new Set(['token', 'idToken', 'probeCustomer', 'probeMerged', 'probeIdentifier']);
  const unknown = Object.keys(body).find((key) => !known.has(key));
  if (unknown) throw invalid([{ field: unknown, message: 'unknown field' }]);
  const id = (field: 'probeCustomer' | 'probeMerged') => {
    const value = body[field];
    if (value === undefined) return {};
    if (!Number.isSafeInteger(value) || (value as number) <= 0) {
      throw invalid([{ field, message: 'must be a Capillary customer id (a positive integer)' }]);
    }
    return { [field]: value as number };
  };
  const identifier = body.probeIdentifier;
  let probeIdentifier: DoctorOptions['probeIdentifier'];
  if (identifier !== undefined) {
    const record = identifier as { type?: unknown; value?: unknown };
    const typed =
      record !== null && typeof record === 'object' && (record.type === 'email' || record.type === 'mobile');
    if (!typed || typeof record.value !== 'string' || record.value === '' || record.value.length > 255) {
      throw invalid([{ field: 'probeIdentifier', message: 'must be { "type": "email" | "mobile", "value": "..." }' }]);
    }
    probeIdentifier = { type: record.type as 'email' | 'mobile', value: record.value as string };
  }
  const token = readToken(body, 'token', false);
  const idToken = readToken(body, 'idToken', false);
  return {
    ...(token ? { token } : {}),
    ...(idToken ? { idToken } : {}),
    ...id('probeCustomer'),
    ...id('probeMerged'),
    ...(probeIdentifier ? { probeIdentifier } : {}),
  };
}

export function createGoLive(deps: GoLiveDeps): GoLive {
  /** Fresh clients for one call: cut to its deadline, counting their Capillary calls. */
  const capillaryFor = (deadline: Deadline) => {
    const counter = { calls: 0 };
    const clients = new CapillaryClients({
      secrets: deps.secrets,
      fetch: (input, init) => {
        counter.calls++;
        return deps.fetch(input, init);
      },
    });
    const provider: CapillaryClientProvider = { forBrand: (brand) => clients.forBrand(brand).within(deadline) };
    return { provider, counter };
  };
  const brandOf = async (brandId: string): Promise<BrandConfig> => {
    const brand = await deps.brand(brandId);
    if (!brand) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, `Brand ${brandId} does not exist`);
    return brand;
  };
  const diagnosisDeps = {
    brandDirectory: deps.brandDirectory,
    revocationChecker: deps.revocations,
    now: deps.now,
    jwks: deps.jwks,
  };
  return {
    async doctor(brandId, body, deadline) {
      const options = parseDoctorOptions(body);
      const { provider } = capillaryFor(deadline);
      return runDoctor(brandId, options, {
        brand: deps.brand,
        diagnosis: diagnosisDeps,
        links: deps.links,
        claims: deps.claims,
        capillary: provider,
        remote: { fetch: deps.fetch, timeoutMs: 5_000 },
        now: deps.now,
      });
    },
    async diagnose(brandId, body) {
      const unknown = Object.keys(body).find((key) => key !== 'token');
      if (unknown) throw invalid([{ field: unknown, message: 'unknown field' }]);
      const token = readToken(body, 'token', true) ?? '';
      await brandOf(brandId);
      return diagnoseToken(token, { expectedBrandId: brandId }, diagnosisDeps);
    },
    async prelink(brandId, body, actor, deadline) {
      const { users, apply } = parsePrelinkRequest(body);
      const brand = await brandOf(brandId);
      const { provider, counter } = capillaryFor(deadline);
      const results = await prelinkBatch(
        brand,
        users,
        { apply, actor },
        {
          links: deps.links,
          capillary: provider,
          audit: deps.audit,
          subjectHasher: deps.subjectHasher,
          now: deps.now,
        },
      );
      return { results, capillaryCalls: counter.calls };
    },
  };
}
