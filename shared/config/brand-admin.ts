// Brand administration use-cases (the admin API and CLI call these): validate, put, get, list, delete.
// Every save is validated (schema, https, no two brands selecting one token, JWKS usable, discovery agreeing),
// versioned (a stale version is refused) and audit-logged; secrets go to SSM SecureString only and never
// into DynamoDB, a response or a log line. A refused request changes nothing.
import { isRecord } from '../lang/is-record.js';
import type { FetchFn } from '../http/fetch.js';
import type { CapillaryCredentialCheck } from '../capillary/capillary-credentials.js';
import { type CapillarySecret, CapillarySecretSchema } from '../capillary/capillary-secret.js';
import { type CiamClientSecrets, CiamClientSecretsSchema } from './ciam-client-secrets.js';
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
  toFieldIssues,
} from './brand-config.js';
import { checkDiscovery, checkJwks } from './brand-checks.js';
import { checkSourceAccount, phoneCountryWarnings } from './brand-capillary-check.js';
import { isSupportedCountry } from 'libphonenumber-js';
import { InMemorySecretSource } from './secret-source.js';
import { findPlaceholders } from './brand-placeholders.js';
import { clientIdsOf } from './brand-rules.js';
import { selectorConflict } from './brand-selectors.js';
import { type BrandStore, selectorTaken, type StoredBrand, versionConflict } from './brand-store.js';
import type { BrandLinks } from '../customer/link-store.js';
import { checkOutboundHosts, type HostResolver, outboundUrlsOf, systemResolver } from '../http/outbound-url.js';
import { safeJsonParse } from '../http/json.js';
import type { SecretSource } from './secret-source.js';
import type { SecretWriter } from './secret-writer.js';

export interface BrandAdminOptions {
  store: BrandStore;
  secretWriter: SecretWriter;
  /** Used to check that an existing credentials parameter can be read when a PUT brings no secrets. */
  secretReader?: SecretSource;
  /**
   * Obtains a Capillary token with the brand's credentials (those sent, else the stored ones) at every validate and
   * put, so wrong credentials or a wrong base URL are refused at save, naming the field.
   */
  capillaryCredentials: CapillaryCredentialCheck;
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
  /**
   * Also check the brand against its Capillary org, as warnings: whether the org knows the OAUTH_EXTERNAL
   * account (a read-only lookup with the brand's credentials) and whether `phoneDefaultCountry` is set.
   */
  orgChecks?: boolean;
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

const SecretsSchema = z
  .object({ capillary: CapillarySecretSchema.optional(), ciamClients: CiamClientSecretsSchema.optional() })
  .strict();

const VersionSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

interface ParsedRequest {
  document: BrandDocument;
  /** The `version` the caller sent (undefined or 0 = create). */
  version: number | undefined;
  capillarySecret: CapillarySecret | undefined;
  /** Client secrets of the brand's confidential CIAM apps, for `clientSecretsParameter`. */
  ciamClientSecrets: CiamClientSecrets | undefined;
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

  /** The SSM parameter that holds a brand's CIAM client secrets when the admin API wrote them. */
  clientSecretsParameterName(brandId: string): string {
    return `${this.options.ssmPrefix.replace(/\/+$/, '')}/brands/${brandId}/ciam-clients`;
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
      const secretWrites: [string, unknown][] = [];
      if (request.capillarySecret) {
        secretWrites.push([request.document.capillary.credentialsParameter, request.capillarySecret]);
      }
      if (request.ciamClientSecrets && request.document.clientSecretsParameter) {
        secretWrites.push([request.document.clientSecretsParameter, request.ciamClientSecrets]);
      }
      for (const [parameter, secret] of secretWrites) {
        try {
          await this.options.secretWriter.putSecret(parameter, JSON.stringify(secret));
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
          secretsUpdated: secretWrites.length > 0,
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
      // Only the parameters the admin API owns for this brand; a shared, hand-made one is left alone.
      const parameter = deleted.document.capillary.credentialsParameter;
      if (parameter === this.credentialsParameterName(id)) await this.options.secretWriter.deleteSecret(parameter);
      const clientSecrets = deleted.document.clientSecretsParameter;
      if (clientSecrets === this.clientSecretsParameterName(id)) {
        await this.options.secretWriter.deleteSecret(clientSecrets);
      }
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
    // What `brand init` left as a placeholder is named first; the schema's complaint about the same field is dropped.
    const placeholders = findPlaceholders({ ...rest, ...(secrets === undefined ? {} : { secrets }) });
    const issues: FieldIssue[] = [...placeholders];
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
    const ownClientSecrets = this.clientSecretsParameterName(pathBrandId);
    const capillary = isRecord(rest.capillary) ? rest.capillary : undefined;
    const ciamClientSecrets = secretsResult?.success ? secretsResult.data.ciamClients : undefined;
    const withDefaults = {
      ...rest,
      ...(capillary && capillary.credentialsParameter === undefined
        ? { capillary: { ...capillary, credentialsParameter: ownParameter } }
        : {}),
      ...(ciamClientSecrets && rest.clientSecretsParameter === undefined
        ? { clientSecretsParameter: ownClientSecrets }
        : {}),
    };
    let document: BrandDocument | undefined;
    try {
      document = parseBrandDocument(withDefaults);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...(error.details ?? []));
    }
    if (document && this.options.allowLoopbackUrls !== true) issues.push(...loopbackIssues(document));
    if (document?.phoneDefaultCountry !== undefined && !isSupportedCountry(document.phoneDefaultCountry)) {
      issues.push({ field: 'phoneDefaultCountry', message: 'is not a country whose phone numbers can be read' });
    }
    // The functions' IAM policies only reach this brand's own SSM path, so any other parameter would fail at run time.
    const brandPath = ownParameter.slice(0, ownParameter.lastIndexOf('/') + 1);
    if (document && !document.capillary.credentialsParameter.startsWith(brandPath)) {
      issues.push({ field: 'capillary.credentialsParameter', message: `must be under ${brandPath}` });
    }
    if (document?.clientSecretsParameter !== undefined && !document.clientSecretsParameter.startsWith(brandPath)) {
      issues.push({ field: 'clientSecretsParameter', message: `must be under ${brandPath}` });
    }
    if (document && ciamClientSecrets) {
      const clients = clientIdsOf(document);
      for (const client of Object.keys(ciamClientSecrets).filter((id) => !clients.includes(id))) {
        issues.push({ field: `secrets.ciamClients.${client}`, message: "is not one of the brand's client ids" });
      }
      if (document.clientSecretsParameter !== ownClientSecrets) {
        issues.push({
          field: 'clientSecretsParameter',
          message: `must be ${ownClientSecrets} (or left out) when secrets.ciamClients is given`,
        });
      }
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
      const marked = new Set(placeholders.map((issue) => issue.field));
      const kept = issues.filter((issue) => !marked.has(issue.field) || placeholders.includes(issue));
      throw new ValidationError('Brand configuration is invalid', dedupe(kept));
    }
    return {
      document,
      version: versionResult?.success ? versionResult.data : undefined,
      capillarySecret,
      ciamClientSecrets,
    };
  }

  /** The checks that need the store or the network (409 / 422); returns warnings when everything passed. */
  private async check(request: ParsedRequest, force = false): Promise<string[]> {
    const { document } = request;
    const brands = await this.options.store.list();
    // Every way a brand selects tokens (client ids, audiences) against the stored brands: a clear answer first,
    // and the only check against brands saved before the store kept selector keys. An edit that removes an
    // overlap passes; the store's transaction is what holds under concurrency.
    const conflict = selectorConflict(
      document,
      brands.map((brand) => brand.document),
    );
    if (conflict) throw selectorTaken(conflict.brandId, conflict.selector);
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
      const hostIssues = await checkOutboundHosts(outboundUrlsOf(document), this.options.resolveHost ?? systemResolver);
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
    const [jwksIssues, discovery, capillary, orgWarnings, clientSecretIssues] = await Promise.all([
      checkJwks(document, remote),
      checkDiscovery(document, remote),
      this.checkCapillary(document, request.capillarySecret),
      this.checkOrg(request, remote),
      request.ciamClientSecrets ? Promise.resolve([]) : this.checkClientSecretsExist(document),
    ]);
    const issues = [...jwksIssues, ...discovery.issues, ...capillary.issues, ...clientSecretIssues];
    if (issues.length > 0) {
      throw new UnprocessableEntityError(ErrorCodes.BRAND_VALIDATION_FAILED, 'Brand configuration failed validation', {
        details: issues,
      });
    }
    return [...clientAudienceWarnings(document), ...discovery.warnings, ...capillary.warnings, ...orgWarnings];
  }

  private async checkClientSecretsExist(document: BrandDocument): Promise<FieldIssue[]> {
    const reader = this.options.secretReader;
    const parameter = document.clientSecretsParameter;
    if (!reader || parameter === undefined) return [];
    try {
      await reader.getSecret(parameter);
      return [];
    } catch {
      return [
        {
          field: 'secrets.ciamClients',
          message: `no CIAM client secrets: give secrets.ciamClients or create the SSM parameter ${parameter}`,
        },
      ];
    }
  }

  /** The org checks (warnings only), with the credentials of the request or those already in SSM. */
  private async checkOrg(request: ParsedRequest, remote: { fetch: FetchFn; timeoutMs: number }): Promise<string[]> {
    if (this.options.orgChecks !== true) return [];
    const { document, capillarySecret } = request;
    const parameter = document.capillary.credentialsParameter;
    const secrets = capillarySecret
      ? new InMemorySecretSource({ [parameter]: JSON.stringify(capillarySecret) })
      : this.options.secretReader;
    const account = secrets
      ? await checkSourceAccount(document, {
          ...remote,
          secrets,
          resolveHost:
            this.options.allowLoopbackUrls === true ? undefined : (this.options.resolveHost ?? systemResolver),
        })
      : [];
    return [...account, ...phoneCountryWarnings(document)];
  }

  /** A Capillary token with the credentials sent, else with the stored ones (which must exist and parse). */
  private async checkCapillary(
    document: BrandDocument,
    sent: CapillarySecret | undefined,
  ): Promise<{ issues: FieldIssue[]; warnings: string[] }> {
    const parameter = document.capillary.credentialsParameter;
    const stored = sent === undefined ? await this.readStoredSecret(parameter) : undefined;
    if (sent === undefined && stored === 'missing') {
      const message = `no Capillary credentials: give secrets.capillary or create the SSM parameter ${parameter}`;
      return { issues: [{ field: 'secrets.capillary', message }], warnings: [] };
    }
    const secret = sent ?? (stored === 'missing' ? undefined : stored);
    // Without a secret reader (in-process tools) stored credentials cannot be read, so there is nothing to try.
    if (secret === undefined) return { issues: [], warnings: [] };
    const field = sent ? 'secrets.capillary' : 'secrets.capillary (stored in capillary.credentialsParameter)';
    const { issues, ttlSeconds } = await this.options.capillaryCredentials(document, secret, field);
    // The gateway renews a token a fifth of its life (at most 60 s) early: a short-lived one means a token call often.
    const warnings =
      ttlSeconds !== undefined && ttlSeconds < 300
        ? [`Capillary tokens of these credentials live ${ttlSeconds} s: ask Capillary for a longer token expiry`]
        : [];
    return { issues, warnings };
  }

  /** The stored credentials, 'missing' when the parameter cannot be read or parsed, undefined without a reader. */
  private async readStoredSecret(parameter: string): Promise<CapillarySecret | 'missing' | undefined> {
    const reader = this.options.secretReader;
    if (!reader) return undefined;
    try {
      const parsed = CapillarySecretSchema.safeParse(safeJsonParse(await reader.getSecret(parameter)));
      return parsed.success ? parsed.data : 'missing';
    } catch {
      return 'missing';
    }
  }
}

/**
 * A client id listed as an access-token audience: tokens with that `aud` are ID tokens unless they carry
 * access-token evidence (`typ: at+jwt`, `client_id`, a scope, `token_use: access`), so the operator hears it.
 */
function clientAudienceWarnings(document: BrandDocument): string[] {
  if (document.audienceClaim !== 'aud' || document.acceptedAudiences === undefined) return [];
  const clients = clientIdsOf(document);
  const listed = document.acceptedAudiences.filter((audience) => clients.includes(audience));
  if (listed.length === 0) return [];
  return [
    `acceptedAudiences lists the client id ${listed.join(', ')}: a token with that aud counts as an ID token (refused unless acceptIdTokens) when it carries no access-token evidence (typ at+jwt, client_id, scope/scp, token_use access)`,
  ];
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
