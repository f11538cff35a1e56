// The subject hash of logs and audit lines, keyed with the stage's secret (SUBJECT_HASH_KEY_PARAMETER, created
// by the stack, read with decryption at run time and never kept in the environment). A function without the
// setting (tools, tests, a local run) hashes under a key made for its own process: hashes then correlate within
// that process only, and are never the plain, recomputable digest of a `sub`.
import { randomBytes } from 'node:crypto';
import { hashSubject } from './redaction.js';

/** The keyed hash of one user, or undefined while the key cannot be read (the line is then written without it). */
export type SubjectHasher = (brandId: string, sub: string) => Promise<string | undefined>;

/** Hashes under the key `loadKey` reads (the caller caches it); a failed read is reported and gives undefined. */
export function keyedSubjectHasher(
  loadKey: () => Promise<string>,
  onKeyError: (error: unknown) => void = () => undefined,
): SubjectHasher {
  return async (brandId, sub) => {
    let key: string;
    try {
      key = await loadKey();
    } catch (error) {
      onKeyError(error);
      return undefined;
    }
    return hashSubject(key, brandId, sub);
  };
}

/** A key of 256 random bits made for this process only. */
export function processSubjectHasher(): SubjectHasher {
  const key = randomBytes(32);
  return async (brandId, sub) => hashSubject(key, brandId, sub);
}
