/**
 * The embedded stack's template for `clearance run`: the real ClearanceStack with the local run's sizes, synthesized
 * on a worker thread. Its own small module so that the CLI starts the synth (~0.6 s) before it loads the run
 * command and its SDK clients (~0.25 s), instead of after.
 */
import { availableParallelism } from 'node:os';
import { synthTemplateInWorker } from './synth-worker';

const MIB = 1024 * 1024;

/**
 * Range and partition sizes of the embedded stack: larger than `clearance classify`'s, because here every routed
 * object is an HTTP request through the S3 stand-in, so fewer, larger objects run faster; 64/32 MiB is the fastest
 * of the sizes measured (bench/results/). Memory stays bounded by these sizes, not by the input.
 */
export const RUN_RANGE_MB = 64;
export const RUN_PARTITION_MB = 32;

/**
 * The pool caps each worker's heap at its function's memory; 1 GB is ample for the local task sizes (cloud sizes
 * stay as deployed). A run's peak memory is the S3 stand-in and the runtime more than the workers' heaps.
 */
const LOCAL_FUNCTION_SIZING = { plan: { memorySize: 1024 }, split: { memorySize: 1024 }, classify: { memorySize: 1024 }, compare: { memorySize: 1024 }, assemble: { memorySize: 1024 } };

/** The embedded stack's worker threads (Lambda invocations at once): `--workers`, else one per CPU. */
export function embeddedWorkers(options: { workers?: number }): number {
  return options.workers ?? availableParallelism();
}

export function synthEmbeddedTemplate(options: { rangeMb?: number; partitionMb?: number; workers?: number; excelSafe?: boolean }): Promise<Record<string, unknown>> {
  return synthTemplateInWorker({
    workflow: {
      excelSafe: options.excelSafe === true,
      targetRangeBytes: (options.rangeMb ?? RUN_RANGE_MB) * MIB,
      targetPartitionBytes: (options.partitionMb ?? RUN_PARTITION_MB) * MIB,
      // Plan balances ranges and partitions over the workers (ClearanceWorkflowProps.taskLanes).
      taskLanes: embeddedWorkers(options),
      functionSizing: LOCAL_FUNCTION_SIZING,
    },
  });
}
