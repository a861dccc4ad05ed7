/**
 * One review round as Finalize's fan-out (docs/review.md, "At scale"), its steps run here one after another with
 * bounded concurrency: Plan, Route (a task per range), Apply (a task per partition of people), Commit. The cloud
 * runs the same steps as the Finalize state machine's tasks and maps (lib/review.ts); `clearance review apply
 * --results` runs them in this process. Either way no step holds the review list or a decision file whole.
 */
import { DEFAULT_REVIEW_MAP_CONCURRENCY } from '../defaults';
import { mapBounded, ObjectStore } from '../pipeline/object-store';
import { REVIEW_STATE_FOLDER, ReviewKeys, ReviewKeyInputs, ReviewReport } from './apply';
import { applyPartition } from './round-apply';
import { commitRound } from './round-commit';
import { planRound, PlanOptions, RoundPlan } from './round-plan';
import { routeRange } from './round-route';

/** Where a round's work objects go: beside the run's review state, one folder per decision file (by SHA-256). */
export function roundWorkPrefix(resultsPrefix: string, sha256: string): string {
  return `${resultsPrefix}${REVIEW_STATE_FOLDER}work/${sha256.slice(0, 16)}/`;
}

export interface FanOutOptions extends PlanOptions {
  /** Route or Apply tasks at once. */
  concurrency?: number;
}

/** Route, Apply and Commit of a planned round; its work objects removed after, whatever the outcome. */
export async function runPlannedRound(store: ObjectStore, plan: RoundPlan, options: FanOutOptions = {}): Promise<ReviewReport> {
  const concurrency = options.concurrency ?? DEFAULT_REVIEW_MAP_CONCURRENCY;
  try {
    await mapBounded(plan.ranges, concurrency, (range) => routeRange(store, plan, range.index));
    await mapBounded(Array.from({ length: plan.partitionCount }, (_, p) => p), concurrency, (p) => applyPartition(store, plan, p));
    return await commitRound(store, plan);
  } finally {
    await removeWork(store, plan.workPrefix);
  }
}

export async function removeWork(store: ObjectStore, workPrefix: string): Promise<void> {
  await store.delete(await store.list(workPrefix));
}

/**
 * Applies the decision file stored at `file.key` (named `file.name` as uploaded) to the run of `keys`: checked whole
 * across the partitions, then applied as the run's next round or rejected with every problem by line.
 */
export async function applyStoredDecisionFile(
  store: ObjectStore,
  keys: ReviewKeys & { inputs: ReviewKeyInputs },
  file: { name: string; key: string },
  codeVersion: string,
  options: FanOutOptions = {},
): Promise<ReviewReport> {
  const outcome = await planRound(store, keys.inputs, file, (sha256) => roundWorkPrefix(keys.inputs.resultsPrefix, sha256), codeVersion, options);
  if ('report' in outcome) return outcome.report;
  return runPlannedRound(store, outcome.plan, options);
}

/** The same for a file given as bytes or a stream (the CLI's --decisions): stored in the work area first, removed after. */
export async function applyDecisionFile(
  store: ObjectStore,
  keys: ReviewKeys & { inputs: ReviewKeyInputs },
  file: { name: string; bytes: Buffer | AsyncIterable<Buffer> },
  codeVersion: string,
  options: FanOutOptions = {},
): Promise<ReviewReport> {
  const uploadKey = `${keys.inputs.resultsPrefix}${REVIEW_STATE_FOLDER}work/upload.csv`;
  await store.write(uploadKey, Buffer.isBuffer(file.bytes) ? [file.bytes] : file.bytes);
  try {
    return await applyStoredDecisionFile(store, keys, { name: file.name, key: uploadKey }, codeVersion, options);
  } finally {
    await store.delete([uploadKey]);
  }
}
