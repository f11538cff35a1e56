// Builds brand.schema.json (the JSON Schema of the admin API's PUT body) from the zod schema, so the
// committed schema cannot drift from the parser: a test compares the file with this output.
import { z } from 'zod';
import { BasicSecretSchema, OAuthSecretSchema } from '../capillary/capillary-secret.js';
import { isRecord } from '../lang/is-record.js';
import { BrandConfigSchema } from './brand-config.js';
import { CiamClientSecretsSchema } from './ciam-client-secrets.js';

type JsonObject = Record<string, unknown>;

/** The write-only secrets, from the one Capillary secret schema the admin API and the client parse with. */
function secretsSchema(): JsonObject {
  const variant = (schema: z.ZodType): JsonObject => {
    const { $schema: _draft, ...rest } = z.toJSONSchema(schema) as JsonObject;
    return rest;
  };
  return {
    type: 'object',
    additionalProperties: false,
    description:
      'Write-only secrets. Stored as SSM SecureString parameters (never in DynamoDB, never returned by GET, never logged).',
    properties: {
      capillary: {
        description:
          'Capillary credentials, written to `<SSM_PREFIX>/brands/<brandId>/capillary`: `{key, secret}` for authMode `oauth`, `{tillId, password}` for `basic`.',
        oneOf: [variant(OAuthSecretSchema), variant(BasicSecretSchema)],
      },
      ciamClients: variant(CiamClientSecretsSchema),
    },
  };
}

/** The JSON Schema (draft 2020-12) of a brand document as PUT takes it and GET returns it. */
export function buildBrandJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(BrandConfigSchema, { io: 'input' }) as JsonObject;
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const capillary = properties.capillary;
  // The admin API fills credentialsParameter in when it is left out.
  if (isRecord(capillary) && Array.isArray(capillary.required)) {
    capillary.required = capillary.required.filter((name) => name !== 'credentialsParameter');
  }
  return {
    $schema: schema.$schema,
    $id: 'https://ciam-gateway.local/brand.schema.json',
    title: 'CIAM gateway brand',
    ...schema,
    properties: {
      $schema: { type: 'string', description: 'Editor hint (`./brand.schema.json`); accepted and ignored.' },
      ...properties,
      version: {
        type: 'integer',
        minimum: 0,
        description:
          'Optimistic concurrency: leave out (or 0) to create; send the version GET returned to update. A stale version is refused (409).',
      },
      secrets: secretsSchema(),
    },
  };
}
