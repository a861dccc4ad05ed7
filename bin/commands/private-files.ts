/**
 * What the CLI writes may hold personal data (extracts, results, the embedded state): it is created owner-only,
 * 0700 folders and 0600 files, whatever the operator's umask. Temporary files of a run live in the run's own
 * private folder in the system's temporary directory (`clearance-<pid>-XXXXXX`), removed when the run ends or is
 * interrupted; folders of processes that died without removing theirs are swept when the next command starts.
 */
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;
/** Group and others get no permission on anything this process creates (worker threads included). */
export const PRIVATE_UMASK = 0o077;

const TEMP_PREFIX = 'clearance-';
/** `clearance-<pid>-<random>`: the pid tells whether its owner still runs. */
const TEMP_NAME = /^clearance-(\d+)-[A-Za-z0-9]+$/;

/** From now on this process creates files 0600 and folders 0700 (unless a call asks for less). */
export function restrictUmask(): void {
  process.umask(PRIVATE_UMASK);
}

/**
 * Whether a process with this id runs (one of another user counts: it may not be signalled, but it exists). A
 * zombie does not: a killed orphan stays one until init reaps it, which in a container may be never.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // /proc/<pid>/stat: "pid (command) state ..."; the command may hold spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): the signal answered
  }
}

/** Creates `dir` (and its parents) if needed and makes it owner-only, also when it existed already. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await fs.chmod(dir, PRIVATE_DIR_MODE);
}

/** Makes every file under `dir` 0600 and every folder 0700 (what an earlier version of the CLI left readable). */
export async function restrictTree(dir: string): Promise<void> {
  await fs.chmod(dir, PRIVATE_DIR_MODE);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await restrictTree(full);
    else if (entry.isFile()) await fs.chmod(full, PRIVATE_FILE_MODE);
  }
}

export interface RunTempDir {
  readonly path: string;
  remove(): Promise<void>;
}

/**
 * The run's private temporary folder (0700). With `becomeTmpdir`, this process's TMPDIR points into it, so that
 * every temporary file made from now on (the S3 stand-in's folder, staged inputs, the generated sample) lands in
 * it and goes with it.
 */
export async function createRunTempDir(options: { becomeTmpdir?: boolean } = {}): Promise<RunTempDir> {
  const systemTmp = os.tmpdir();
  const dir = await fs.mkdtemp(path.join(systemTmp, `${TEMP_PREFIX}${process.pid}-`));
  await fs.chmod(dir, PRIVATE_DIR_MODE);
  const previous = process.env.TMPDIR;
  if (options.becomeTmpdir) process.env.TMPDIR = dir;
  let removed: Promise<void> | undefined;
  return {
    path: dir,
    remove() {
      removed ??= (async () => {
        if (options.becomeTmpdir) {
          if (previous === undefined) delete process.env.TMPDIR;
          else process.env.TMPDIR = previous;
        }
        await fs.rm(dir, { recursive: true, force: true });
      })();
      return removed;
    },
  };
}

/** Removes the `clearance-<pid>-*` folders of processes that are gone; returns the folders removed. */
export async function sweepStaleTempDirs(tmp: string = os.tmpdir()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fs.readdir(tmp);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = TEMP_NAME.exec(name);
    if (!match || Number(match[1]) === process.pid || processAlive(Number(match[1]))) continue;
    const full = path.join(tmp, name);
    // Another user's folder (a shared /tmp) cannot be removed and is not ours to judge: skipped.
    const removedOne = await fs.rm(full, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    if (removedOne) removed.push(full);
  }
  return removed;
}
