/**
 * Planning: what a run reads and how the work is cut. Pure functions over the ObjectStore.
 * Byte ranges start at record starts (just after a LF that is not inside a quoted field, or at 0), found with
 * small ranged reads: the plan never scans a whole file.
 */
import type { PreviousRun } from '../register/record';
import { FIELD_COUNT } from '../columns';
import { DojTokenizer } from '../csv/tokenizer';
import { formatIsoDate, isMalformed, parseIsoDate, todayUtc } from '../dates';
import { DEFAULT_MAX_PARTITIONS, DEFAULT_MAX_REJECT_RATIO, DEFAULT_PARTITION_BYTES, DEFAULT_RANGE_BYTES, MAX_INPUT_FILES } from '../defaults';
import { parsePolicy, PolicyInput, presetPolicy, PRESETS } from '../policy';
import { collectBytes, ObjectStore, writeJson } from './object-store';
import { ByteRange, InputFile, RunPlan, workKeys } from './run-plan';
import { planEvenSlices, planSlices } from './slice-plan';
import { InputError, NotFoundError } from '../errors';

export { fileIndexOf, POSITION_FILE_FACTOR, positionOf, shardOf, WORK_SHARDS, workKeys } from './run-plan';
export type { ByteRange, InputFile, RunPlan } from './run-plan';

export interface SizingOptions {
  /** Nominal bytes per split range (default 64 MiB). */
  targetRangeBytes?: number;
  /** Nominal input bytes per classify partition (default 64 MiB). */
  targetPartitionBytes?: number;
  /** Input bytes per output slice (default 256 MiB, output-slices.ts). */
  targetSliceBytes?: number;
  /**
   * At least this many output slices, of about equal input (slice-plan.ts planEvenSlices): a run on one machine asks
   * for one per worker. More when the input makes more slices of targetSliceBytes, which bounds a merge's memory.
   */
  minSlices?: number;
  /** Upper bound on partitions (default 1000). */
  maxPartitions?: number;
  /**
   * Tasks of a phase that run at once (default 1). With more ranges or partitions than that, their count is
   * rounded up to a multiple of it and their size made even, so that no wave of tasks runs part-empty while
   * workers wait: on two workers, 206 MB in 64 MiB ranges made 64, 64, 64 and 14 MB; balanced, four of 51.5 MB.
   */
  lanes?: number;
}

const ALIGN_WINDOW = 512 * 1024;
/** Text after a candidate cut that the check reads (a few records). */
const CHECK_BYTES = 64 * 1024;
/** Candidate line starts tried per cut before falling back to the first one (bounds Plan's work on bad files). */
const MAX_CANDIDATES = 64;
/** Records that must read without quote trouble after a candidate cut for it to count as a record start. */
const RECORDS_TO_CONFIRM = 3;
/** A first "record" with fewer fields than this is the tail of a quoted field, not a row. */
const MIN_FIELDS = 10;
const QUOTE_TROUBLE = new Set(['BARE_QUOTE', 'TEXT_AFTER_QUOTE', 'UNTERMINATED_QUOTE']);

function readWindow(store: ObjectStore, key: string, start: number, end: number): Promise<Buffer> {
  return collectBytes(store.readRange(key, start, end));
}

/**
 * True when `text` (starting at a line start) reads as records. A line start inside a quoted field (a comment
 * with a line break) does not: its first "record" is a fragment with few fields, or a stray quote follows. Rows
 * that are merely bad (a wrong field count without quote trouble) still start at a record start, so they do not
 * disqualify a cut. A heuristic: Assemble still verifies that the ranges tile the file.
 */
function startsWithRecords(text: string, reachesEndOfFile: boolean): boolean {
  let items = 0;
  let trouble = false;
  const tokenizer = new DojTokenizer(
    {
      record: (_fields, info) => {
        if (items === 0 && info.fieldCount < MIN_FIELDS) trouble = true;
        items++;
      },
      reject: (reject) => {
        if (QUOTE_TROUBLE.has(reject.code) || (items === 0 && (reject.fieldCount ?? FIELD_COUNT) < MIN_FIELDS)) trouble = true;
        items++;
      },
      blankLine: () => undefined,
    },
    { expectedFields: FIELD_COUNT, stripBom: false, wantedFields: [] },
  );
  for (let start = 0; start < text.length && items < RECORDS_TO_CONFIRM && !trouble; start += 16 * 1024) {
    tokenizer.push(text.slice(start, start + 16 * 1024));
  }
  // Only at the end of the file may the last record lack its line end.
  if (items < RECORDS_TO_CONFIRM && !trouble && reachesEndOfFile) tokenizer.end();
  return !trouble && items > 0;
}

/**
 * Offset of the first line start at or after `from` that begins a record (see startsWithRecords), or `size`.
 * Scans from `from - 1` so that a cut right after a LF stays where it is. After MAX_CANDIDATES failed candidates
 * the first line start is used, so a file full of bad rows costs Plan one window per cut, not a scan.
 */
async function alignToRecordStart(store: ObjectStore, key: string, from: number, size: number): Promise<number> {
  let windowStart = from - 1;
  let firstCandidate: number | undefined;
  let candidates = 0;
  while (windowStart < size) {
    const windowEnd = Math.min(size, windowStart + ALIGN_WINDOW);
    const bytes = await readWindow(store, key, windowStart, windowEnd);
    for (let newline = bytes.indexOf(10); newline >= 0; newline = bytes.indexOf(10, newline + 1)) {
      const candidate = windowStart + newline + 1;
      if (candidate >= size) return firstCandidate ?? size;
      firstCandidate ??= candidate;
      if (++candidates > MAX_CANDIDATES) return firstCandidate;
      const inWindow = newline + 1 + CHECK_BYTES <= bytes.length || windowEnd === size;
      const ahead = inWindow
        ? bytes.toString('latin1', newline + 1, Math.min(bytes.length, newline + 1 + CHECK_BYTES))
        : (await readWindow(store, key, candidate, Math.min(size, candidate + CHECK_BYTES))).toString('latin1');
      if (startsWithRecords(ahead, candidate + CHECK_BYTES >= size)) return candidate;
    }
    windowStart = windowEnd;
  }
  return firstCandidate ?? size;
}

/**
 * How many tasks of about `targetBytes` cover `totalBytes` (at least one), rounded up to a multiple of `lanes`
 * when there are more than `lanes` of them (SizingOptions.lanes).
 */
export function balancedTaskCount(totalBytes: number, targetBytes: number, lanes = 1): number {
  if (!(lanes >= 1) || !Number.isInteger(lanes)) throw new RangeError(`lanes must be a whole number >= 1, got ${lanes}`);
  const count = Math.max(1, Math.ceil(totalBytes / targetBytes));
  return count <= lanes ? count : Math.ceil(count / lanes) * lanes;
}

/**
 * The range size to cut at: `targetRangeBytes`, or with `lanes` the even size that gives a balanced count of ranges
 * over all the files' bytes (balancedTaskCount).
 */
export function rangeBytesFor(files: readonly Pick<InputFile, 'size'>[], targetRangeBytes = DEFAULT_RANGE_BYTES, lanes = 1): number {
  if (!(targetRangeBytes >= 1)) throw new RangeError(`target range bytes must be at least 1, got ${targetRangeBytes}`);
  if (lanes === 1) return targetRangeBytes;
  const totalBytes = files.reduce((sum, file) => sum + file.size, 0);
  return Math.max(1, Math.ceil(totalBytes / balancedTaskCount(totalBytes, targetRangeBytes, lanes)));
}

/** Cuts every file into line-aligned ranges of about `targetRangeBytes`. Empty files get no range. */
export async function planRanges(store: ObjectStore, files: readonly InputFile[], targetRangeBytes = DEFAULT_RANGE_BYTES): Promise<ByteRange[]> {
  if (!(targetRangeBytes >= 1)) throw new RangeError(`target range bytes must be at least 1, got ${targetRangeBytes}`);
  const ranges: ByteRange[] = [];
  for (let fileIndex = 0; fileIndex < files.length; fileIndex++) {
    const { key, size } = files[fileIndex];
    let start = 0;
    while (start < size) {
      const nominal = start + targetRangeBytes;
      const end = nominal >= size ? size : await alignToRecordStart(store, key, nominal, size);
      ranges.push({ index: ranges.length, fileIndex, start, end });
      start = end;
    }
  }
  return ranges;
}

/** The first range of each output slice: slices of targetSliceBytes, or at least `minSlices` of about equal input. */
export function sliceStartsFor(ranges: ReadonlyArray<{ start: number; end: number }>, sizing: SizingOptions = {}): number[] {
  const bySize = planSlices(ranges, sizing.targetSliceBytes);
  return sizing.minSlices === undefined || bySize.length >= sizing.minSlices ? bySize : planEvenSlices(ranges, sizing.minSlices);
}

/** Partitions for a run: enough that one holds about `targetPartitionBytes` of input (balanced over `lanes`). */
export function partitionCountFor(totalBytes: number, options: SizingOptions = {}): number {
  const target = options.targetPartitionBytes ?? DEFAULT_PARTITION_BYTES;
  const max = options.maxPartitions ?? DEFAULT_MAX_PARTITIONS;
  return Math.max(1, Math.min(max, balancedTaskCount(totalBytes, target, options.lanes)));
}

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
  /** Publish the county register here after success (RunPlan.registerPrefix). */
  registerPrefix?: string;
  /** Compare with this run's register (RunPlan.previous), or say why there is none (RunPlan.previousNote). */
  previous?: PreviousRun;
  previousNote?: string;
}

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
      throw new InputError(`${file.name} is not a CSV text file (it looks like ${format}); upload the uncompressed extract`);
    }
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError(`${file.name} is UTF-16 text (a spreadsheet's "Unicode text" export); save it as CSV (UTF-8)`);
  }
  let nul = 0;
  for (const byte of bytes) if (byte === 0) nul++;
  if (nul > bytes.length / 10) {
    throw new InputError(`${file.name} is not a CSV text file (${nul} of its first ${bytes.length} bytes are NUL)`);
  }
  const newline = bytes.indexOf(10);
  if (newline < 0 && bytes.includes(13)) {
    throw new InputError(`${file.name} ends its lines with CR only (an old Mac "CSV (Macintosh)" export); save it as CSV with LF or CRLF line ends`);
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
  if (county === '') throw new InputError('county: "" is empty; give the county name as it appears in STP_ORI_CNTY_NAME, e.g. "LOS ANGELES"');
  let computeAt = request.computeAt;
  if (computeAt === undefined) computeAt = formatIsoDate(todayUtc());
  else if (isMalformed(parseIsoDate(computeAt))) {
    throw new InputError(`computeAt: ${JSON.stringify(computeAt)} is not a date in YYYY-MM-DD form`);
  }
  const maxRejectRatio = request.maxRejectRatio ?? DEFAULT_MAX_REJECT_RATIO;
  if (!(maxRejectRatio >= 0 && maxRejectRatio <= 1)) {
    throw new InputError(`maxRejectRatio: ${maxRejectRatio} must be between 0 and 1`);
  }
  if (request.files.length === 0) throw new InputError('files: the request names no input file');
  if (request.files.length > MAX_INPUT_FILES) {
    throw new InputError(`files: ${request.files.length} input files; one run takes at most ${MAX_INPUT_FILES} (join the extract into fewer files)`);
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
        if (error instanceof NotFoundError) throw new InputError(`${file.name}: no such input file`);
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
    sliceStarts: sliceStartsFor(ranges, request.sizing),
    maxRejectRatio,
    ...(request.excelSafe === true ? { excelSafe: true } : {}),
    workPrefix: request.workPrefix,
    resultsPrefix: request.resultsPrefix,
    reportsPrefix: request.reportsPrefix,
    startedAt,
    ...(request.registerPrefix === undefined ? {} : { registerPrefix: request.registerPrefix }),
    ...(request.previous === undefined ? {} : { previous: request.previous }),
    ...(request.previousNote === undefined ? {} : { previousNote: request.previousNote }),
  };
  await writeJson(store, workKeys.plan(plan), plan);
  await writeJson(store, workKeys.ranges(plan), plan.ranges);
  await writeJson(store, workKeys.partitions(plan), Array.from({ length: plan.partitionCount }, (_, partition) => ({ partition })));
  await writeJson(store, workKeys.outputSlices(plan), Array.from({ length: plan.sliceStarts?.length ?? 1 }, (_, slice) => ({ slice })));
  return plan;
}
