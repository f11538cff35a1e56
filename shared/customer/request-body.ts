// Request bodies of the post-auth routes: strict zod parsing mapped to 400 VALIDATION_FAILED field issues.
import { z } from 'zod';
import { toFieldIssues } from '../config/brand-config.js';
import { ValidationError } from '../errors.js';

/** Body of session, profile and identifier sync: only an optional ID token. */
export const IdTokenBodySchema = z.strictObject({ idToken: z.string().min(1).max(16_384).optional() });

/** Parses a body with a strict zod schema; 400 VALIDATION_FAILED naming each bad or unknown field. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw new ValidationError('Request body is invalid', toFieldIssues(result.error));
  return result.data;
}
