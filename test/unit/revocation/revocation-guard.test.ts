import { describe, expect, it } from 'vitest';
import { ErrorCodes, UnauthorizedError, UpstreamError } from '../../../shared/errors.js';
import { createAuthenticatedApiHandler } from '../../../shared/http/api-handler.js';
import { jsonResponse } from '../../../shared/http/responses.js';
import { createLogger } from '../../../shared/observability/logger.js';
import { InMemoryRevocationStore } from '../../../shared/revocation/in-memory-revocation-store.js';
import { createRevocationGuard } from '../../../shared/revocation/revocation-guard.js';
import { authorizedEvent, lambdaContext, sampleAuth } from '../../support/events.js';

describe('createRevocationGuard', () => {
  it('lets a token through that nothing revoked', async () => {
    const guard = createRevocationGuard(new InMemoryRevocationStore());
    await expect(guard(sampleAuth())).resolves.toBeUndefined();
  });

  it('refuses a token of a revoked session with 401 TOKEN_REVOKED and reports the reason', async () => {
    // Arrange
    const store = new InMemoryRevocationStore();
    await store.revokeSession('demo', 'sid-1', Math.floor(Date.now() / 1000) + 60);
    const seen: string[] = [];
    const guard = createRevocationGuard(store, { onRevoked: (_auth, reason) => seen.push(reason) });
    // Act
    const error = await guard(sampleAuth()).catch((caught: unknown) => caught);
    // Assert
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ code: ErrorCodes.TOKEN_REVOKED, status: 401 });
    expect(seen).toEqual(['SESSION_REVOKED']);
  });

  it('fails closed with 503 UPSTREAM_UNAVAILABLE when the revocation list cannot be read', async () => {
    const guard = createRevocationGuard({
      check: async () => {
        throw new Error('ProvisionedThroughputExceededException');
      },
    });
    const error = await guard(sampleAuth()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: ErrorCodes.UPSTREAM_UNAVAILABLE, status: 503, retryAfterSeconds: 1 });
  });

  it('makes an authenticated handler answer 401 TOKEN_REVOKED at once after a logout, without running it', async () => {
    // Arrange
    const store = new InMemoryRevocationStore();
    let ran = 0;
    const handler = createAuthenticatedApiHandler(
      { logger: createLogger('test'), guards: [createRevocationGuard(store)] },
      async () => {
        ran++;
        return jsonResponse(200, { ok: true });
      },
    );
    const auth = sampleAuth({ sid: '', jti: 'jti-9' });
    expect((await handler(authorizedEvent(auth), lambdaContext)).statusCode).toBe(200);
    // Act
    await store.revokeToken('demo', 'jti-9', Math.floor(Date.now() / 1000) + 60);
    const result = await handler(authorizedEvent(auth), lambdaContext);
    // Assert
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body).error.code).toBe('TOKEN_REVOKED');
    expect(ran).toBe(1);
  });
});
