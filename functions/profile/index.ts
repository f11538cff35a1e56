// Composition root of POST /v1/me/profile/sync: settings at cold start, AWS clients built lazily by the runtime.
import { buildPostAuthDeps } from '../../shared/runtime/post-auth-deps.js';
import { loadSettings } from '../../shared/env.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const runtime = createGatewayRuntime(settings, {
  serviceName: 'profile',
  // X-Ray subsegments of the peer calls where the stack turns tracing on (the Tracer is imported only then).
  tracing: await loadTracing(settings.tracing, 'profile'),
});

export const handler = createHandler(buildPostAuthDeps('profile', runtime));
