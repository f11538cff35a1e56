// Builds the dependencies of the member API's functions from the gateway runtime: the post-auth deps (brand
// directory, per-brand Capillary clients over the instrumented fetch, link store, claim source, audit log,
// revocation guard) plus the member state (idempotency records and write windows in the links table) and metrics.
import { DynamoMemberStateStore } from '../adapters/dynamo-member-state.js';
import { buildPostAuthDeps, type PostAuthRuntime } from './post-auth-deps.js';
import type { MemberHandlerDeps } from '../member/member-ports.js';

export function buildMemberDeps(functionName: string, runtime: PostAuthRuntime): MemberHandlerDeps {
  const base = buildPostAuthDeps(functionName, runtime);
  return {
    ...base,
    services: {
      ...base.services,
      state: new DynamoMemberStateStore({
        documentClient: runtime.documentClient,
        tableName: runtime.settings.tables.links,
      }),
      metrics: runtime.metrics,
    },
  };
}
