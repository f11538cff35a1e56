// What every post-auth use-case needs (Capillary per brand, link store, claims, audit, clock), the caller
// resolution shared by the post-auth functions, and small helpers they all use.
import { z } from 'zod';
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import type { CapillaryCustomer } from '../capillary/capillary-types.js';
import { type BrandConfig, toFieldIssues } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { ErrorCodes, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../errors.js';
import type { AuditEvent, AuditLog } from '../audit/audit-event.js';
import { hashSubject } from '../audit/redaction.js';
import type { AuthenticatedApiRequest, AuthGuard } from '../http/api-handler.js';
import { requireBearerToken } from '../http/headers.js';
import type { Logger } from '../observability/logger.js';
import type { ClaimSource } from './claim-source.js';
import { type Deadline, deadlineFrom } from './time-budget.js';
import type { LinkStore } from './link-store.js';

/** Hands out the Capillary client of a brand. */
export interface CapillaryClientProvider {
  forBrand(brand: BrandConfig): CapillaryClient;
}

export interface PostAuthServices {
  capillary: CapillaryClientProvider;
  links: LinkStore;
  claims: ClaimSource;
  audit: AuditLog;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long a first-session lease is held at most (a crashed holder's lease expires after this; default 5 s). */
  leaseTtlMs?: number;
  /** How long a concurrent first session waits for the winner's link before answering 409 LINK_IN_PROGRESS. */
  linkWaitMs?: number;
  /** Poll interval while waiting for the winner's link. */
  linkPollMs?: number;
}

/** The caller of a post-auth route: a user of an active brand, with its bearer token. */
export interface PostAuthCaller {
  brand: BrandConfig;
  auth: AuthorizerContext;
  accessToken: string;
  idToken?: string;
  /** When this invocation must have answered (Capillary retries and the link wait stop in time for it). */
  deadline?: Deadline;
}

/** The brand's Capillary client, its calls cut to the caller's deadline. */
export function capillaryFor(services: PostAuthServices, caller: PostAuthCaller): CapillaryClient {
  const client = services.capillary.forBrand(caller.brand);
  return caller.deadline ? client.within(caller.deadline) : client;
}

/** Resolves the caller: refuses client-credentials principals (403) and unknown or disabled brands. */
export async function resolveCaller(brands: BrandDirectory, request: AuthenticatedApiRequest): Promise<PostAuthCaller> {
  const { auth } = request;
  if (auth.principalType !== 'user') {
    throw new ForbiddenError(ErrorCodes.USER_TOKEN_REQUIRED, 'This route needs an end-user token');
  }
  const brand = await brands.getBrand(auth.brandId);
  if (!brand) throw new NotFoundError(ErrorCodes.BRAND_NOT_FOUND, 'Brand not found');
  if (brand.status !== 'active') throw new ForbiddenError(ErrorCodes.BRAND_DISABLED, 'Brand is disabled');
  // A cached Allow of a deleted brand must not act for a re-created one that trusts another issuer.
  if (brand.issuer !== auth.iss) throw new UnauthorizedError();
  return {
    brand,
    auth,
    accessToken: requireBearerToken(request.event),
    deadline: deadlineFrom(request.remainingTimeMs()),
  };
}

/** Body of session, profile and identifier sync: only an optional ID token. */
export const IdTokenBodySchema = z.strictObject({ idToken: z.string().min(1).max(16_384).optional() });

/** Parses a body with a strict zod schema; 400 VALIDATION_FAILED naming each bad or unknown field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError('Request body is invalid', toFieldIssues(result.error));
  return result.data;
}

export function audit(
  services: PostAuthServices,
  caller: PostAuthCaller,
  event: Omit<AuditEvent, 'brandId' | 'subjectHash'>,
): void {
  services.audit.record({
    ...event,
    brandId: caller.brand.brandId,
    subjectHash: hashSubject(caller.brand.brandId, caller.auth.sub),
  });
}

/** The linked customer of the caller; 404 CUSTOMER_NOT_LINKED before the first session. */
export async function loadLinkedCustomer(
  services: PostAuthServices,
  caller: PostAuthCaller,
): Promise<{ customerId: number; customer: CapillaryCustomer }> {
  const link = await services.links.get(caller.brand.brandId, caller.auth.sub);
  if (!link)
    throw new NotFoundError(
      ErrorCodes.CUSTOMER_NOT_LINKED,
      'No Capillary customer is linked yet; call POST /v1/auth/session first',
    );
  try {
    const customer = await capillaryFor(services, caller).getCustomer(link.customerId);
    return { customerId: link.customerId, customer };
  } catch (error) {
    // Merged away (8069) or deleted in Capillary: the next session follows it to the survivor and re-links.
    if (error instanceof CapillaryNotFoundError) {
      throw new NotFoundError(
        ErrorCodes.CUSTOMER_NOT_LINKED,
        'The linked customer no longer exists; call POST /v1/auth/session',
      );
    }
    throw error;
  }
}

/** What each post-auth function's createHandler takes. */
export interface PostAuthHandlerDeps {
  logger: Logger;
  /** Run on every call after the authorizer context is parsed (e.g. the revocation guard). */
  guards?: AuthGuard[];
  /** Browser origins that get CORS headers. */
  corsAllowedOrigins?: readonly string[];
  brands: BrandDirectory;
  services: PostAuthServices;
}
