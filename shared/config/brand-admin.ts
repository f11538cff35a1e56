// Brand administration use-cases (the admin API and CLI call these): validate, put, get, list, delete.
// Every save is validated (schema, https, unique issuer + clientId, JWKS usable, discovery agreeing),
// versioned (a stale version is refused) and audit-logged; secrets go to SSM SecureString only and never
// into DynamoDB, a response or a log line. A refused request changes nothing.
import { isRecord } from '../lang/is-record.js';
import type { FetchFn } from '../http/fetch.js';
import { type CapillarySecret, CapillarySecretSchema } from '../capillary/capillary-secret.js';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-event.js';
import {
  BadRequestError,
  ConflictError,
  ErrorCodes,
  type FieldIssue,
  GatewayError,
  NotFoundError,
  UnprocessableEntityError,
  UpstreamError,
  ValidationError,
} from '../errors.js';
import {
  type BrandDocument,
  BrandIdSchema,
  isLoopbackHost,
  parseBrandDocument,
  toBrandConfig,
  toFieldIssues,
} from './brand-config.js';
import { checkDiscovery, checkJwks } from './brand-checks.js';
import { audienceTaken, type BrandStore, issuerClientTaken, type StoredBrand, versionConflict } from './brand-store.js';
import type { BrandLinks } from '../customer/link-store.js';
import { checkOutboundHosts, type HostResolver, systemResolver } from '../http/outbound-url.js';
import type { SecretSource } from './secret-source.js';
import type { SecretWriter } from './secret-writer.js';

export interface BrandAdminOptions {
  store: BrandStore;
  secretWriter: SecretWriter;
  /** Used to check that an existing credentials parameter can be read when a PUT brings no secrets. */
  secretReader?: SecretSource;
  audit: AuditLog;
  /** SSM_PREFIX: brand secrets live at `${ssmPrefix}/brands/${brandId}/capillary`. */
  ssmPrefix: string;
  fetch?: FetchFn;
  /** Timeout of each JWKS / discovery fetch. */
  httpTimeoutMs?: number;
  /**
   * The brands' customer links: deleted with their brand (a re-created brand never inherits them), and
   * an issuer change is refused while the brand has links unless forced.
   */
  links?: BrandLinks;
  /** Told after every successful change (e.g. to clear an in-process brand cache). */
  onChange?: (brandId: string) => void;
  /**
   * Accept plain-http loopback URLs (the local stack). Off in AWS: a loopback URL there could reach the
   * Lambda runtime API from the save-time checks, and no real CIAM lives on loopback.
   */
  allowLoopbackUrls?: boolean;
  /**
   * Resolves the hosts of issuer, jwksUri and userInfoEndpoint before anything is fetched: outside the
   * local stack (allowLoopbackUrls off) none may resolve to an internal address. Defaults to the system DNS.
   */
  resolveHost?: HostResolver;
}

/** The brand as GET returns it and PUT takes it (secrets never included). */
export type BrandView = BrandDocument & { version: number };

export interface BrandSummary {
  brandId: string;
  brandName: string;
  status: BrandDocument['status'];
  issuer: string;
  clientId: string;
  version: number;
  updatedAt: string;
  updatedBy?: string;
}

export interface PutBrandResult {
  created: boolean;
  brand: BrandView;
  warnings: string[];
}

export interface ValidateBrandResult {
  valid: true;
  brandId: string;
  warnings: string[];
}

const SecretsSchema = z.object({ capillary: CapillarySecretSchema.optional() }).strict();

const VersionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

interface ParsedRequest {
  document: BrandDocument;
  /** The `version` the caller sent (undefined or 0 = create). */
  version: number | undefined;
  capillarySecret: CapillarySecret | undefined;
}

/** The admin API's actor string, never empty. */
function actorOf(actor: string): string {
  return actor.trim() === '' ? 'unknown' : actor.slice(0, 512);
}

/** Brand administration over a BrandStore, a SecretWriter and an AuditLog. */
export class BrandAdmin {
  private readonly options: BrandAdminOptions;
  private readonly fetch: FetchFn;

  constructor(options: BrandAdminOptions) {
    this.options = options;
    this.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** The SSM parameter that holds a brand's Capillary credentials when the admin API wrote them. */
  credentialsParameterName(brandId: string): string {
    return `${this.options.ssmPrefix.replace(/\/+$/, '')}/brands/${brandId}/capillary`;
  }

  async list(): Promise<BrandSummary[]> {
    return (await this.options.store.list()).map((brand) => ({
      brandId: brand.document.brandId,
      brandName: brand.document.brandName,
      status: brand.document.status,
      issuer: brand.document.issuer,
      clientId: brand.document.clientId,
      version: brand.version,
      updatedAt: brand.updatedAt,
      ...(brand.updatedBy === undefined ? {} : { updatedBy: brand.updatedBy }),
    }));
  }

  async get(brandId: string): Promise<BrandView> {
    const brand = await this.options.store.get(this.checkedId(brandId));
    if (!brand) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, `Brand ${brandId} does not exist`);
    return toView(brand);
  }

  /** Runs every save-time check without saving anything. */
  async validate(brandId: string, body: Record<string, unknown>): Promise<ValidateBrandResult> {
    const request = this.parseRequest(brandId, body);
    const warnings = await this.check(request);
    return { valid: true, brandId: request.document.brandId, warnings };
  }

  /** Schema and rules only: no store, no network, no SSM (`npm run brand -- validate --offline`, CI). */
  validateOffline(brandId: string, body: Record<string, unknown>): ValidateBrandResult {
    const request = this.parseRequest(brandId, body);
    return { valid: true, brandId: request.document.brandId, warnings: [] };
  }

  /**
   * Creates (no `version`, or 0) or updates (`version` = the current one) a brand. `force` allows an
   * issuer change while customers are linked (the new issuer must give the same users the same `sub`).
   */
  async put(
    brandId: string,
    body: Record<string, unknown>,
    actor: string,
    options: { force?: boolean } = {},
  ): Promise<PutBrandResult> {
    const who = actorOf(actor);
    try {
      const request = this.parseRequest(brandId, body);
      const warnings = await this.check(request, options.force === true);
      const expectedVersion = request.version ?? 0;
      const saved = await this.options.store.save(request.document, { expectedVersion, actor: who });
      if (request.capillarySecret) {
        try {
          await this.options.secretWriter.putSecret(
            request.document.capillary.credentialsParameter,
            JSON.stringify(request.capillarySecret),
          );
        } catch (error) {
          throw new UpstreamError(
            503,
            ErrorCodes.CONFIG_UNAVAILABLE,
            `Brand ${brandId} was saved as version ${saved.version} but its credentials could not be written to SSM; send the PUT again with version ${saved.version}`,
            { cause: error, retryAfterSeconds: 5 },
          );
        }
      }
      this.options.onChange?.(brandId);
      this.options.audit.record({
        type: 'brand.change',
        outcome: 'success',
        brandId,
        reason: expectedVersion === 0 ? 'CREATED' : 'UPDATED',
        details: {
          actor: who,
          version: saved.version,
          secretsUpdated: request.capillarySecret !== undefined,
          status: saved.document.status,
        },
      });
      return { created: expectedVersion === 0, brand: toView(saved), warnings };
    } catch (error) {
      this.auditFailure(brandId, 'PUT', who, error);
      throw error;
    }
  }

  /** Deletes a brand (at `expectedVersion` when given), its guard and the credentials the admin API wrote. */
  async delete(
    brandId: string,
    actor: string,
    expectedVersion?: number,
  ): Promise<{ brandId: string; version: number }> {
    const who = actorOf(actor);
    try {
      const id = this.checkedId(brandId);
      const existing = await this.options.store.get(id);
      if (!existing) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, `Brand ${brandId} does not exist`);
      if (expectedVersion !== undefined && existing.version !== expectedVersion) {
        throw versionConflict(`brand ${brandId} is at version ${existing.version}, not ${expectedVersion}`);
      }
      // Links go first (a failure leaves the brand in place, so DELETE can be sent again), and once more
      // after the brand, for a first session that linked in between: a re-created brand starts with none.
      const links = this.options.links;
      let linksRemoved = (await links?.deleteLinks(id)) ?? 0;
      const deleted = await this.options.store.delete(id, expectedVersion === undefined ? {} : { expectedVersion });
      if (!deleted) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, `Brand ${brandId} does not exist`);
      linksRemoved += (await links?.deleteLinks(id)) ?? 0;
      const parameter = deleted.document.capillary.credentialsParameter;
      // Only the parameter the admin API owns for this brand; a shared, hand-made one is left alone.
      if (parameter === this.credentialsParameterName(id)) await this.options.secretWriter.deleteSecret(parameter);
      this.options.onChange?.(brandId);
      this.options.audit.record({
        type: 'brand.change',
        outcome: 'success',
        brandId,
        reason: 'DELETED',
        details: { actor: who, version: deleted.version, linksRemoved },
      });
      return { brandId: id, version: deleted.version };
    } catch (error) {
      this.auditFailure(brandId, 'DELETE', who, error);
      throw error;
    }
  }

  private checkedId(brandId: string): string {
    if (!BrandIdSchema.safeParse(brandId).success) {
      throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, 'No brand has that id');
    }
    return brandId;
  }

  private auditFailure(brandId: string, action: string, actor: string, error: unknown): void {
    this.options.audit.record({
      type: 'brand.change',
      outcome: 'failure',
      ...(BrandIdSchema.safeParse(brandId).success ? { brandId } : {}),
      reason: error instanceof GatewayError ? error.code : ErrorCodes.INTERNAL_ERROR,
      details: { actor, action },
    });
  }

  /** Splits the body into document, version and secrets; every shape problem is reported at once (400). */
  private parseRequest(pathBrandId: string, body: Record<string, unknown>): ParsedRequest {
    const { $schema, version, secrets, ...rest } = body;
    const issues: FieldIssue[] = [];
    if ($schema !== undefined && typeof $schema !== 'string')
      issues.push({ field: '$schema', message: 'must be a string' });
    const versionResult = version === undefined ? undefined : VersionSchema.safeParse(version);
    if (versionResult && !versionResult.success) {
      issues.push({ field: 'version', message: 'must be a non-negative integer (the version you read)' });
    }
    const secretsResult = secrets === undefined ? undefined : SecretsSchema.safeParse(secrets);
    if (secretsResult && !secretsResult.success) issues.push(...toFieldIssues(secretsResult.error, 'secrets'));
    if (rest.brandId !== undefined && rest.brandId !== pathBrandId) {
      issues.push({ field: 'brandId', message: `must equal the brand id in the path (${pathBrandId})` });
    }
    if (!BrandIdSchema.safeParse(pathBrandId).success) {
      issues.push({ field: 'brandId', message: 'the path brand id must be 1-63 lowercase letters, digits or dashes' });
    }
    const ownParameter = this.credentialsParameterName(pathBrandId);
    const capillary = isRecord(rest.capillary) ? rest.capillary : undefined;
    const withDefaults =
      capillary && capillary.credentialsParameter === undefined
        ? { ...rest, capillary: { ...capillary, credentialsParameter: ownParameter } }
        : rest;
    let document: BrandDocument | undefined;
    try {
      document = parseBrandDocument(withDefaults);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...(error.details ?? []));
    }
    if (document && this.options.allowLoopbackUrls !== true) issues.push(...loopbackIssues(document));
    // The functions' IAM policies only reach this brand's own SSM path, so any other parameter would fail at run time.
    const brandPath = ownParameter.slice(0, ownParameter.lastIndexOf('/') + 1);
    if (document && !document.capillary.credentialsParameter.startsWith(brandPath)) {
      issues.push({ field: 'capillary.credentialsParameter', message: `must be under ${brandPath}` });
    }
    const capillarySecret = secretsResult?.success ? secretsResult.data.capillary : undefined;
    if (document && capillarySecret) {
      const oauth = 'key' in capillarySecret;
      if (oauth !== (document.capillary.authMode === 'oauth')) {
        issues.push({
          field: 'secrets.capillary',
          message:
            document.capillary.authMode === 'oauth'
              ? 'authMode "oauth" needs { key, secret }'
              : 'authMode "basic" needs { tillId, password }',
        });
      }
      if (document.capillary.credentialsParameter !== ownParameter) {
        issues.push({
          field: 'capillary.credentialsParameter',
          message: `must be ${ownParameter} (or left out) when secrets are given`,
        });
      }
    }
    if (issues.length > 0 || !document) {
      throw new ValidationError('Brand configuration is invalid', dedupe(issues));
    }
    return { document, version: versionResult?.success ? versionResult.data : undefined, capillarySecret };
  }

  /** The checks that need the store or the network (409 / 422); returns warnings when everything passed. */
  private async check(request: ParsedRequest, force = false): Promise<string[]> {
    const { document } = request;
    const brands = await this.options.store.list();
    const owner = brands.find(
      (brand) =>
        brand.document.brandId !== document.brandId &&
        brand.document.issuer === document.issuer &&
        brand.document.clientId === document.clientId,
    );
    if (owner) throw issuerClientTaken(owner.document.brandId);
    const overlap = audienceOverlap(document, brands);
    if (overlap) throw audienceTaken(overlap.brandId, overlap.audiences);
    const current = brands.find((brand) => brand.document.brandId === document.brandId);
    const expected = request.version ?? 0;
    if (expected === 0 && current) {
      throw new ConflictError(
        ErrorCodes.VERSION_CONFLICT,
        `Brand ${document.brandId} already exists (version ${current.version}); send "version": ${current.version} to update it`,
        { details: [{ field: 'version', message: `brand exists at version ${current.version}` }] },
      );
    }
    if (expected > 0 && current?.version !== expected) {
      const message = current
        ? `Brand ${document.brandId} is at version ${current.version}, not ${expected}; read it again`
        : `Brand ${document.brandId} does not exist; leave out "version" to create it`;
      throw new ConflictError(ErrorCodes.VERSION_CONFLICT, message, { details: [{ field: 'version', message }] });
    }
    if (
      current &&
      current.document.issuer !== document.issuer &&
      !force &&
      (await this.options.links?.hasLinks(document.brandId))
    ) {
      const message = `Brand ${document.brandId} has linked customers under issuer ${current.document.issuer}; a new issuer may give other users the same sub. Send force=true only if the new issuer keeps every user's sub`;
      throw new ConflictError(ErrorCodes.BRAND_HAS_LINKS, message, { details: [{ field: 'issuer', message }] });
    }
    if (this.options.allowLoopbackUrls !== true) {
      // Before any save-time fetch: a configured URL must never make the gateway call its own network.
      const hostIssues = await checkOutboundHosts(document, this.options.resolveHost ?? systemResolver);
      if (hostIssues.length > 0) {
        throw new UnprocessableEntityError(
          ErrorCodes.BRAND_VALIDATION_FAILED,
          'Brand configuration failed validation',
          {
            details: hostIssues,
          },
        );
      }
    }
    const remote = { fetch: this.fetch, timeoutMs: this.options.httpTimeoutMs ?? 5_000 };
    const [jwksIssues, discovery, credentialIssues] = await Promise.all([
      checkJwks(document, remote),
      checkDiscovery(document, remote),
      request.capillarySecret ? Promise.resolve([]) : this.checkCredentialsExist(document),
    ]);
    const issues = [...jwksIssues, ...discovery.issues, ...credentialIssues];
    if (issues.length > 0) {
      throw new UnprocessableEntityError(ErrorCodes.BRAND_VALIDATION_FAILED, 'Brand configuration failed validation', {
        details: issues,
      });
    }
    return discovery.warnings;
  }

  private async checkCredentialsExist(document: BrandDocument): Promise<FieldIssue[]> {
    const reader = this.options.secretReader;
    if (!reader) return [];
    try {
      await reader.getSecret(document.capillary.credentialsParameter);
      return [];
    } catch {
      return [
        {
          field: 'secrets.capillary',
          message: `no Capillary credentials: give secrets.capillary or create the SSM parameter ${document.capillary.credentialsParameter}`,
        },
      ];
    }
  }
}

/**
 * The first other brand of the same issuer that accepts one of this brand's audiences, unless the two
 * can always be told apart: different client ids, and both refuse tokens not naming their own client.
 */
function audienceOverlap(
  document: BrandDocument,
  brands: readonly StoredBrand[],
): { brandId: string; audiences: string[] } | undefined {
  const mine = toBrandConfig(document, 0).acceptedAudiences;
  for (const other of brands) {
    const theirs = other.config;
    if (theirs.brandId === document.brandId || theirs.issuer !== document.issuer) continue;
    const shared = mine.filter((audience) => theirs.acceptedAudiences.includes(audience));
    if (shared.length === 0) continue;
    const separable = document.requireClientClaim && theirs.requireClientClaim && theirs.clientId !== document.clientId;
    if (!separable) return { brandId: theirs.brandId, audiences: shared };
  }
  return undefined;
}

function loopbackIssues(document: BrandDocument): FieldIssue[] {
  const urls: [string, string | undefined][] = [
    ['issuer', document.issuer],
    ['jwksUri', document.jwksUri],
    ['userInfoEndpoint', document.userInfoEndpoint],
    ['capillary.baseUrl', document.capillary.baseUrl],
  ];
  return urls
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .filter(([, url]) => isLoopbackHost(new URL(url).hostname))
    .map(([field]) => ({ field, message: 'loopback URLs are accepted only by the local stack' }));
}

function toView(brand: StoredBrand): BrandView {
  return { ...brand.document, version: brand.version };
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.field}\n${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Parses the optional `version` query parameter of DELETE. */
export function parseVersionParameter(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new BadRequestError(ErrorCodes.VALIDATION_FAILED, 'version must be a non-negative integer', {
      details: [{ field: 'version', message: 'must be a non-negative integer' }],
    });
  }
  return Number(value);
}

/** Parses the optional `force` query parameter of PUT (`true` or `false`; anything else is a 400). */
export function parseForceParameter(value: string | undefined): boolean {
  if (value === undefined || value === '' || value === 'false') return false;
  if (value === 'true') return true;
  throw new BadRequestError(ErrorCodes.VALIDATION_FAILED, 'force must be true or false', {
    details: [{ field: 'force', message: 'must be true or false' }],
  });
}
