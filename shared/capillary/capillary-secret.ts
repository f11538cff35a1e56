// The one schema of a brand's Capillary credentials, as the admin API writes them to SSM and the client reads
// them back: `{key, secret}` for authMode `oauth`, `{tillId, password}` for `basic`.
import { z } from 'zod';

export const OAuthSecretSchema = z.strictObject({
  key: z.string().min(1).max(1024).describe('OAuth client key of the Capillary integration.'),
  secret: z.string().min(1).max(1024).describe('OAuth client secret of the Capillary integration.'),
});
export const BasicSecretSchema = z.strictObject({
  tillId: z.string().min(1).max(256).describe('Till (store) user name for basic auth.'),
  password: z.string().min(1).max(1024).describe('Till password (sent as its MD5, as Capillary expects).'),
});
export const CapillarySecretSchema = z.union([OAuthSecretSchema, BasicSecretSchema]);

export type CapillarySecret = z.infer<typeof CapillarySecretSchema>;
