/**
 * The error catalogue (lambdas/domain/errors.ts): an error that crossed a thread is its class again, the CLI's
 * request errors are told from failed runs, and foreign errors are recognised by name.
 */
import {
  DecisionFileRejected, hasErrorName, InputError, InvariantError, isRequestError, LedgerError, NotFoundError, PolicyError, RejectRatioExceeded,
  RetryableError, revivedError, RunError, RunFailed, StateInUseError, TaskTimedOut, TRANSIENT_ERRORS, UnknownCountyError, UsageError,
} from '../../lambdas/domain/errors';
import * as catalogue from '../../lambdas/domain/errors';

describe('revivedError', () => {
  it.each([
    [new InputError('part-2.csv: no such input file'), InputError],
    [new RejectRatioExceeded('7 of 10 rows rejected'), RejectRatioExceeded],
    [new PolicyError(['felonies: "x" is not a boolean']), PolicyError],
    [new NotFoundError('runs/r/plan.json'), NotFoundError],
    [new RetryableError('GetObject runs/r/plan.json: SlowDown: reduce your request rate'), RetryableError],
  ] as const)('gives back %s as an instance of its class, with its name and message', (original, errorClass) => {
    const revived = revivedError({ name: original.name, message: original.message });
    expect(revived).toBeInstanceOf(errorClass);
    expect([revived.name, revived.message]).toEqual([original.name, original.message]);
    expect(JSON.parse(JSON.stringify(revived))).toEqual({ name: original.name });
  });

  it('gives back every class of the catalogue as itself', () => {
    const classes = Object.values(catalogue).filter(
      (value): value is typeof InputError => typeof value === 'function' && typeof (value as { errorName?: unknown }).errorName === 'string',
    );
    expect(classes.length).toBeGreaterThanOrEqual(18);
    for (const errorClass of classes) expect({ name: errorClass.errorName, revived: revivedError({ name: errorClass.errorName, message: 'm' }) instanceof errorClass }).toEqual({ name: errorClass.errorName, revived: true });
  });

  it('keeps a name the catalogue does not know on a plain Error', () => {
    const revived = revivedError({ name: 'Runtime.TooManyOpenFiles', message: 'EMFILE' });
    expect(Object.getPrototypeOf(revived)).toBe(Error.prototype);
    expect([revived.name, revived.message]).toEqual(['Runtime.TooManyOpenFiles', 'EMFILE']);
  });

  it('makes the run-level errors RunErrors again', () => {
    for (const error of [new InputError('a'), new UnknownCountyError('b'), new RejectRatioExceeded('c'), new InvariantError('d')]) {
      expect(revivedError(error)).toBeInstanceOf(RunError);
    }
  });
});

describe('isRequestError', () => {
  it('tells a request the user can correct from a run that failed', () => {
    const requests = [new UsageError('--out'), new PolicyError(['x']), new InputError('y'), new StateInUseError('/s', { pid: 1, command: 'run', since: 'now' }), new DecisionFileRejected('z')];
    const failures = [new RunFailed('the run failed'), new RejectRatioExceeded('r'), new LedgerError('l'), new TaskTimedOut('t'), new Error('other')];
    expect(requests.map(isRequestError)).toEqual(requests.map(() => true));
    expect(failures.map(isRequestError)).toEqual(failures.map(() => false));
    expect(isRequestError(revivedError({ name: 'PolicyError', message: 'invalid policy: x' }))).toBe(true);
  });
});

describe('names', () => {
  it('are what Retry and Catch match: a RetryableError is retried, an SDK exception is recognised by its name', () => {
    expect(TRANSIENT_ERRORS).toContain(new RetryableError('x').name);
    expect(TRANSIENT_ERRORS).not.toContain(new InputError('x').name);
    const sdkError = Object.assign(new Error('conditional request failed'), { name: 'ConditionalCheckFailedException' });
    expect(hasErrorName(sdkError, 'ConditionalCheckFailedException')).toBe(true);
    expect(hasErrorName(sdkError, 'ResourceInUseException')).toBe(false);
    expect(hasErrorName(undefined, 'ConditionalCheckFailedException')).toBe(false);
  });

  it('keep a PolicyError message given in place of the problems list', () => {
    expect(new PolicyError(['no policy for county "NAPA"'], 'no policy for county "NAPA"').message).toBe('no policy for county "NAPA"');
    expect(new PolicyError(['a', 'b']).message).toBe('invalid policy: a; b');
  });
});
