// Composition root of the Neo routes: settings at cold start, AWS clients built lazily by the runtime.
import { loadSettings } from '../../shared/env.js';
import { loadTracing } from '../../shared/observability/tracing.js';
import { buildMemberDeps } from '../../shared/runtime/member-deps.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const settings = loadSettings(process.env);
const runtime = createGatewayRuntime(settings, {
  serviceName: 'neo',
  // X-Ray subsegments of the peer calls where the stack turns tracing on (the Tracer is imported only then).
  tracing: await loadTracing(settings.tracing, 'neo'),
});

export const handler = createHandler(buildMemberDeps('neo', runtime));
