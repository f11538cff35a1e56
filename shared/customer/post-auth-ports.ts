// What every post-auth use-case is given (Capillary per brand, link store, claims, audit, clock), and what
// each post-auth function's createHandler takes.
import type { AuditLog } from '../audit/audit-event.js';
import type { CurrentRulesCheck } from '../auth/current-rules.js';
import type { CapillaryClient } from '../capillary/capillary-client.js';
import type { BrandConfig } from '../config/brand-config.js';
import type { BrandDirectory } from '../config/brand-directory.js';
import type { AuthGuard } from '../http/api-handler.js';
import type { Logger } from '../observability/logger.js';
import type { ClaimSource } from './claim-source.js';
import type { LinkStore } from './link-store.js';

/** Hands out the Capillary client of a brand. */
export interface CapillaryClientProvider {
  forBrand(brand: BrandConfig): CapillaryClient;
}

export interface PostAuthServices {
  capillary: CapillaryClientProvider;
  links: LinkStore;
  claims: ClaimSource;
  audit: AuditLog;
  /** Epoch milliseconds. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** How long a first-session lease is held at most (a crashed holder's lease expires after this; default 5 s). */
  leaseTtlMs?: number;
  /** How long a concurrent first session waits for the winner's link before answering 409 LINK_IN_PROGRESS. */
  linkWaitMs?: number;
  /** Poll interval while waiting for the winner's link. */
  linkPollMs?: number;
}

/** What each post-auth function's createHandler takes. */
export interface PostAuthHandlerDeps {
  logger: Logger;
  /** Run on every call after the authorizer context is parsed (e.g. the revocation guard). */
  guards?: AuthGuard[];
  /** Re-decides a context made under another brand revision (createAuthenticatedApiHandler's `currentRules`). */
  currentRules?: CurrentRulesCheck;
  /** Browser origins that get CORS headers. */
  corsAllowedOrigins?: readonly string[];
  brands: BrandDirectory;
  services: PostAuthServices;
}
