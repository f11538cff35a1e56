// `brand init`: the preset from the issuer's shape, and what each preset writes from a discovery document.
import { describe, expect, it } from 'vitest';
import { parseBrandDocument } from '../../../shared/config/brand-config.js';
import { detectPreset, initBrand } from '../../../tools/brand-init.js';

describe('detectPreset', () => {
  it.each([
    ['https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123', 'cognito'],
    ['https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0', 'entra'],
    ['https://contoso.ciamlogin.com/contoso.onmicrosoft.com/v2.0', 'entra'],
    ['https://brand.eu.auth0.com/', 'auth0'],
    ['https://brand.okta.com/oauth2/default', 'okta'],
    ['https://brand.oktapreview.com/oauth2/aus1a2b3', 'okta'],
    ['https://brand.us.nextidentity.io', 'next-identity'],
    ['https://login.brand.example', 'generic'],
  ])('%s -> %s', (issuer, preset) => {
    expect(detectPreset(issuer)).toBe(preset);
  });
});

/** Every name resolves to one public address (tests never ask the real DNS). */
const publicDns = async () => ['93.184.215.14'];

function discoveryFetch(document: Record<string, unknown>) {
  const seen: string[] = [];
  const fetch = async (url: string) => {
    seen.push(url);
    return Response.json(document);
  };
  return { seen, fetch };
}

describe('initBrand', () => {
  it('writes an Auth0 brand from discovery, algorithms and claims it supports, with named placeholders', async () => {
    const issuer = 'https://brand.eu.auth0.com/';
    const { seen, fetch } = discoveryFetch({
      issuer,
      jwks_uri: `${issuer}.well-known/jwks.json`,
      userinfo_endpoint: `${issuer}userinfo`,
      id_token_signing_alg_values_supported: ['HS256', 'RS256', 'PS256'],
      claims_supported: ['sub', 'given_name', 'family_name', 'email', 'email_verified'],
    });
    const result = await initBrand({ issuer, clientId: 'abc' }, fetch, publicDns);
    expect(seen).toEqual(['https://brand.eu.auth0.com/.well-known/openid-configuration']);
    expect(result.preset).toBe('auth0');
    expect(result.brand).toMatchObject({
      issuer,
      clientId: 'abc',
      applicationId: 'REPLACE_WITH_API_AUDIENCE',
      jwksUri: `${issuer}.well-known/jwks.json`,
      userInfoEndpoint: `${issuer}userinfo`,
      allowedAlgorithms: ['RS256', 'PS256'],
    });
    expect(result.placeholders).toContain('secrets.capillary.key: REPLACE_WITH_CAPILLARY_KEY');
    expect(result.notes).toContain('claims_supported lacks phone_number: check the mapping');
    // The file is a valid brand body (secrets aside, which the admin API takes separately).
    const { secrets: _secrets, $schema: _schema, ...document } = result.brand;
    // Once the Capillary org id placeholder holds a number, as the operator puts it.
    expect(document.orgId).toBe('REPLACE_WITH_CAPILLARY_ORG_ID');
    expect(() =>
      parseBrandDocument({
        ...document,
        orgId: 100458,
        capillary: { ...(document.capillary as object), credentialsParameter: '/c/x' },
      }),
    ).not.toThrow();
  });

  it('reads Cognito access tokens by client_id and Entra claims from the ID token', async () => {
    const cognitoIssuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
    const cognito = await initBrand(
      { issuer: cognitoIssuer, clientId: 'app-client' },
      discoveryFetch({ issuer: cognitoIssuer, jwks_uri: `${cognitoIssuer}/.well-known/jwks.json` }).fetch,
      publicDns,
    );
    expect(cognito.brand).toMatchObject({ audienceClaim: 'client_id', applicationId: 'app-client' });

    const entraIssuer = 'https://login.microsoftonline.com/tenant-1/v2.0';
    const entra = await initBrand(
      { issuer: entraIssuer },
      discoveryFetch({
        issuer: entraIssuer,
        jwks_uri: 'https://login.microsoftonline.com/tenant-1/discovery/v2.0/keys',
        userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      }).fetch,
      publicDns,
    );
    expect(entra.preset).toBe('entra');
    expect(entra.brand).not.toHaveProperty('userInfoEndpoint');
    expect(entra.placeholders).toContain("clientId: REPLACE_WITH_CIAM_CLIENT_ID (the app's client id)");
  });

  it('takes api://default as the audience of an Okta default authorization server', async () => {
    const issuer = 'https://brand.okta.com/oauth2/default';
    const okta = await initBrand(
      { issuer },
      discoveryFetch({ issuer, jwks_uri: `${issuer}/v1/keys` }).fetch,
      publicDns,
    );
    expect(okta.brand.applicationId).toBe('api://default');
  });

  it('says what is wrong with an issuer without a usable discovery document', async () => {
    await expect(initBrand({ issuer: 'not a url' }, discoveryFetch({}).fetch)).rejects.toThrow(/absolute URL/);
    await expect(initBrand({ issuer: 'https://x.example' }, discoveryFetch({}).fetch)).rejects.toThrow(/jwks_uri/);
    const down = async () => new Response('', { status: 404 });
    await expect(initBrand({ issuer: 'https://x.example' }, down)).rejects.toThrow(/answered HTTP 404/);
  });
});

describe('issue 21 item 9: brand init warns about what the operator must look at', () => {
  it('gives no warning for a provider whose discovery names itself, over https, on public addresses', async () => {
    const issuer = 'https://login.brand.example';
    const result = await initBrand(
      { issuer },
      discoveryFetch({ issuer, jwks_uri: `${issuer}/jwks`, userinfo_endpoint: `${issuer}/me` }).fetch,
      publicDns,
    );
    expect(result.warnings).toEqual([]);
  });

  it('warns when discovery names another issuer than the URL given', async () => {
    const result = await initBrand(
      { issuer: 'https://login.brand.example' },
      discoveryFetch({ issuer: 'https://evil.example', jwks_uri: 'https://evil.example/jwks' }).fetch,
      publicDns,
    );
    expect(result.brand.issuer).toBe('https://evil.example');
    expect(result.warnings).toEqual([
      'the discovery document of https://login.brand.example names another issuer, https://evil.example: the brand file uses it (tokens carry it); make sure that is the provider you meant',
    ]);
  });

  it('warns about plain http and hosts that resolve to internal addresses (IP literals included)', async () => {
    const issuer = 'https://login.brand.example';
    const dns = async (host: string) =>
      host === 'keys.brand.example' ? ['169.254.169.254'] : host === 'me.brand.example' ? ['10.0.0.5'] : ['8.8.8.8'];
    const result = await initBrand(
      { issuer },
      discoveryFetch({
        issuer,
        jwks_uri: 'https://keys.brand.example/jwks',
        userinfo_endpoint: 'http://me.brand.example/userinfo',
      }).fetch,
      dns,
    );
    expect(result.warnings).toEqual([
      'jwksUri host keys.brand.example resolves to 169.254.169.254 (linkLocal), not a public address: the gateway refuses it outside the local stack',
      'userInfoEndpoint http://me.brand.example/userinfo is not https: only the local stack accepts plain http on loopback',
      'userInfoEndpoint host me.brand.example resolves to 10.0.0.5 (private), not a public address: the gateway refuses it outside the local stack',
    ]);
    const literal = await initBrand(
      { issuer: 'http://127.0.0.1:4000' },
      discoveryFetch({ issuer: 'http://127.0.0.1:4000', jwks_uri: 'http://127.0.0.1:4000/jwks' }).fetch,
      dns,
    );
    expect(literal.warnings).toContain(
      '--issuer http://127.0.0.1:4000 is not https: only the local stack accepts plain http on loopback',
    );
    expect(literal.warnings).toContain(
      '--issuer host 127.0.0.1 resolves to 127.0.0.1 (loopback), not a public address: the gateway refuses it outside the local stack',
    );
  });
});
