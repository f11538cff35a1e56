// Composition root of the Neo routes: settings at cold start, AWS clients built lazily by the runtime.
import { loadSettings } from '../../shared/env.js';
import { buildMemberDeps } from '../../shared/runtime/member-deps.js';
import { createGatewayRuntime } from '../../shared/runtime/gateway-runtime.js';
import { createHandler } from './handler.js';

const runtime = createGatewayRuntime(loadSettings(process.env), { serviceName: 'neo' });

export const handler = createHandler(buildMemberDeps('neo', runtime));
