// Composition root of POST /v1/auth/logout: settings at cold start, AWS clients built lazily by the runtime.
import { loadSettings } from '../../shared/env.js';
import { ciamPeerOf, loadTracing } from '../../shared/observability/tracing.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { buildLogoutDeps } from '../../shared/runtime/logout-deps.js';
import { guardedFetch } from '../../shared/adapters/guarded-http.js';
import { outboundPolicyFor } from '../../shared/http/address-policy.js';
import { httpsOnly } from '../../shared/http/outbound-url.js';
import { ProviderTokenRevoker } from '../../shared/revocation/provider-revocation.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const runtime = createGatewayRuntime(settings, {
  serviceName: 'logout',
  // X-Ray subsegments of the peer calls where the stack turns tracing on (the Tracer is imported only then).
  tracing: await loadTracing(settings.tracing, 'logout'),
});

export const handler = createHandler({
  ...buildLogoutDeps('logout', runtime),
  corsAllowedOrigins: runtime.settings.corsAllowedOrigins,
  currentRules: runtime.currentRules,
  // App logout may hand over the login's refresh token: revoked at the CIAM (RFC 7009) through the guarded
  // transport, as the app (its secret from the brand's SSM parameter when it is a confidential client).
  refreshTokens: new ProviderTokenRevoker({
    fetch: runtime.tracing.traceFetch(
      httpsOnly(guardedFetch({ policy: outboundPolicyFor(runtime.settings.stage) }), {
        allowHttp: runtime.settings.stage === 'local',
      }),
      ciamPeerOf,
    ),
    secrets: runtime.secretSource,
  }),
});
