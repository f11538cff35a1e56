// Composition root of POST /v1/me/profile/sync: settings at cold start, AWS clients built lazily by the runtime.
import { buildPostAuthDeps } from '../../shared/runtime/post-auth-deps.js';
import { loadSettings } from '../../shared/env.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const runtime = createGatewayRuntime(loadSettings(process.env), { serviceName: 'profile' });

export const handler = createHandler(buildPostAuthDeps('profile', runtime));
