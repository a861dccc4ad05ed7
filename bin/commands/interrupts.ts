/**
 * SIGINT (Ctrl-C) and SIGTERM while a command works: its cleanup runs once (stop the embedded stack or the
 * workers, remove staged, temporary and partial files), one line on stderr says what was interrupted and what was
 * kept, and the process exits with the signal's status (130, 143), as a shell reports a process the signal ended.
 */
export const SIGNAL_EXIT_CODES: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = { SIGINT: 130, SIGTERM: 143 };
const HANDLED_SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as Array<keyof typeof SIGNAL_EXIT_CODES>;
/** A cleanup that hangs (a worker that does not stop) must not keep an interrupted command alive. */
export const CLEANUP_LIMIT_MS = 20_000;

let interrupting: NodeJS.Signals | undefined;

/** The signal being handled, once one arrived: the command's own failure (its stack stopped under it) is not reported. */
export function interruptedBy(): NodeJS.Signals | undefined {
  return interrupting;
}

/**
 * Resolves at once unless an interrupt is being handled; then never: the command's work stops where it is (its
 * stack was stopped under it) and the handler ends the process.
 */
export function haltIfInterrupted(): Promise<void> {
  return interrupting ? new Promise<void>(() => undefined) : Promise.resolve();
}

export interface InterruptGuard {
  /** The command has ended: signals are no longer handled here. */
  dispose(): void;
}

type Cleanup = (signal: NodeJS.Signals) => Promise<string>;

/** What the command running now must undo when interrupted (guardInterrupts); none before it starts its work. */
let current: Cleanup | undefined;
let installed = false;

function handle(signal: NodeJS.Signals): void {
  if (interrupting) return; // the launcher forwards the Ctrl-C a terminal also sends to its child
  interrupting = signal;
  const code = SIGNAL_EXIT_CODES[signal as keyof typeof SIGNAL_EXIT_CODES];
  const cleanup = current ?? (async () => 'stopped before it wrote anything');
  const limit = setTimeout(() => {
    process.stderr.write(`clearance: interrupted (${signal}); cleaning up took over ${CLEANUP_LIMIT_MS / 1000} s, stopped\n`);
    process.exit(code);
  }, CLEANUP_LIMIT_MS);
  cleanup(signal)
    .then(
      (line) => process.stderr.write(`clearance: interrupted (${signal}): ${line}\n`),
      (error: unknown) => process.stderr.write(`clearance: interrupted (${signal}); cleaning up failed: ${(error as Error).message}\n`),
    )
    .finally(() => {
      clearTimeout(limit);
      process.exit(code);
    });
}

/** From now on SIGINT and SIGTERM end this process with 130 / 143, after the current command's cleanup. */
export function handleInterrupts(): void {
  if (installed) return;
  installed = true;
  for (const signal of HANDLED_SIGNALS) process.on(signal, handle);
}

/**
 * What to undo if SIGINT or SIGTERM arrives before the guard is disposed. `cleanup` returns the line to print:
 * what was interrupted, what was removed, what was kept.
 */
export function guardInterrupts(cleanup: Cleanup): InterruptGuard {
  handleInterrupts();
  current = cleanup;
  return {
    dispose() {
      if (current === cleanup) current = undefined;
    },
  };
}
