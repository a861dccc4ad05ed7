/**
 * Assemble's merges on two threads: All_Results.csv in a worker thread, Prop64_Results.csv and
 * All_Results_Condensed.csv in the handler's thread, which also writes the court lists meanwhile (PARALLEL_MERGES;
 * with All_Results.csv in the handler's thread, the worker thread ended ~0.5 s before it at 500k rows). A 3008 MB function has ~1.7 vCPUs, and the
 * merges were one thread's work: 500k rows on the embedded stack, Assemble 3.6 s in one thread.
 *
 * The worker thread runs the handler's own module (a Lambda bundle is one file), which sees `isMergeThread()`
 * and serves the merge it is sent with its own store.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mergeResultFiles, PARALLEL_MERGES, ResultFile } from '../domain/pipeline/merge';
import { ObjectStore } from '../domain/pipeline/object-store';
import { RunPlan } from '../domain/pipeline/plan';
import { revivedError } from '../domain/errors';

interface MergeThreadData {
  mergeThread: true;
}

interface MergeTask {
  plan: RunPlan;
  files: readonly ResultFile[];
}

type MergeThreadResult = { rowsPerFile: number[] } | { error: { name: string; message: string } };

/** True in a worker thread started by `startMergeThread`. */
export function isMergeThread(): boolean {
  return !isMainThread && (workerData as Partial<MergeThreadData> | null)?.mergeThread === true;
}

/** In a merge thread: runs the merge it is sent on `store` and posts the rows per input file, or the error. */
export function serveMergeThread(store: ObjectStore): void {
  parentPort!.once('message', async (task: MergeTask) => {
    let result: MergeThreadResult;
    try {
      result = { rowsPerFile: await mergeResultFiles(store, task.plan, task.files) };
    } catch (error) {
      const err = error as Error;
      result = { error: { name: err.name, message: err.message } };
    }
    parentPort!.postMessage(result);
  });
}

export interface MergeThread {
  /** Runs one merge in the thread; rows per input file. */
  merge(plan: RunPlan, files: readonly ResultFile[]): Promise<number[]>;
  /** Ends the thread (also while it merges). */
  stop(): Promise<void>;
}

/**
 * Starts a merge thread from `entry` (a JavaScript module that calls serveMergeThread when isMergeThread()).
 * Started at the beginning of Assemble, it loads its modules (~0.3 s) while Assemble reads the split results.
 */
export function startMergeThread(entry: string): MergeThread {
  // The function's environment as this module sees it (where a test runner gives modules their own copy).
  const worker = new Worker(entry, { env: process.env, workerData: { mergeThread: true } satisfies MergeThreadData });
  const ended = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`Assemble's merge thread exited (code ${code}) before it finished`)));
  });
  ended.catch(() => undefined);
  return {
    merge(plan, files) {
      const result = new Promise<number[]>((resolve, reject) => {
        worker.once('message', (message: MergeThreadResult) => {
          if ('error' in message) reject(revivedError(message.error));
          else resolve(message.rowsPerFile);
        });
      });
      worker.postMessage({ plan, files } satisfies MergeTask);
      return Promise.race([result, ended]);
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/**
 * Runs the merges of `plan` on this thread and on `thread`. Both end before it returns or throws, so no merge is
 * left writing behind a retry. Returns rows per input file.
 */
export async function mergeOnTwoThreads(thread: MergeThread, store: ObjectStore, plan: RunPlan): Promise<number[]> {
  const [there, here] = PARALLEL_MERGES;
  const threaded = thread.merge(plan, there);
  const local = mergeResultFiles(store, plan, here);
  // A merge that fails stops the other: the run fails either way.
  local.catch(() => thread.stop());
  threaded.catch(() => undefined);
  const [mine, theirs] = await Promise.allSettled([local, threaded]);
  await thread.stop();
  if (mine.status === 'rejected') throw mine.reason;
  if (theirs.status === 'rejected') throw theirs.reason;
  return theirs.value;
}
