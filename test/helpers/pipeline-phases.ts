/**
 * A run's phases one at a time on an in-memory store (what runInProcess chains), for the suites of the modules
 * between them: Plan and Split of a generated extract in several ranges, partitions and output slices, then as far
 * as the suite needs.
 */
import { classifyPartition } from '../../lambdas/domain/pipeline/classify-partition';
import { createPlan, RunPlan, RunRequest } from '../../lambdas/domain/pipeline/plan';
import { indexSlices } from '../../lambdas/domain/pipeline/slice-index';
import { splitRange, SplitResult } from '../../lambdas/domain/pipeline/split';
import { generateExtract } from '../../tools/generator';
import { MemoryObjectStore } from './memory-store';

export interface PhasedRun {
  store: MemoryObjectStore;
  request: RunRequest;
  plan: RunPlan;
  /** The extract as uploaded. */
  extract: string;
}

/** A generated extract of `people` planned in ranges of about `rangeBytes` (in `store`, beside an earlier run). */
export async function plannedRun(people = 40, rangeBytes = 40_000, extra: Partial<RunRequest> = {}, store = new MemoryObjectStore()): Promise<PhasedRun> {
  const extract = [...generateExtract({ county: 'SUTTER', people, seed: 5 })].join('');
  store.put('uploads/x.csv', extract);
  const request: RunRequest = {
    runId: 'phases', county: 'SUTTER', policy: 'reference-default', computeAt: '2020-07-01', files: [{ key: 'uploads/x.csv', name: 'x.csv' }],
    sizing: { targetRangeBytes: rangeBytes, targetPartitionBytes: rangeBytes * 2, targetSliceBytes: rangeBytes * 2 },
    workPrefix: 'work/phases/', resultsPrefix: 'results/phases/', reportsPrefix: 'reports/phases/',
    ...extra,
  };
  return { store, request, plan: await createPlan(store, request), extract };
}

/** Split every range; the results in range order. */
export async function splitRun(run: PhasedRun): Promise<SplitResult[]> {
  const results: SplitResult[] = [];
  for (const range of run.plan.ranges) results.push(await splitRange(run.store, run.plan, range));
  return results;
}

/** Split, the slice index and Classify of every partition. */
export async function classifiedRun(people?: number, rangeBytes?: number, extra?: Partial<RunRequest>, store?: MemoryObjectStore): Promise<PhasedRun> {
  const run = await plannedRun(people, rangeBytes, extra, store);
  await splitRun(run);
  await indexSlices(run.store, run.plan);
  for (let partition = 0; partition < run.plan.partitionCount; partition++) await classifyPartition(run.store, run.plan, partition);
  return run;
}
