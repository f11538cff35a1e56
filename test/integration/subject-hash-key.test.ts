// The stage's subject-hash key is read from SSM (SecureString, decrypted) by the runtime on the first hash and
// kept; the authorizer's principal and context carry the keyed hash. Without the setting a process-only key is
// used, never the plain digest. Against the local SSM server.
import { createHash } from 'node:crypto';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalSsm, startLocalSsm } from '../../local/local-ssm.js';
import { hashSubject } from '../../shared/audit/redaction.js';
import { loadSettings } from '../../shared/env.js';
import { createCoreRuntime } from '../../shared/runtime/core-runtime.js';

const env = {
  STAGE: 'test',
  LOG_LEVEL: 'SILENT',
  BRANDS_TABLE: 'b',
  LINKS_TABLE: 'l',
  REVOCATIONS_TABLE: 'r',
  SSM_PREFIX: '/ciam-gateway/test',
  CONFIG_CACHE_TTL_SECONDS: '60',
  CONFIG_STALE_IF_ERROR_SECONDS: '900',
  REVOCATION_CACHE_TTL_SECONDS: '5',
  AUTHORIZER_CACHE_TTL_SECONDS: '300',
  CORS_ALLOWED_ORIGINS: '',
};

describe('the subject-hash key', () => {
  let ssm: LocalSsm;
  const saved = { ...process.env };
  beforeAll(async () => {
    ssm = await startLocalSsm();
    Object.assign(process.env, {
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    });
    const client = new SSMClient({});
    await client.send(
      new PutParameterCommand({ Name: '/ciam-gateway/test/subject-key', Value: 'the-stage-key', Type: 'SecureString' }),
    );
    client.destroy();
  });
  afterAll(async () => {
    process.env = saved;
    await ssm.close();
  });

  it('is read from SSM with decryption and hashes every user of the stage alike', async () => {
    const settings = loadSettings({ ...env, SUBJECT_HASH_KEY_PARAMETER: '/ciam-gateway/test/subject-key' });
    const first = createCoreRuntime(settings);
    const second = createCoreRuntime(settings);
    const hash = await first.subjectHasher('demo', 'user-1');
    expect(hash).toBe(hashSubject('the-stage-key', 'demo', 'user-1'));
    expect(await second.subjectHasher('demo', 'user-1')).toBe(hash);
  });

  it('gives no hash (the line goes without it) while the key cannot be read, and says so', async () => {
    const errors: unknown[] = [];
    const settings = loadSettings({ ...env, SUBJECT_HASH_KEY_PARAMETER: '/ciam-gateway/test/missing' });
    const runtime = createCoreRuntime(settings, { onSubjectKeyError: (error) => errors.push(error) });
    expect(await runtime.subjectHasher('demo', 'user-1')).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('falls back to a key of the process, never the plain digest, without the setting', async () => {
    const runtime = createCoreRuntime(loadSettings(env));
    const plain = createHash('sha256').update('demo\u0000user-1').digest('hex').slice(0, 16);
    const hash = await runtime.subjectHasher('demo', 'user-1');
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(hash).not.toBe(plain);
    expect(await createCoreRuntime(loadSettings(env)).subjectHasher('demo', 'user-1')).not.toBe(hash);
  });
});
