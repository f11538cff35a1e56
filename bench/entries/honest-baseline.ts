// Cold-start baseline that does the deployed authorizer's unavoidable work and nothing else: the same
// DynamoDB document client (shared/adapters/dynamo-client.ts), one read of one brand item from the brands
// table, one JWKS fetch, one node:crypto verification and a policy. Bundled exactly like the deployed entry
// (bench/run.ts); no validation of the item, no revocation read, no logging, no metrics, no middleware.
// BENCH_JWKS_TRANSPORT=node-http fetches the JWKS with node:http instead of fetch() (the transport the deployed
// authorizer uses), the baseline's cheapest spelling of the same work.
import { createPublicKey, verify } from 'node:crypto';
import { get } from 'node:http';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../shared/adapters/dynamo-client.js';

const ddb = createDocumentClient();
const table = process.env.BRANDS_TABLE ?? '';
const brandId = process.env.BENCH_BRAND_ID ?? '';

const viaNodeHttp = process.env.BENCH_JWKS_TRANSPORT === 'node-http';

function getJson(url: string): Promise<unknown> {
  if (!viaNodeHttp) return fetch(url).then((response) => response.json());
  return new Promise((resolve, reject) => {
    get(url, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    }).on('error', reject);
  });
}

const json = (segment: string) => JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));

export async function handler(event: { headers?: Record<string, string>; methodArn: string }) {
  const token = /^Bearer (.+)$/.exec(event.headers?.Authorization ?? '')?.[1] ?? '';
  const [h = '', p = '', s = ''] = token.split('.');
  const header = json(h);
  const claims = json(p);
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: { brandId }, ConsistentRead: true }));
  if (!Item || Item.issuer !== claims.iss) throw new Error('Unauthorized');
  const jwks = (await getJson(String(Item.jwksUri))) as { keys: { kid?: string }[] };
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new Error('Unauthorized');
  const key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const es = header.alg === 'ES256';
  const ok = verify(
    'sha256',
    Buffer.from(`${h}.${p}`),
    es ? { key, dsaEncoding: 'ieee-p1363' } : key,
    Buffer.from(s, 'base64url'),
  );
  const now = Date.now() / 1000;
  if (!ok || claims.aud !== Item.clientId || !(claims.exp > now)) throw new Error('Unauthorized');
  return {
    principalId: `${brandId}|${claims.sub}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
    },
  };
}
