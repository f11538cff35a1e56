// The one schema of a brand's Capillary credentials, as the admin API writes them to SSM and the client reads
// them back: `{key, secret}` for authMode `oauth`, `{tillId, password}` for `basic`.
import { z } from 'zod';

export const OAuthSecretSchema = z.strictObject({
  key: z.string().min(1).max(1024),
  secret: z.string().min(1).max(1024),
});
export const BasicSecretSchema = z.strictObject({
  tillId: z.string().min(1).max(256),
  password: z.string().min(1).max(1024),
});
export const CapillarySecretSchema = z.union([OAuthSecretSchema, BasicSecretSchema]);

export type OAuthSecret = z.infer<typeof OAuthSecretSchema>;
export type BasicSecret = z.infer<typeof BasicSecretSchema>;
export type CapillarySecret = z.infer<typeof CapillarySecretSchema>;
