/**
 * The run plan's shape and the work area's keys: what every phase reads, apart from the planning itself (plan.ts).
 * Types only from the policy and register modules, so that a phase worker that needs no policy (split, merge)
 * loads no schema library.
 */
import type { PreviousRun } from '../register/record';
import type { PolicyInput } from '../policy';

/** Positions order rows across files: file index in the high bits, byte offset in the low 40 (1 TiB per file). */
export const POSITION_FILE_FACTOR = 2 ** 40;

export function positionOf(fileIndex: number, offset: number): number {
  return fileIndex * POSITION_FILE_FACTOR + offset;
}

export function fileIndexOf(position: number): number {
  return Math.floor(position / POSITION_FILE_FACTOR);
}

export interface InputFile {
  /** Object key in the store. */
  key: string;
  /** What people call it in messages and rejects.csv (the upload's file name). */
  name: string;
  size: number;
  /** Where the county uploaded it, when `key` is the run's pinned copy of it (RunRequest.pinInputs). */
  uploadKey?: string;
}

export interface ByteRange {
  index: number;
  fileIndex: number;
  start: number;
  /** Records starting before `end` belong to this range; the last one may run past it. */
  end: number;
}

/** Everything the phases need, written by Plan to `<workPrefix>plan.json`. No personal data. */
export interface RunPlan {
  runId: string;
  county: string;
  /** YYYY-MM-DD. */
  computeAt: string;
  /** The policy as given (validated), and what it was called (a preset name or the policy's key). */
  policy: PolicyInput;
  policyName: string;
  /** Extra policies (preset names) reported side by side as what-if scenarios. */
  scenarioPresets: string[];
  files: InputFile[];
  ranges: ByteRange[];
  partitionCount: number;
  /**
   * The first range of each output slice (output-slices.ts): Assemble's fan-out, one task per slice. Absent in a
   * plan written before slices: one slice.
   */
  sliceStarts?: number[];
  /** The run fails when rejected rows / rows read exceeds this (0-1). */
  maxRejectRatio: number;
  /**
   * Neutralise spreadsheet formulas in the three reference-format CSVs too (docs/security.md); absent or false,
   * they stay cell for cell those of the reference tool. The lists and rejects.csv are always neutralised.
   */
  excelSafe?: boolean;
  /** Work area for intermediates, ends with '/'. */
  workPrefix: string;
  /** Where results (personal data) and reports (none) are published, each ending with '/' or empty. */
  resultsPrefix: string;
  reportsPrefix: string;
  /** ISO timestamp when planning started. */
  startedAt: string;
  /** Where the run's county register is published after it succeeds (docs/monthly.md); absent: none is written. */
  registerPrefix?: string;
  /** The run this one is compared with (its register); absent: no comparison. */
  previous?: PreviousRun;
  /** Why the run is not compared with a previous one (first run of the county, ...), for summary.json. */
  previousNote?: string;
}

/**
 * Work objects are spread over this many key prefixes (`.../split/<shard>/`, `.../classify/<shard>/`), range after
 * range and partition after partition, so that S3's per-prefix request rate is shared by all of them (see
 * docs/limits.md): the Classify map's ranged GETs of every range object, Assemble's reads of every partition.
 */
export const WORK_SHARDS = 16;

/** The shard folder of the n-th range or partition: two hex digits. */
export function shardOf(n: number): string {
  return (n % WORK_SHARDS).toString(16).padStart(2, '0');
}

/** Work-area keys, in one place. Numbers are zero-padded so listings sort numerically. */
export const workKeys = {
  plan: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}plan.json`,
  ranges: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}ranges.json`,
  partitions: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}partitions.json`,
  /** A pinned copy of the run's n-th input file (Plan copies the version that started the run). */
  input: (plan: Pick<RunPlan, 'workPrefix'>, fileIndex: number) => `${plan.workPrefix}input/${pad(fileIndex)}`,
  /** One object per range: its partitions' routed rows one after another (work-area-formats.ts, "range object"). */
  splitRange: (plan: Pick<RunPlan, 'workPrefix'>, range: number) => `${plan.workPrefix}split/${shardOf(range)}/r${pad(range)}`,
  splitRejects: (plan: Pick<RunPlan, 'workPrefix'>, range: number) => `${plan.workPrefix}split/${shardOf(range)}/r${pad(range)}.rejects.jsonl`,
  splitResult: (plan: Pick<RunPlan, 'workPrefix'>, range: number) => `${plan.workPrefix}split/${shardOf(range)}/r${pad(range)}.result.json`,
  /** Where each partition's slice lies in each range object, partition after partition (work-area-formats.ts, "slice index"). */
  sliceIndex: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}split/slices.index`,
  classified: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}classify/${shardOf(partition)}/p${pad(partition)}`,
  /** Where each output slice begins in the partition's classified rows and list entries (output-slices.ts). */
  positions: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) => `${plan.workPrefix}classify/${shardOf(partition)}/p${pad(partition)}.positions`,
  /** The physical line each range starts at within its file, less one (rejects.csv's absolute lines), by range. */
  lineBases: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}split/lines.json`,
  /** The output slices, the Assemble map's items. */
  outputSlices: (plan: Pick<RunPlan, 'workPrefix'>) => `${plan.workPrefix}output-slices.json`,
  classifyStats: (plan: Pick<RunPlan, 'workPrefix'>, partition: number) =>
    `${plan.workPrefix}classify/${shardOf(partition)}/p${pad(partition)}.stats.json`,
};

function pad(n: number): string {
  return String(n).padStart(6, '0');
}
