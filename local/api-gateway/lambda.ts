// Calling a Lambda handler as the service does: its context object, the integration timeout, and reading a
// proxy integration result the way API Gateway does (malformed -> 502).
import type { Context } from 'aws-lambda';
import { isRecord } from '../../shared/lang/is-record.js';
import type { GatewayAnswer } from './types.js';

export const TIMED_OUT = Symbol('timed out');

/** Races a call against the timeout; TIMED_OUT when the timeout wins (the call itself is not stopped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function lambdaContext(functionName: string, requestId: string, timeoutMs: number): Context {
  const started = Date.now();
  const fail = () => {
    throw new Error('callback-style Lambda APIs are not supported locally');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)),
    done: fail,
    fail,
    succeed: fail,
  };
}

/** Parses a proxy integration result; undefined when API Gateway would call it malformed (-> 502). */
export function toAnswer(result: unknown): GatewayAnswer | undefined {
  if (!isRecord(result)) return undefined;
  const status = result.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  const headers: Record<string, string | string[]> = {};
  if (result.headers !== undefined && result.headers !== null) {
    if (!isRecord(result.headers)) return undefined;
    for (const [name, value] of Object.entries(result.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return undefined;
      headers[name.toLowerCase()] = String(value);
    }
  }
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders)) return undefined;
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (!Array.isArray(values)) return undefined;
      headers[name.toLowerCase()] = values.map(String);
    }
  }
  const body = result.body;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  const base64 = result.isBase64Encoded;
  if (base64 !== undefined && typeof base64 !== 'boolean') return undefined;
  const text = body ?? '';
  return { status, headers, body: base64 ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}
