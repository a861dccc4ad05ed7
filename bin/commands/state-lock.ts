/**
 * The lock of a `--keep-state` folder: one process at a time opens its embedded S3 and DynamoDB (the DynamoDB
 * stand-in's LevelDB cannot be shared, and a second opener would see "Database is closed"). `<dir>/lock` (0600)
 * names the holder: its pid, command and start time, and, once its stack runs, how to read its ledger, so that
 * `clearance status` reads a running process's ledger through that process instead of opening the files. A lock
 * whose process is gone (killed, crashed) is taken over.
 */
import { promises as fs, readFileSync, unlinkSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { PRIVATE_FILE_MODE, ensurePrivateDir, processAlive } from './private-files';
import { StateInUseError } from '../../lambdas/domain/errors';

const LOCK_FILE = 'lock';

const ledgerAccessSchema = z.object({
  endpoint: z.string(),
  region: z.string(),
  tableName: z.string(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }),
});
export type LedgerAccess = z.infer<typeof ledgerAccessSchema>;

const holderSchema = z.object({
  pid: z.number().int(),
  command: z.string(),
  since: z.string(),
  ledger: ledgerAccessSchema.optional(),
});
export type LockHolder = z.infer<typeof holderSchema>;

export interface StateLock {
  readonly dir: string;
  /** Tells `clearance status` how to read this process's ledger while it runs. */
  publishLedger(ledger: LedgerAccess): Promise<void>;
  release(): Promise<void>;
}

function lockPath(dir: string): string {
  return path.join(dir, LOCK_FILE);
}

/** The live holder of the folder's lock, or undefined (no lock, an unreadable one, or one of a dead process). */
export async function lockHolder(dir: string): Promise<LockHolder | undefined> {
  let text: string;
  try {
    text = await fs.readFile(lockPath(dir), 'utf8');
  } catch {
    return undefined;
  }
  let parsed: ReturnType<typeof holderSchema.safeParse>;
  try {
    parsed = holderSchema.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success || !processAlive(parsed.data.pid) || parsed.data.pid === process.pid) return undefined;
  return parsed.data;
}

/**
 * Takes the lock of `dir` (created owner-only if needed) for `command`, or throws StateInUseError naming the live
 * holder. A lock left by a dead process, or an unreadable one, is replaced.
 */
export async function acquireStateLock(dir: string, command: string): Promise<StateLock> {
  await ensurePrivateDir(dir);
  const file = lockPath(dir);
  const holder: LockHolder = { pid: process.pid, command, since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.writeFile(file, JSON.stringify(holder), { flag: 'wx', mode: PRIVATE_FILE_MODE });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw error;
      const live = await lockHolder(dir);
      if (live) throw new StateInUseError(dir, live);
      await fs.rm(file, { force: true });
    }
  }
  let released = false;
  // A process ending without release() (an uncaught error, process.exit) still gives the folder back.
  const onExit = () => releaseSync(file);
  process.once('exit', onExit);
  return {
    dir,
    async publishLedger(ledger) {
      const temporary = `${file}.${process.pid}.partial`;
      await fs.writeFile(temporary, JSON.stringify({ ...holder, ledger }), { mode: PRIVATE_FILE_MODE });
      await fs.rename(temporary, file);
    },
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      releaseSync(file);
    },
  };
}

/** Removes the lock file if it is still this process's. */
function releaseSync(file: string): void {
  try {
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown };
    if (holder.pid === process.pid) unlinkSync(file);
  } catch {
    // gone already
  }
}
