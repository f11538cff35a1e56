// API Gateway REQUEST authorizer: parse -> authorize (shared/auth) -> policy. Missing or bad tokens are
// the one 401 path (`throw new Error('Unauthorized')`); a revoked token is let through marked `revoked`, for
// the handlers' one 401 TOKEN_REVOKED answer; a failing
// peer throws AuthorizerUnavailableError (AUTHORIZER_FAILURE: never cached, 503 at the gateway).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { AuditLog } from '../../shared/audit/audit-event.js';
import type { SubjectHasher } from '../../shared/audit/subject-hasher.js';
import { type GatewayMetrics, recordAuthzRefusal } from '../../shared/observability/metrics.js';
import { toWireContext } from '../../shared/auth/authorizer-context.js';
import {
  type AuthorizerDecision,
  AuthorizerUnavailableError,
  createRequestAuthorizer,
  unauthorizedError,
} from '../../shared/auth/authorize-request.js';
import { buildPolicy } from '../../shared/auth/authorizer-policy.js';
import type { JwksProvider } from '../../shared/auth/jwks-cache.js';
import type { TokenVerifier } from '../../shared/auth/verify-access-token.js';
import type { BrandDirectory } from '../../shared/config/brand-directory.js';
import type { Logger } from '../../shared/observability/logger.js';
import { requestIdMiddleware, withRequestId } from '../../shared/observability/request-context.js';
import type { RevocationChecker } from '../../shared/revocation/revocation-checker.js';

export interface AuthorizerDeps {
  brandDirectory: BrandDirectory;
  revocationChecker: RevocationChecker;
  auditLog: AuditLog;
  logger: Logger;
  /** Epoch milliseconds. */
  now: () => number;
  jwks?: JwksProvider;
  tokenVerifier?: TokenVerifier;
  subjectHasher?: SubjectHasher;
  /** The 0/1 refusal point per decision and brand (the refusal-rate alarms). */
  metrics?: GatewayMetrics;
}

function record(deps: AuthorizerDeps, decision: AuthorizerDecision): void {
  const { effect, reason, tokenHash } = decision;
  const brandId = decision.brandId;
  if (effect === 'Unavailable') {
    deps.logger.error('authorizer decision', { decision: effect, reason, brandId, tokenHash, error: decision.error });
  } else {
    deps.logger.info('authorizer decision', { decision: effect, reason, brandId, tokenHash });
  }
  // A failing peer is not a refusal of the token: it has its own alarm (AUTHORIZER_FAILURE).
  if (effect !== 'Unavailable' && deps.metrics) {
    recordAuthzRefusal(deps.metrics, { refused: effect === 'Unauthorized', reason, brandId });
  }
  deps.auditLog.record({
    type: 'authz.decision',
    outcome: effect === 'Allow' ? 'allow' : effect === 'Unavailable' ? 'failure' : 'deny',
    reason,
    ...(brandId ? { brandId } : {}),
    ...((effect === 'Allow' || effect === 'Deny') && decision.subjectHash ? { subjectHash: decision.subjectHash } : {}),
    details: { tokenHash, ...(effect === 'Allow' ? { principalType: decision.context.principalType } : {}) },
  });
}

export function createHandler(deps: AuthorizerDeps) {
  const authorize = createRequestAuthorizer(deps);
  // Lambda context on the decision lines; no key outlives its invocation.
  return withRequestId(
    middy<APIGatewayRequestAuthorizerEvent, APIGatewayAuthorizerResult, Error, Context>()
      .use(injectLambdaContext(deps.logger, { resetKeys: true }))
      .use(requestIdMiddleware(deps.logger))
      .handler(async (event) => {
        const decision = await authorize(event ?? {});
        try {
          record(deps, decision);
        } catch {
          // A failing log or audit sink must not turn a decision into a 500.
        }
        if (decision.effect === 'Unauthorized') throw unauthorizedError(decision.reason);
        if (decision.effect === 'Unavailable') throw new AuthorizerUnavailableError(decision.reason);
        // A revoked token passes the gateway marked as revoked, and every authenticated handler answers it
        // 401 TOKEN_REVOKED: an explicit Deny would be API Gateway's 403, unlike the handlers' own answer to
        // the same token. It is as safe to cache as a Deny (a revocation is for good). So Deny and Allow both
        // answer an Allow policy; the context tells them apart.
        return buildPolicy('Allow', decision.principalId, decision.resource, toWireContext(decision.context));
      }),
  );
}
