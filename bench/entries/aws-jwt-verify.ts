// Baseline: an authorizer built on aws-jwt-verify, with the same loopback brand config and JWKS.
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';

type Verifier = { verify(token: string): Promise<Record<string, unknown>> };
let verifier: Promise<Verifier> | undefined;

async function build(): Promise<Verifier> {
  const brands = (await (await fetch(process.env.BENCH_CONFIG_URL ?? '')).json()) as Array<Record<string, string>>;
  const brand = brands[0] ?? {};
  const fetcher = { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() };
  return JwtVerifier.create(
    {
      issuer: brand.issuer ?? '',
      audience: [brand.clientId ?? '', brand.applicationId ?? ''],
      jwksUri: brand.jwksUri ?? '',
    },
    { jwksCache: new SimpleJwksCache({ fetcher }) },
  ) as unknown as Verifier;
}

export async function handler(event: { headers?: Record<string, string>; methodArn: string }) {
  verifier ??= build();
  const token = /^Bearer (.+)$/.exec(event.headers?.Authorization ?? '')?.[1];
  if (!token) throw new Error('Unauthorized');
  const payload = await (await verifier).verify(token).catch(() => {
    throw new Error('Unauthorized');
  });
  return {
    principalId: String(payload.sub),
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  };
}
