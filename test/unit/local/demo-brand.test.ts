// The demo brand the local stack seeds: a valid brand document, users covering the linking cases, and
// CIAM clients wired so that the brand's own client receives the gateway's back-channel logout URI.
import { describe, expect, it } from 'vitest';
import {
  DEMO_API_RESOURCE,
  DEMO_APP_CLIENT_ID,
  DEMO_SPA_CLIENT_ID,
  demoBrandDocument,
  demoClients,
  demoInstoreMember,
  demoUsers,
} from '../../../local/demo-brand.js';
import { parseBrandDocument } from '../../../shared/config/brand-config.js';

describe('the demo brand', () => {
  it('is a valid brand document whose audience is the API resource and whose secrets stay out of it', () => {
    // Act
    const document = parseBrandDocument(
      demoBrandDocument({
        issuer: 'http://127.0.0.1:3001',
        jwksUri: 'http://127.0.0.1:3001/jwks',
        userInfoEndpoint: 'http://127.0.0.1:3001/me',
        capillaryBaseUrl: 'http://127.0.0.1:3002',
        ssmPrefix: '/ciam-gateway/local/',
        brandClientId: DEMO_SPA_CLIENT_ID,
      }),
    );

    // Assert
    expect(document).toMatchObject({ brandId: 'demo', applicationId: DEMO_API_RESOURCE, clientId: 'demo-spa' });
    expect(document.capillary.credentialsParameter).toBe('/ciam-gateway/local/brands/demo/capillary');
    expect(JSON.stringify(document)).not.toContain('secret');
  });

  it('seeds users with names, e-mail and mobile, at least one unverified e-mail, and one INSTORE member', () => {
    // Arrange
    const users = demoUsers();
    const member = demoInstoreMember();
    const memberEmails = member.profiles.flatMap((p) =>
      p.identifiers.filter((i) => i.type === 'email').map((i) => i.value),
    );

    // Assert
    expect(users.length).toBeGreaterThanOrEqual(3);
    for (const { claims } of users) {
      expect(claims).toMatchObject({
        given_name: expect.any(String),
        family_name: expect.any(String),
        email: expect.any(String),
        email_verified: expect.any(Boolean),
        phone_number: expect.stringMatching(/^\+\d+$/),
        phone_number_verified: expect.any(Boolean),
      });
    }
    expect(users.some((user) => user.claims.email_verified === false)).toBe(true);
    expect(users.filter((user) => memberEmails.includes(String(user.claims.email)))).toHaveLength(1);
  });

  it('gives the back-channel logout URI to the brand client only, and the SPA the gateway origin as redirect', () => {
    // Act
    const clients = demoClients({
      gatewayUrl: 'http://127.0.0.1:3000/',
      appClientSecret: 's',
      brandClientId: 'demo-app',
    });
    const app = clients.find((c) => c.clientId === DEMO_APP_CLIENT_ID);
    const spa = clients.find((c) => c.clientId === DEMO_SPA_CLIENT_ID);

    // Assert
    expect(app).toMatchObject({
      clientSecret: 's',
      backchannelLogoutUri: 'http://127.0.0.1:3000/v1/auth/backchannel-logout/demo',
    });
    expect(spa?.clientSecret).toBeUndefined();
    expect(spa?.backchannelLogoutUri).toBeUndefined();
    expect(spa?.redirectUris).toEqual(['http://127.0.0.1:3000/']);
  });
});
