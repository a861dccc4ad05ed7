/**
 * Error naming for the AWS adapters. Step Functions retries a task on `RetryableError` (workflow contract), so a
 * transient failure of S3 or DynamoDB (throttling, 5xx, timeouts, dropped connections) is rethrown under that name;
 * every other error keeps its own name, so Catch and the error report can say what went wrong.
 */
import { RetryableError } from '../domain/errors';

/** Error names (SDK exception names and S3 error codes) that describe a condition that passes. */
const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalError',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'OperationAborted',
]);

/** Node and undici socket error codes: the request may well succeed on another attempt. */
const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The same codes in a message: the SDK wraps errors from another realm (e.g. a test VM) as text. */
const TRANSIENT_MESSAGE = new RegExp(`\\b(?:${[...TRANSIENT_CODES].join('|')})\\b|socket hang up|Premature close`);

interface SdkLikeError {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  cause?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** True for throttling, server-side (5xx, 429), timeout and connection errors. */
export function isTransientError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const candidate = error as SdkLikeError;
  if (typeof candidate.name === 'string' && TRANSIENT_NAMES.has(candidate.name)) return true;
  if (typeof candidate.code === 'string' && TRANSIENT_CODES.has(candidate.code)) return true;
  if (candidate.$retryable) return true;
  if (typeof candidate.message === 'string' && TRANSIENT_MESSAGE.test(candidate.message)) return true;
  if (candidate.cause !== undefined && candidate.cause !== error && isTransientError(candidate.cause)) return true;
  const status = candidate.$metadata?.httpStatusCode;
  return typeof status === 'number' && (status >= 500 || status === 429);
}

/**
 * The error to throw for a failed AWS call: a RetryableError (keeping the original as `cause`) when it is
 * transient, else the error itself, unchanged. `what` says which call and object, e.g. `GetObject runs/x/plan.json`.
 */
export function retryableOrOriginal(error: unknown, what: string): unknown {
  if (error instanceof RetryableError || !isTransientError(error)) return error;
  const { name, message } = error as Error;
  return new RetryableError(`${what}: ${String(name)}: ${String(message)}`, { cause: error });
}
