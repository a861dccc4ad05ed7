/**
 * The error catalogue: one class per error name the workflow, its handlers and the CLI raise. An error's `name` is
 * what Step Functions' Retry and Catch match, what a failed run records (error.json, the ledger, the run-failed
 * event) and what the CLI turns into its exit code, so each name is written once, here, and every list of names
 * (the state machine's Retry/Catch lists, the CLI's request errors) is built from these classes.
 *
 * Compare errors with `instanceof`. An error that crossed a thread as `{ name, message }` becomes its class again
 * with `revivedError`; an error of another library (the AWS SDK's exceptions) is recognised with `hasErrorName`.
 * This module has no imports: handlers and workers that only need an error type load nothing else.
 */

// ------------------------------------------------------------------------------------------------ run failures

/**
 * A run-level failure with a message for the county's operators (no personal data in it). The run fails as a whole:
 * Assemble records it, or a handler throws it and the state machine's Catch does.
 */
export abstract class RunError extends Error {
  abstract override readonly name: 'InputError' | 'UnknownCountyError' | 'RejectRatioExceeded' | 'InvariantError';
}

/** The request or its input cannot be used: no such file, not a CSV text file, a bad date, county or manifest. */
export class InputError extends RunError {
  static readonly errorName = 'InputError';
  override readonly name = InputError.errorName;
}

/** The extract's rows are of another county than the run's (the county name is the policy's key). */
export class UnknownCountyError extends RunError {
  static readonly errorName = 'UnknownCountyError';
  override readonly name = UnknownCountyError.errorName;
}

/** More rows were rejected than the run's maxRejectRatio allows. */
export class RejectRatioExceeded extends RunError {
  static readonly errorName = 'RejectRatioExceeded';
  override readonly name = RejectRatioExceeded.errorName;
}

/** A broken internal invariant between phases (a bug, not bad input): rows lost between phases, a bad work file. */
export class InvariantError extends RunError {
  static readonly errorName = 'InvariantError';
  override readonly name = InvariantError.errorName;
}

// ------------------------------------------------------------------------------------------------ bad requests

/**
 * A policy that fails validation, or a county without one. `problems` lists every `field: value message`; the
 * message says `invalid policy: <problems>` unless given.
 */
export class PolicyError extends Error {
  static readonly errorName = 'PolicyError';
  override readonly name = PolicyError.errorName;
  constructor(readonly problems: string[], message = `invalid policy: ${problems.join('; ')}`) {
    super(message);
  }
}

/** Report settings (suppression threshold, ...) that fail validation. `problems` as PolicyError's. */
export class ReportSettingsError extends Error {
  static readonly errorName = 'ReportSettingsError';
  override readonly name = ReportSettingsError.errorName;
  constructor(readonly problems: string[]) {
    super(`invalid report settings: ${problems.join('; ')}`);
  }
}

/** A run's review list cannot be read: the run's own output, so a fault of the run, not of a reviewer. */
export class ReviewListError extends Error {
  static readonly errorName = 'ReviewListError';
  override readonly name = ReviewListError.errorName;
}

/**
 * A run's review record (a round's plan, an applied round's file, the rounds' index) that no longer holds what was
 * written: damaged, or changed behind the round being applied. A fault of the stored review state, not of the
 * decision file.
 */
export class ReviewStateError extends Error {
  static readonly errorName = 'ReviewStateError';
  override readonly name = ReviewStateError.errorName;
}

/**
 * A county register's part or manifest that does not hold what this version wrote (docs/monthly.md): damaged, or
 * written by something else. A fault of the stored register, not of the request.
 */
export class RegisterFormatError extends Error {
  static readonly errorName = 'RegisterFormatError';
  override readonly name = RegisterFormatError.errorName;
}

/**
 * A report chart's compiled template does not fit its definition (chart-templates.ts): vega-lite placed a slot where it
 * cannot be fed, or the template is missing or stale. A build fault, raised at build time or on the first render.
 */
export class ChartTemplateError extends Error {
  static readonly errorName = 'ChartTemplateError';
  override readonly name = ChartTemplateError.errorName;
}

/** A missing or bad environment variable of a function: its cold start fails, naming the variable and value. */
export class ConfigError extends Error {
  static readonly errorName = 'ConfigError';
  override readonly name = ConfigError.errorName;
}

// ------------------------------------------------------------------------------------------------ storage

/** No object at `key` in an ObjectStore. */
export class NotFoundError extends Error {
  static readonly errorName = 'NotFoundError';
  override readonly name = NotFoundError.errorName;
  constructor(readonly key: string) {
    super(`no object at ${key}`);
  }
}

/** A work-area file (routed rows, classified rows, slice index) that does not parse: a bug or a damaged object. */
export class FrameFormatError extends Error {
  static readonly errorName = 'FrameFormatError';
  override readonly name = FrameFormatError.errorName;
}

/**
 * A transient failure of S3 or DynamoDB (throttling, 5xx, timeouts, dropped connections) past the SDK's own retries:
 * the state machine retries the task (TRANSIENT_ERRORS).
 */
export class RetryableError extends Error {
  static readonly errorName = 'RetryableError';
  override readonly name = RetryableError.errorName;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The run ledger has no item for a run an update expects to exist. */
export class LedgerError extends Error {
  static readonly errorName = 'LedgerError';
  override readonly name = LedgerError.errorName;
}

// ------------------------------------------------------------------------------------------------ the state machine

/** A task past its timeout: the state machine's own Fail (or Catch result), naming the task and what to change. */
export class TaskTimedOut extends Error {
  static readonly errorName = 'TaskTimedOut';
  override readonly name = TaskTimedOut.errorName;
}

/** A run that ended failed: the state machine's last state, and the CLI's error for a run that did not succeed. */
export class RunFailed extends Error {
  static readonly errorName = 'RunFailed';
  override readonly name = RunFailed.errorName;
}

/** Errors worth a short retry of a task: a handler's transient failure. */
export const TRANSIENT_ERRORS: readonly string[] = [RetryableError.errorName];

/** Errors of the Lambda service itself (not of our handlers), retried with backoff and full jitter. */
export const LAMBDA_SERVICE_ERRORS: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

/** A task past its timeout as Step Functions names it: the state's (States.Timeout) or the function's (Sandbox.Timedout). */
export const TASK_TIMEOUT_ERRORS: readonly string[] = ['States.Timeout', 'Sandbox.Timedout'];

/**
 * A task past its timeout (TASK_TIMEOUT_ERRORS, and Lambda.Unknown: the function's on older runtimes). Not retried by
 * the run's workflow: the same range, partition or run would take as long again; the run fails at once with TaskTimedOut.
 */
export const TIMEOUT_ERRORS: readonly string[] = [...TASK_TIMEOUT_ERRORS, 'Lambda.Unknown'];

/** A distributed map whose failed items exceed its tolerance (the map's own error; the items' causes are elsewhere). */
export const MAP_FAILED_ERROR = 'States.ExceedToleratedFailureThreshold';

// ------------------------------------------------------------------------------------------------ the CLI

/** A request the user can correct (arguments, options, a missing state folder). */
export class UsageError extends Error {
  static readonly errorName = 'UsageError';
  override readonly name = UsageError.errorName;
}

/** Who holds a kept state folder (bin/commands/state-lock.ts). */
export interface StateHolder {
  readonly pid: number;
  readonly command: string;
  readonly since: string;
}

/** A `--keep-state` folder another process is using. */
export class StateInUseError extends Error {
  static readonly errorName = 'StateInUseError';
  override readonly name = StateInUseError.errorName;
  constructor(readonly dir: string, readonly holder: StateHolder) {
    super(`--keep-state ${dir} is in use by process ${holder.pid} (${holder.command}) since ${holder.since}; wait for it to end, or keep this run's state in another folder`);
  }
}

/** A decision file with problems: nothing of it was applied. */
export class DecisionFileRejected extends Error {
  static readonly errorName = 'DecisionFileRejected';
  override readonly name = DecisionFileRejected.errorName;
}

/** Errors of a bad request (the CLI's exit code 2); every other error is a run that failed (exit 1). */
const REQUEST_ERRORS = [UsageError, PolicyError, InputError, StateInUseError, DecisionFileRejected, ReviewListError];

export function isRequestError(error: unknown): boolean {
  return REQUEST_ERRORS.some((requestError) => error instanceof requestError);
}

// ------------------------------------------------------------------------------------------------ across threads

const CATALOGUE: ReadonlyMap<string, { prototype: Error }> = new Map(
  [
    InputError, UnknownCountyError, RejectRatioExceeded, InvariantError, PolicyError, ReportSettingsError, ReviewListError, ReviewStateError,
    ChartTemplateError, RegisterFormatError, ConfigError, NotFoundError, FrameFormatError, RetryableError, LedgerError, TaskTimedOut, RunFailed,
    UsageError, StateInUseError, DecisionFileRejected,
  ].map((errorClass) => [errorClass.errorName, errorClass]),
);

/**
 * The error a worker thread reported as `{ name, message }`, as an instance of its catalogue class (fields other than
 * the message, such as PolicyError's `problems`, stay behind), or a plain Error with that name.
 */
export function revivedError(reported: { name: string; message: string }): Error {
  const error = new Error(reported.message);
  const errorClass = CATALOGUE.get(reported.name);
  if (errorClass !== undefined) Object.setPrototypeOf(error, errorClass.prototype);
  Object.defineProperty(error, 'name', { value: reported.name, writable: true, enumerable: true, configurable: true });
  return error;
}

/** True when `error` is an object named `name`: for errors of other libraries (an AWS SDK exception by its name). */
export function hasErrorName(error: unknown, name: string): boolean {
  return error !== null && typeof error === 'object' && (error as { name?: unknown }).name === name;
}
