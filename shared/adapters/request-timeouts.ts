// Time limits of every AWS SDK call the functions make. Without them the SDK's Node.js handler waits for a
// connection and an answer as long as the socket lives: a DynamoDB or SSM brownout would then hold each execution
// until Lambda's own timeout, and the designed answers (503 + Retry-After, stale-if-error) would never be given.
// Worst case of one call: maxAttempts x (connection + request timeout) plus the SDK's backoff, about 3.3 s.

export interface AwsRequestTimeouts {
  /** Time to set up the TCP/TLS connection. */
  connectionTimeoutMs: number;
  /** Time for the whole answer once the request is sent (socket inactivity). */
  requestTimeoutMs: number;
  /** Attempts per call, the first one included (the SDK retries throttling, 5xx and timeouts). */
  maxAttempts: number;
}

export const DefaultAwsRequestTimeouts: Readonly<AwsRequestTimeouts> = {
  connectionTimeoutMs: 500,
  requestTimeoutMs: 1_000,
  maxAttempts: 3,
};

/** The client configuration of these limits (`requestHandler` accepts the handler's options object). */
export function timeoutClientConfig(timeouts: AwsRequestTimeouts = DefaultAwsRequestTimeouts) {
  return {
    maxAttempts: timeouts.maxAttempts,
    requestHandler: {
      connectionTimeout: timeouts.connectionTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // This handler version only logs a warning when requestTimeout passes unless told to fail the request.
      throwOnRequestTimeout: true,
    },
  };
}
