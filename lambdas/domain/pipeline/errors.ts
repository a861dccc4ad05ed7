/**
 * Run-level failures. Kept apart from the phases' code so that a handler or worker that only needs the error type
 * does not load Assemble (its policy schema and report modules cost ~0.3 s of start-up).
 */
/** A run-level failure with a message for the county's operators (no personal data in it). */
export class RunError extends Error {
  constructor(override readonly name: 'UnknownCountyError' | 'RejectRatioExceeded' | 'InputError' | 'InvariantError', message: string) {
    super(message);
  }
}
