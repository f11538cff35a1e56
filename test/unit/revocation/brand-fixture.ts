// A valid brand configuration for logout tests; issuer, JWKS and client come from the test's own CIAM.
import { type BrandConfig, type BrandConfigInput, parseBrandConfig } from '../../../shared/config/brand-config.js';

export function logoutTestBrand(overrides: Partial<BrandConfigInput> = {}): BrandConfig {
  const issuer = overrides.issuer ?? 'http://127.0.0.1:9/ciam';
  return parseBrandConfig(
    {
      brandId: 'demo',
      brandName: 'Demo',
      orgId: 100,
      issuer,
      applicationId: 'demo-app',
      clientId: 'demo-app',
      jwksUri: `${issuer}/jwks`,
      userInfoEndpoint: `${issuer}/me`,
      fieldMappings: { firstName: 'given_name', lastName: 'family_name', mobile: 'phone_number', email: 'email' },
      maxTokenLifetimeSeconds: 3600,
      clockSkewSeconds: 30,
      capillary: {
        baseUrl: 'http://127.0.0.1:9',
        sourceAccountId: 'acc-1',
        credentialsParameter: '/ciam-gateway/test/demo/capillary',
      },
      ...overrides,
    },
    1,
  );
}
