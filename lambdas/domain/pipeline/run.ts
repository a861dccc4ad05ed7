/**
 * A run from request to outputs: Plan validates everything before any heavy work and writes the plan;
 * the phases then run over the ObjectStore. `runInProcess` drives all of them in one process (the CLI's
 * `classify`); the cloud runs the same phase functions from the Lambda handlers.
 */
import { assembleRun, AssembleResult, renderRunChartsAhead } from './assemble';
import type { ChartCache } from '../report/charts';
import { classifyPartition } from './classify-partition';
import { ObjectStore } from './object-store';
import { createPlan, RunPlan, RunRequest } from './plan';
import { splitRange } from './split';
import { indexSlices } from './slice-index';
import { assembleSlice, sliceStartsOf } from './output-slices';
import { compareRunPartition, needsRouting, routeRegisterPart } from './compare-register';
import { routeDecisions } from './route-decisions';

export interface Progress {
  phase: 'plan' | 'split' | 'classify' | 'compare' | 'assemble';
  done: number;
  total: number;
}

/** The kinds of phase task an executor runs. */
export type PhaseTaskKind = 'split' | 'classify' | 'merge';

/** Where split and classify tasks run: in this thread by default, or e.g. in worker threads. */
export interface PhaseExecutor {
  split(plan: RunPlan, rangeIndex: number): Promise<void>;
  classify(plan: RunPlan, partition: number): Promise<void>;
  /** Assembles one output slice (output-slices.ts); absent: in this thread. */
  assembleSlice?(plan: RunPlan, slice: number): Promise<void>;
  /** A hint: the next tasks will be of this kind (an executor may start getting ready for them). */
  prepare?(kind: PhaseTaskKind): void;
}

export interface InProcessOptions {
  onProgress?: (progress: Progress) => void;
  /** Phase tasks run at once (default 2). */
  concurrency?: number;
  /** Creates the executor once the plan exists (default: this thread); closed at the end. */
  executor?: (plan: RunPlan) => (PhaseExecutor & { close?(): Promise<void> }) | undefined;
}

function inThreadExecutor(store: ObjectStore): PhaseExecutor {
  return {
    split: async (plan, rangeIndex) => {
      await splitRange(store, plan, plan.ranges[rangeIndex]);
    },
    classify: async (plan, partition) => {
      await classifyPartition(store, plan, partition);
    },
  };
}

/**
 * Runs `count` tasks, `concurrency` at once. `drained` is called each time a lane finds no task left to start
 * (the others may still be running their last ones).
 */
async function runAll(count: number, concurrency: number, task: (index: number) => Promise<void>, drained: () => void = () => undefined): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
    drained();
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** Runs every phase in this process. Throws PolicyError / RunError with a message for the operator. */
export async function runInProcess(store: ObjectStore, request: RunRequest, options: InProcessOptions = {}): Promise<AssembleResult> {
  const report = options.onProgress ?? (() => undefined);
  const concurrency = options.concurrency ?? 2;
  const timings: Record<string, number> = {};
  let started = Date.now();
  report({ phase: 'plan', done: 0, total: 1 });
  const plan = await createPlan(store, request);
  timings.plan = (Date.now() - started) / 1000;

  const executor = options.executor?.(plan) ?? inThreadExecutor(store);
  try {
    executor.prepare?.('split');
    started = Date.now();
    let done = 0;
    report({ phase: 'split', done, total: plan.ranges.length });
    await runAll(plan.ranges.length, concurrency, async (index) => {
      await executor.split(plan, index);
      report({ phase: 'split', done: ++done, total: plan.ranges.length });
    }, () => executor.prepare?.('classify'));
    await indexSlices(store, plan);
    timings.split = (Date.now() - started) / 1000;

    started = Date.now();
    done = 0;
    report({ phase: 'classify', done, total: plan.partitionCount });
    await runAll(plan.partitionCount, concurrency, async (partition) => {
      await executor.classify(plan, partition);
      report({ phase: 'classify', done: ++done, total: plan.partitionCount });
    }, () => executor.prepare?.('merge'));
    timings.classify = (Date.now() - started) / 1000;
    // The report's charts need only the statistics known now: drawn while the slices' merges run on other threads.
    const charts: ChartCache = new Map();
    const chartsStarted = renderRunChartsAhead(store, plan, charts).catch(() => undefined);

    if (plan.previous !== undefined) {
      started = Date.now();
      await compareWithRegister(store, plan, concurrency, report);
      timings.compare = (Date.now() - started) / 1000;
    }

    const slices = sliceStartsOf(plan).length;
    started = Date.now();
    done = 0;
    report({ phase: 'assemble', done, total: slices + 1 });
    await runAll(slices, concurrency, async (slice) => {
      await (executor.assembleSlice?.(plan, slice) ?? assembleSlice(store, plan, slice));
      report({ phase: 'assemble', done: ++done, total: slices + 1 });
    });
    // The executor's work is done: its threads' memory goes before the reports are rendered.
    await (executor as { close?(): Promise<void> }).close?.();
    await chartsStarted;
    const result = await assembleRun(store, plan, timings, { runSlices: async () => undefined, charts, startedAt: started });
    report({ phase: 'assemble', done: slices + 1, total: slices + 1 });
    return result;
  } finally {
    await (executor as { close?(): Promise<void> }).close?.();
  }
}

/** Compare (compare-register.ts) in this thread: decisions routed, Route when the partition counts differ, then each partition. */
async function compareWithRegister(store: ObjectStore, plan: RunPlan, concurrency: number, report: (progress: Progress) => void): Promise<void> {
  await routeDecisions(store, plan);
  const parts = needsRouting(plan) ? plan.previous!.partitionCount : 0;
  const total = parts + plan.partitionCount;
  let done = 0;
  report({ phase: 'compare', done, total });
  await runAll(parts, concurrency, async (part) => {
    await routeRegisterPart(store, plan, part);
    report({ phase: 'compare', done: ++done, total });
  });
  await runAll(plan.partitionCount, concurrency, async (partition) => {
    await compareRunPartition(store, plan, partition);
    report({ phase: 'compare', done: ++done, total });
  });
}

