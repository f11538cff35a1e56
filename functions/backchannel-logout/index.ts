// Composition root of the back-channel logout receiver: settings at cold start, AWS clients built lazily,
// one JWKS cache per brand jwksUri shared with any other verifier in the container.
import { getJwksCache, verifyLogoutToken } from '../../shared/auth/verify-logout-token.js';
import { loadSettings } from '../../shared/env.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { buildLogoutDeps } from '../../shared/runtime/logout-deps.js';
import { LOGOUT_TOKEN_MAX_AGE_SECONDS } from '../../shared/revocation/backchannel-logout.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const runtime = createGatewayRuntime(settings, {
  serviceName: 'backchannel-logout',
  // X-Ray subsegments of the peer calls where the stack turns tracing on (the Tracer is imported only then).
  tracing: await loadTracing(settings.tracing, 'backchannel-logout'),
});

export const handler = createHandler({
  ...buildLogoutDeps('backchannel-logout', runtime),
  subjectHasher: (brandId, sub) => runtime.subjectHasher(brandId, sub),
  verify: (token, brand) =>
    verifyLogoutToken(
      token,
      brand,
      { jwks: getJwksCache(brand.jwksUri), now: Date.now },
      { maxAgeSeconds: LOGOUT_TOKEN_MAX_AGE_SECONDS },
    ),
});
