// The caller of a post-auth route, resolved once per request from the authorizer context, and what it is
// served with: the brand's Capillary client cut to its deadline (its linked customer: linked-customer.ts).
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import { ErrorCodes, ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import type { AuthenticatedApiRequest } from '../http/api-handler.js';
import { requireBearerToken } from '../http/headers.js';
import type { PostAuthServices } from './post-auth-ports.js';
import { type Deadline, deadlineFrom } from './time-budget.js';

/** The caller of a post-auth route: a user of an active brand, with its bearer token. */
export interface PostAuthCaller {
  brand: BrandConfig;
  auth: AuthorizerContext;
  accessToken: string;
  idToken?: string;
  /** When this invocation must have answered (Capillary retries and the link wait stop in time for it). */
  deadline?: Deadline;
}

/**
 * What linking a customer needs of its caller: the brand, the CIAM subject and the deadline (a post-auth caller, or
 * a user `brand prelink --apply` links ahead of the launch).
 */
export interface LinkingCaller {
  brand: BrandConfig;
  /** The CIAM subject, and its keyed hash for the audit lines (the authorizer's, or the admin runtime's). */
  auth: { sub: string; subjectHash?: string };
  deadline?: Deadline;
}

/** The brand's Capillary client, its calls cut to the caller's deadline. */
export function capillaryFor(services: PostAuthServices, caller: Omit<LinkingCaller, 'auth'>): CapillaryClient {
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
