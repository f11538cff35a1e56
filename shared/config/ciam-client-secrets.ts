// The brand's CIAM client secrets (confidential apps), kept like the Capillary credentials: one SSM
// SecureString per brand (`clientSecretsParameter`, by default `<SSM_PREFIX>/brands/<brandId>/ciam-clients`,
// written by the admin API from `secrets.ciamClients`), never in DynamoDB, a response or a log line. The
// gateway uses them only to authenticate as the app at the CIAM's token revocation endpoint (RFC 7009) when an
// app logout hands it the login's refresh token. Public apps (PKCE, no secret) need no entry.
import { z } from 'zod';
import { MAX_CLIENT_IDS } from './brand-rules.js';

/** `{ "<client id>": "<client secret>" }`, one entry per confidential app of the brand. */
export const CiamClientSecretsSchema = z
  .record(z.string().min(1).max(256), z.string().min(1).max(1024))
  .refine((secrets) => Object.keys(secrets).length <= MAX_CLIENT_IDS, {
    message: `at most ${MAX_CLIENT_IDS} client secrets`,
  })
  .describe(
    "Client secrets of the brand's confidential CIAM apps, by client id (each one of `clientIds`), written to `<SSM_PREFIX>/brands/<brandId>/ciam-clients`; used only to revoke a refresh token at the CIAM (RFC 7009) on app logout. Public apps need none.",
  );
export type CiamClientSecrets = z.infer<typeof CiamClientSecretsSchema>;
