// The subject-hash key of tests: the stage's secret in a deployment, a fixed value here so tests can predict hashes.
import { keyedSubjectHasher } from '../../shared/audit/subject-hasher.js';

export const TEST_SUBJECT_KEY = 'test-subject-hash-key-of-256-bits-0123456789';
export const testSubjectHasher = keyedSubjectHasher(async () => TEST_SUBJECT_KEY);
