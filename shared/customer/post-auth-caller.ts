// The caller of a post-auth route, resolved once per request from the authorizer context, and what it is
// served with: the brand's Capillary client cut to its deadline, and its linked customer.
import type { AuthorizerContext } from '../auth/authorizer-context.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import { CapillaryNotFoundError } from '../capillary/capillary-errors.js';
import type { CapillaryCustomer } from '../capillary/capillary-types.js';
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
  auth: { sub: string };
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
