/**
 * A run from request to outputs: Plan validates everything before any heavy work and writes the plan;
 * the phases then run over the ObjectStore. `runInProcess` drives all of them in one process (the CLI's
 * `classify`); the cloud runs the same phase functions from the Lambda handlers.
 */
import { formatIsoDate, isMalformed, parseIsoDate, todayUtc } from '../dates';
import { parsePolicy, PolicyError, PolicyInput, presetPolicy, PRESETS } from '../policy';
import { assembleRun, AssembleResult } from './assemble';
import { RunError } from './errors';
import { classifyPartition } from './classify-partition';
import { ObjectStore, writeJson } from './object-store';
import { InputFile, partitionCountFor, planRanges, rangeBytesFor, RunPlan, SizingOptions, workKeys } from './plan';
import { splitRange } from './split';
import { indexSlices } from './slice-index';
import { assembleSlice, planSlices, sliceStartsOf } from './output-slices';

export interface RunRequest {
  runId: string;
  county: string;
  /** A policy object (validated here) or the name of a preset. */
  policy: unknown;
  policyName?: string;
  /** YYYY-MM-DD; default today (UTC). */
  computeAt?: string;
  /** `versionId`: the object version to read (the one whose upload started the run), when the store has versions. */
  files: Array<Pick<InputFile, 'key' | 'name'> & { versionId?: string }>;
  /**
   * Copy each input into the run's work area first (workKeys.input) and read only that copy: the run then sees one
   * content from Plan to Assemble, whatever is uploaded under the same key meanwhile. A server-side copy on S3.
   */
  pinInputs?: boolean;
  scenarioPresets?: string[];
  /** Default 0.05: more than 5% rejected rows fails the run. */
  maxRejectRatio?: number;
  /** Neutralise formulas in the reference-format CSVs too (RunPlan.excelSafe); default false. */
  excelSafe?: boolean;
  sizing?: SizingOptions;
  workPrefix: string;
  resultsPrefix: string;
  reportsPrefix: string;
}

export const DEFAULT_MAX_REJECT_RATIO = 0.05;

/**
 * Most input files of one run (docs/handlers.md, "Limits"): every file's key is kept in the run's ledger item, whose
 * size DynamoDB caps at 400 KB, and a county's extract comes in a handful of files.
 */
export const MAX_INPUT_FILES = 200;

/** Leading bytes of formats that are certainly not a CSV extract. */
const BINARY_SIGNATURES: Array<[string, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zip (or xlsx)', [0x50, 0x4b, 0x03, 0x04]],
  ['PDF', [0x25, 0x50, 0x44, 0x46]],
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a]],
  ['7z', [0x37, 0x7a, 0xbc, 0xaf]],
  ['legacy Excel (xls)', [0xd0, 0xcf, 0x11, 0xe0]],
];

/** Refuses a file that is certainly not a CSV text extract (binary formats, UTF-16, CR-only line ends). The CLI checks its inputs with it before any work. */
export async function checkLooksLikeText(store: ObjectStore, file: InputFile): Promise<void> {
  if (file.size === 0) return;
  const head: Buffer[] = [];
  for await (const chunk of store.readRange(file.key, 0, Math.min(file.size, 4096))) head.push(chunk);
  const bytes = Buffer.concat(head);
  for (const [format, signature] of BINARY_SIGNATURES) {
    if (signature.every((byte, i) => bytes[i] === byte)) {
      throw new RunError('InputError', `${file.name} is not a CSV text file (it looks like ${format}); upload the uncompressed extract`);
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RunError('InputError', `${file.name} is UTF-16 text (a spreadsheet's "Unicode text" export); save it as CSV (UTF-8)`);
  }
  let nul = 0;
  for (const byte of bytes) if (byte === 0) nul++;
  if (nul > bytes.length / 10) {
    throw new RunError('InputError', `${file.name} is not a CSV text file (${nul} of its first ${bytes.length} bytes are NUL)`);
  }
  const newline = bytes.indexOf(10);
  if (newline < 0 && bytes.includes(13)) {
    throw new RunError('InputError', `${file.name} ends its lines with CR only (an old Mac "CSV (Macintosh)" export); save it as CSV with LF or CRLF line ends`);
  }
}

/** Resolves a policy given as a preset name or an object; errors name the field and value. */
export function resolvePolicy(policy: unknown): { input: PolicyInput; name: string } {
  if (typeof policy === 'string') {
    presetPolicy(policy); // throws PolicyError with the known presets
    return { input: PRESETS[policy], name: policy };
  }
  parsePolicy(policy);
  return { input: policy as PolicyInput, name: 'custom' };
}

/** Validates the request (policy, county, date, files) and writes the plan. Nothing heavy happens before. */
export async function createPlan(store: ObjectStore, request: RunRequest): Promise<RunPlan> {
  const startedAt = new Date().toISOString();
  const { input: policy, name } = resolvePolicy(request.policy);
  for (const preset of request.scenarioPresets ?? []) presetPolicy(preset);
  const county = request.county.trim();
  if (county === '') throw new RunError('InputError', 'county: "" is empty; give the county name as it appears in STP_ORI_CNTY_NAME, e.g. "LOS ANGELES"');
  let computeAt = request.computeAt;
  if (computeAt === undefined) computeAt = formatIsoDate(todayUtc());
  else if (isMalformed(parseIsoDate(computeAt))) {
    throw new RunError('InputError', `computeAt: ${JSON.stringify(computeAt)} is not a date in YYYY-MM-DD form`);
  }
  const maxRejectRatio = request.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO;
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) {
    throw new RunError('InputError', `maxRejectRatio: ${maxRejectRatio} must be between 0 and 1`);
  }
  if (request.files.length === 0) throw new RunError('InputError', 'files: the request names no input file');
  if (request.files.length > MAX_INPUT_FILES) {
    throw new RunError('InputError', `files: ${request.files.length} input files; one run takes at most ${MAX_INPUT_FILES} (join the extract into fewer files)`);
  }
  const files: InputFile[] = [];
  const pinned: string[] = [];
  try {
    for (const [fileIndex, file] of request.files.entries()) {
      let size: number;
      let key = file.key;
      try {
        if (request.pinInputs) {
          key = workKeys.input(request, fileIndex);
          await store.copy(file.key, key, file.versionId === undefined ? {} : { sourceVersionId: file.versionId });
          pinned.push(key);
        }
        size = await store.size(key);
      } catch (error) {
        if ((error as Error).name === 'NotFoundError') throw new RunError('InputError', `${file.name}: no such input file`);
        throw error;
      }
      const input: InputFile = { key, name: file.name, size, ...(request.pinInputs ? { uploadKey: file.key } : {}) };
      await checkLooksLikeText(store, input);
      files.push(input);
    }
  } catch (error) {
    // A request refused here leaves nothing in the work area: the pinned copies go with it.
    if (pinned.length > 0) await store.delete(pinned).catch(() => undefined);
    throw error;
  }
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  const ranges = await planRanges(store, files, rangeBytesFor(files, request.sizing?.targetRangeBytes, request.sizing?.lanes));
  const plan: RunPlan = {
    runId: request.runId,
    county,
    computeAt,
    policy,
    policyName: request.policyName ?? name,
    scenarioPresets: request.scenarioPresets ?? [],
    files,
    ranges,
    partitionCount: partitionCountFor(totalBytes, request.sizing),
    sliceStarts: planSlices(ranges, request.sizing?.targetSliceBytes),
    maxRejectRatio,
    ...(request.excelSafe === true ? { excelSafe: true } : {}),
    workPrefix: request.workPrefix,
    resultsPrefix: request.resultsPrefix,
    reportsPrefix: request.reportsPrefix,
    startedAt,
  };
  await writeJson(store, workKeys.plan(plan), plan);
  await writeJson(store, workKeys.ranges(plan), plan.ranges);
  await writeJson(store, workKeys.partitions(plan), Array.from({ length: plan.partitionCount }, (_, partition) => ({ partition })));
  await writeJson(store, workKeys.outputSlices(plan), sliceStartsOf(plan).map((_, slice) => ({ slice })));
  return plan;
}

export interface Progress {
  phase: 'plan' | 'split' | 'classify' | 'assemble';
  done: number;
  total: number;
}

/** The kinds of phase task an executor runs. */
export type PhaseKind = 'split' | 'classify' | 'merge';

/** Where split and classify tasks run: in this thread by default, or e.g. in worker threads. */
export interface PhaseExecutor {
  split(plan: RunPlan, rangeIndex: number): Promise<void>;
  classify(plan: RunPlan, partition: number): Promise<void>;
  /** Assembles one output slice (output-slices.ts); absent: in this thread. */
  assembleSlice?(plan: RunPlan, slice: number): Promise<void>;
  /** A hint: the next tasks will be of this kind (an executor may start getting ready for them). */
  prepare?(kind: PhaseKind): void;
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
    const result = await assembleRun(store, plan, timings, { runSlices: async () => undefined });
    report({ phase: 'assemble', done: slices + 1, total: slices + 1 });
    return result;
  } finally {
    await (executor as { close?(): Promise<void> }).close?.();
  }
}

export { PolicyError, RunError };
