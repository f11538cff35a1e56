// The API Gateway request id of the invocation being served, so every log line of a function (its logger's, the
// audit trail's, the EMF metric lines) carries the id the stage's access log has: one search over both log
// groups follows a request. Held in AsyncLocalStorage, so concurrent invocations in one process (the local
// emulator) keep their own.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Logger } from './logger.js';

/** The log key of the request id: the same name as the access log's field. */
export const REQUEST_ID_KEY = 'requestId';

const storage = new AsyncLocalStorage<{ requestId: string }>();

/** The request id of the invocation being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

interface InvocationLike {
  event: unknown;
  context?: { awsRequestId?: string } | undefined;
}

/** API Gateway's `requestContext.requestId` (REST proxy and REQUEST authorizer events), else Lambda's id. */
function apiRequestIdOf(event: unknown, context?: { awsRequestId?: string }): string {
  const requestContext =
    typeof event === 'object' && event !== null ? (event as { requestContext?: unknown }).requestContext : undefined;
  const id =
    typeof requestContext === 'object' && requestContext !== null
      ? (requestContext as { requestId?: unknown }).requestId
      : undefined;
  return typeof id === 'string' && id !== '' ? id : (context?.awsRequestId ?? '');
}

/**
 * Runs a Lambda handler with the invocation's request id as the current one (for the audit and metric lines);
 * wrap the whole handler so the id never leaks into the caller's context.
 */
export function withRequestId<E, C extends { awsRequestId?: string } | undefined, R>(
  handler: (event: E, context: C) => Promise<R>,
): (event: E, context: C) => Promise<R> {
  return (event, context) => storage.run({ requestId: apiRequestIdOf(event, context) }, () => handler(event, context));
}

/**
 * A middy middleware (use it after the logger's injectLambdaContext, which removes the key again after the
 * invocation): the request id on every line of `logger`.
 */
export function requestIdMiddleware(logger: Pick<Logger, 'appendKeys'>) {
  return {
    before: (request: InvocationLike): void => {
      const requestId = currentRequestId() ?? apiRequestIdOf(request.event, request.context);
      if (requestId !== '') logger.appendKeys({ [REQUEST_ID_KEY]: requestId });
    },
  };
}
