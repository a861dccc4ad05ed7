/**
 * Assemble's merges on two threads: All_Results.csv in the handler's thread, Prop64_Results.csv and
 * All_Results_Condensed.csv in a worker thread (PARALLEL_MERGES). A 3008 MB function has ~1.7 vCPUs, and the
 * merges were one thread's work: 500k rows on the embedded stack, Assemble 3.6 s in one thread.
 *
 * The worker thread runs the handler's own module (a Lambda bundle is one file), which sees `isMergeThread()`
 * and serves the merge with its own store instead of waiting for events.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mergeResultFiles, PARALLEL_MERGES, ResultFile } from '../domain/pipeline/merge';
import { ObjectStore } from '../domain/pipeline/object-store';
import { RunPlan } from '../domain/pipeline/plan';

interface MergeThreadData {
  mergeThread: { plan: RunPlan; files: readonly ResultFile[] };
}

type MergeThreadResult = { rowsPerFile: number[] } | { error: { name: string; message: string } };

function threadData(): MergeThreadData['mergeThread'] | undefined {
  return isMainThread ? undefined : (workerData as Partial<MergeThreadData> | null)?.mergeThread;
}

/** True in a worker thread started by `mergeOnTwoThreads`. */
export function isMergeThread(): boolean {
  return threadData() !== undefined;
}

/** In a merge thread: runs its merge on `store` and posts the rows per input file, or the error. */
export async function serveMergeThread(store: ObjectStore): Promise<void> {
  const task = threadData()!;
  let result: MergeThreadResult;
  try {
    result = { rowsPerFile: await mergeResultFiles(store, task.plan, task.files) };
  } catch (error) {
    const err = error as Error;
    result = { error: { name: err.name, message: err.message } };
  }
  parentPort!.postMessage(result);
}

/**
 * Runs the merges of `plan` on this thread and a worker thread started from `entry` (a JavaScript module that
 * calls serveMergeThread when isMergeThread()). Both end before it returns or throws, so no merge is left
 * writing behind a retry. Returns rows per input file.
 */
export async function mergeOnTwoThreads(entry: string, store: ObjectStore, plan: RunPlan): Promise<number[]> {
  const [here, there] = PARALLEL_MERGES;
  // The function's environment as this module sees it (where a test runner gives modules their own copy).
  const worker = new Worker(entry, { env: process.env, workerData: { mergeThread: { plan, files: there } } satisfies MergeThreadData });
  const threaded = new Promise<number[]>((resolve, reject) => {
    worker.once('message', (result: MergeThreadResult) => {
      if ('error' in result) reject(Object.assign(new Error(result.error.message), { name: result.error.name }));
      else resolve(result.rowsPerFile);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`Assemble's merge thread exited (code ${code}) before it finished`)));
  });
  const local = mergeResultFiles(store, plan, here);
  // A merge that fails stops the other: the run fails either way.
  local.catch(() => worker.terminate());
  threaded.catch(() => undefined);
  const [mine, theirs] = await Promise.allSettled([local, threaded]);
  await worker.terminate();
  if (mine.status === 'rejected') throw mine.reason;
  if (theirs.status === 'rejected') throw theirs.reason;
  return mine.value;
}
