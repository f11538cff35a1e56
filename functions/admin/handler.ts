// The brand admin API: GET/PUT/DELETE /v1/admin/brands/{brandId}, GET /v1/admin/brands and
// POST /v1/admin/brands/{brandId}/validate. IAM (SigV4) is enforced by API Gateway in AWS; locally the
// admin key is checked here. The body is never logged (it may carry secrets).
import { timingSafeEqual } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type BrandAdmin, parseForceParameter, parseVersionParameter } from '../../shared/config/brand-admin.js';
import { deadlineFrom } from '../../shared/customer/time-budget.js';
import type { GoLive } from '../../shared/golive/golive.js';
import { ErrorCodes, ForbiddenError, MethodNotAllowedError, NotFoundError } from '../../shared/errors.js';
import { createPublicApiHandler } from '../../shared/http/api-handler.js';
import { singleHeader } from '../../shared/http/headers.js';
import { jsonResponse } from '../../shared/http/responses.js';
import type { Logger } from '../../shared/observability/logger.js';
import { createRouter, Routes } from '../../shared/routes.js';

export interface AdminDeps {
  logger: Logger;
  /** Built on first use, so the cold start makes no AWS client. */
  admin: () => BrandAdmin;
  /** The go-live tools (doctor, diagnosis, prelink), built on first use. */
  golive: () => GoLive;
  /** Local stack only: the `x-admin-key` every request must carry. Unset in AWS, where IAM applies. */
  adminKey?: string;
}

// The admin routes of the one route table (shared/routes.ts), which CDK and the emulator also read.
const route = createRouter(Routes.filter((r) => r.functionName === 'admin'));

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Who is calling: the IAM principal in AWS, `local-admin` behind the local admin key. */
function authenticate(event: APIGatewayProxyEvent, adminKey: string | undefined): string {
  const identity = event.requestContext?.identity;
  if (adminKey !== undefined) {
    const given = singleHeader(event, 'x-admin-key');
    // 403 FORBIDDEN, as the gateway in front answers it (IAM in AWS, the emulator's x-admin-key check locally).
    if (typeof given !== 'string' || !sameSecret(given, adminKey)) {
      throw new ForbiddenError(ErrorCodes.FORBIDDEN, 'Missing or wrong x-admin-key (IAM stands in locally)');
    }
    return identity?.userArn ?? 'local-admin';
  }
  const principal = identity?.userArn ?? identity?.caller;
  // Defence in depth: an admin route deployed without IAM auth must not be open.
  if (!principal) throw new ForbiddenError(ErrorCodes.FORBIDDEN, 'The admin API requires an IAM-signed request');
  return principal;
}

export function createHandler(deps: AdminDeps) {
  return createPublicApiHandler(
    { logger: deps.logger, maxBodyBytes: 32_768 },
    async ({ event, body, remainingTimeMs }) => {
      const actor = authenticate(event, deps.adminKey);
      const admin = deps.admin();
      // API Gateway's `resource` is the route template; `path` may carry a custom-domain base path.
      const path = (event.resource?.startsWith('/v1/admin') ? event.resource : (event.path ?? '')).replace(/\/+$/, '');
      const method = event.httpMethod;
      const found = route(method, path);
      if (found.kind === 'not-found') throw new NotFoundError(ErrorCodes.ROUTE_NOT_FOUND, 'No such admin route');
      if (found.kind === 'method-not-allowed') {
        throw new MethodNotAllowedError(
          ErrorCodes.METHOD_NOT_ALLOWED,
          `${method} is not allowed on ${path} (use ${found.allowed.join(', ')})`,
        );
      }
      const brandId = event.pathParameters?.brandId ?? found.params.brandId ?? '';
      switch (`${found.route.method} ${found.route.path}`) {
        case 'GET /v1/admin/brands':
          return jsonResponse(200, { brands: await admin.list() });
        case 'GET /v1/admin/brands/{brandId}':
          return jsonResponse(200, await admin.get(brandId));
        case 'PUT /v1/admin/brands/{brandId}': {
          const force = parseForceParameter(event.queryStringParameters?.force ?? undefined);
          const result = await admin.put(brandId, body, actor, { force });
          return jsonResponse(result.created ? 201 : 200, { brand: result.brand, warnings: result.warnings });
        }
        case 'DELETE /v1/admin/brands/{brandId}': {
          const version = parseVersionParameter(event.queryStringParameters?.version ?? undefined);
          return jsonResponse(200, { deleted: await admin.delete(brandId, actor, version) });
        }
        case 'POST /v1/admin/brands/{brandId}/validate':
          return jsonResponse(200, await admin.validate(brandId, body));
        case 'POST /v1/admin/brands/{brandId}/doctor':
          return jsonResponse(200, await deps.golive().doctor(brandId, body, deadlineFrom(remainingTimeMs())));
        case 'POST /v1/admin/brands/{brandId}/diagnose':
          return jsonResponse(200, await deps.golive().diagnose(brandId, body));
        case 'POST /v1/admin/brands/{brandId}/prelink':
          return jsonResponse(200, await deps.golive().prelink(brandId, body, actor, deadlineFrom(remainingTimeMs())));
        default:
          // An admin route added to shared/routes.ts without an operation here (test/integration/admin-handler.test.ts).
          throw new Error(`No operation for admin route ${found.route.method} ${found.route.path}`);
      }
    },
  );
}
