import { isTransientError, retryableOrOriginal } from '../../../lambdas/adapters/errors';
import { RetryableError } from '../../../lambdas/domain/errors';

function sdkError(name: string, status?: number, extra: Record<string, unknown> = {}): Error {
  const error = new Error(`${name} happened`);
  error.name = name;
  return Object.assign(error, { $metadata: status === undefined ? {} : { httpStatusCode: status } }, extra);
}

describe('transient error classification', () => {
  it.each([
    ['SlowDown', 503],
    ['ThrottlingException', 400],
    ['ProvisionedThroughputExceededException', 400],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['RequestTimeout', 400],
    ['TimeoutError', undefined],
    ['Unknown', 502],
    ['TooManyRequests', 429],
  ])('%s (HTTP %s) is transient', (name, status) => {
    expect(isTransientError(sdkError(name, status))).toBe(true);
  });

  it.each([
    ['NoSuchKey', 404],
    ['AccessDenied', 403],
    ['ValidationException', 400],
    ['ConditionalCheckFailedException', 400],
    ['PolicyError', undefined],
    ['RangeError', undefined],
  ])('%s (HTTP %s) is not', (name, status) => {
    expect(isTransientError(sdkError(name, status))).toBe(false);
  });

  it('recognises connection failures by code, by a wrapped cause and by message', () => {
    expect(isTransientError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isTransientError(new Error('AWS SDK error wrapper for Error: connect ECONNREFUSED 127.0.0.1:1'))).toBe(true);
    expect(isTransientError(new Error('outer', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) }))).toBe(true);
    expect(isTransientError(sdkError('NetworkingError', undefined, { $retryable: { throttling: false } }))).toBe(true);
    expect(isTransientError('ECONNRESET')).toBe(false);
    expect(isTransientError(null)).toBe(false);
  });

  it('wraps a transient error as RetryableError saying which call failed, and leaves others alone', () => {
    const cause = sdkError('SlowDown', 503);
    const wrapped = retryableOrOriginal(cause, 'GetObject runs/r/plan.json') as RetryableError;
    expect(wrapped).toBeInstanceOf(RetryableError);
    expect(wrapped.name).toBe('RetryableError');
    expect(wrapped.message).toBe('GetObject runs/r/plan.json: SlowDown: SlowDown happened');
    expect(wrapped.cause).toBe(cause);
    expect(retryableOrOriginal(wrapped, 'again')).toBe(wrapped);
    const permanent = sdkError('AccessDenied', 403);
    expect(retryableOrOriginal(permanent, 'GetObject x')).toBe(permanent);
  });
});
