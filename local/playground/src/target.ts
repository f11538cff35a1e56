// Which brand the page signs in to: a saved brand, its issuer, client and scopes as chosen on the page (the demo
// brand by default). Kept in sessionStorage so the choice survives the CIAM's redirects.
import type { PlaygroundConfig } from './config.js';

export interface SignInTarget {
  brandId: string;
  issuer: string;
  clientId: string;
  scope: string;
}

const TARGET_KEY = 'playground.target';
/** Scopes asked of a brand's own provider (the demo CIAM adds loyalty:read). */
const OTHER_SCOPE = 'openid email phone profile';

/** The demo brand as the stack configures the page. */
function defaultTarget(config: PlaygroundConfig): SignInTarget {
  return { brandId: config.brandId, issuer: config.issuer, clientId: config.clientId, scope: config.scope };
}

/** The target of a saved brand: its issuer and client, the demo scopes for the demo brand. */
export function targetOfBrand(config: PlaygroundConfig, brandId: string): SignInTarget {
  if (brandId === config.brandId) return defaultTarget(config);
  const brand = config.brands.find((item) => item.brandId === brandId);
  if (!brand) return defaultTarget(config);
  return { brandId, issuer: brand.issuer.replace(/\/+$/, ''), clientId: brand.clientId, scope: OTHER_SCOPE };
}

export function loadTarget(config: PlaygroundConfig): SignInTarget {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(TARGET_KEY) ?? 'null');
    if (saved !== null && typeof saved === 'object') {
      const { brandId, issuer, clientId, scope } = saved as Record<string, unknown>;
      if ([brandId, issuer, clientId, scope].every((value) => typeof value === 'string' && value !== '')) {
        return saved as SignInTarget;
      }
    }
  } catch {
    // A damaged entry: the default below.
  }
  return defaultTarget(config);
}

export function saveTarget(target: SignInTarget): void {
  sessionStorage.setItem(TARGET_KEY, JSON.stringify(target));
}

/** The page's config with the chosen target in place of the demo brand's issuer, client and scopes. */
export function configFor(config: PlaygroundConfig, target: SignInTarget): PlaygroundConfig {
  return {
    ...config,
    brandId: target.brandId,
    issuer: target.issuer.replace(/\/+$/, ''),
    clientId: target.clientId,
    scope: target.scope,
  };
}
