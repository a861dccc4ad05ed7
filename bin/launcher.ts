/**
 * How bin/clearance.js starts the CLI: `clearance run` in a child process whose C library gives large freed buffers
 * back to the system, the other commands in this process.
 *
 * glibc raises its mmap threshold (up to 32 MiB) each time a large buffer is freed; from then on the 0.1-16 MiB
 * buffers of the S3 stand-in, the HTTP bodies and the merges come from per-thread malloc heaps that keep what is
 * freed. With the threshold fixed at 128 KiB they are unmapped when freed: `clearance run` peak RSS 1.03 -> 0.77 GB
 * on 5M rows and 0.72 -> 0.59 GB on 500k, same wall time (docs/local-runtime.md). Not for `clearance classify`: its
 * phase workers allocate and free such buffers at a rate where the unmapping costs time (500k rows: 4.3 -> 5.0 s;
 * with a 1 MiB threshold 4.8 s), and it is already flat (~350 MB on 500k, ~460 MB on 5M). glibc reads tunables
 * when a process starts only, hence the child process; other C libraries ignore the variable.
 */
import { spawn } from 'node:child_process';

export const MMAP_THRESHOLD_TUNABLE = 'glibc.malloc.mmap_threshold=131072';
/** Set in the child's environment: it runs the CLI itself, and ends when its launcher is gone. */
export const LAUNCHED_VARIABLE = 'RECORD_CLEARANCE_LAUNCHED';
const TUNED_COMMANDS = new Set(['run']);
/** `run`'s options with which no embedded stack starts (a deployed stack, or help only): no child is needed. */
const NO_STACK_OPTIONS = new Set(['--aws', '--help', '-h']);
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The environment of the child process that runs `argv`'s command, or undefined to run it in this process: a
 * command other than `run`, `run --aws` or `run --help` (no embedded stack), not on Linux, already in a launched child, or a threshold already chosen
 * (GLIBC_TUNABLES set by the operator wins).
 */
export function childEnvironment(argv: readonly string[], env: NodeJS.ProcessEnv, platform: NodeJS.Platform): NodeJS.ProcessEnv | undefined {
  if (platform !== 'linux' || env[LAUNCHED_VARIABLE] === '1' || !TUNED_COMMANDS.has(argv[2] ?? '')) return undefined;
  if (argv.slice(3).some((arg) => NO_STACK_OPTIONS.has(arg))) return undefined;
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (tunables.includes('malloc.mmap_threshold')) return undefined;
  return { ...env, GLIBC_TUNABLES: tunables === '' ? MMAP_THRESHOLD_TUNABLE : `${tunables}:${MMAP_THRESHOLD_TUNABLE}`, [LAUNCHED_VARIABLE]: '1' };
}

/**
 * Runs the CLI (`runCli`) here, or `script` again in a child process with the child environment. The launcher
 * forwards SIGINT, SIGTERM and SIGHUP and ends as the child did (its exit code, or the same signal); a child whose
 * launcher is gone, killed even with SIGKILL, kills itself rather than go on writing as an orphan.
 */
export function launch(script: string, runCli: () => void): void {
  if (process.env[LAUNCHED_VARIABLE] === '1' && process.channel) {
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGKILL'));
    runCli();
    return;
  }
  const env = childEnvironment(process.argv, process.env, process.platform);
  if (env === undefined) {
    runCli();
    return;
  }
  const child = spawn(process.execPath, [...process.execArgv, script, ...process.argv.slice(2)], {
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.once('error', (error) => {
    process.stderr.write(`clearance: could not start the CLI process: ${error.message}\n`);
    process.exit(2);
  });
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    // The same signal, so that a caller sees how the command ended.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}
