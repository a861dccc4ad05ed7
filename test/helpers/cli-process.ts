/** The `clearance` CLI as a user runs it: a child process from the project root, its TMPDIR ours to inspect. */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI = path.join(ROOT, 'bin/clearance.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** The child's environment: this one, with `tmp` as its temporary folder (nothing may be left in it). */
export function cliEnv(tmp: string): NodeJS.ProcessEnv {
  return { ...process.env, TMPDIR: tmp, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

/** Runs `clearance ...args` to its end. */
export function runClearance(tmp: string, args: readonly string[]): CliResult {
  const started = Date.now();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: cliEnv(tmp) });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, seconds: (Date.now() - started) / 1000 };
}
