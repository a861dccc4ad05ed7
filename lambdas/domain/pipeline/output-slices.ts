/**
 * Assemble as a fan-out: the outputs cut into slices by input position, each slice assembled by its own task, the
 * slices' parts joined into the final objects without passing their bytes through one invocation.
 *
 * - A slice is a run of consecutive byte ranges (planSlices), so its position interval is known from the plan:
 *   [start of its first range, start of the next slice's first range).
 * - Classify writes, next to each partition's classified rows, a position index (`workKeys.positions`): for every
 *   slice, the byte offset in the classified rows where the slice's rows begin. A slice task reads two entries of
 *   it per partition (one ranged GET of 16 bytes) and reads only its part of each partition's rows, in windows of
 *   ranged reads (readManyRange).
 * - assembleSlice merges its part of every partition into its part of the three result CSVs (merge.ts) and writes
 *   the rejects of its ranges: four part objects and a small result (rows per file, part sizes). Slice 0 also
 *   writes the headers.
 * - The lists (court, defender, city attorney, undecided, review) are sorted by case number, not by position: the
 *   slice task also writes list slice s of each, a range of sort keys merged from every partition (list-merge.ts).
 * - Publish (assemble.ts) joins each output's parts with joinObjects: on S3 a multipart upload of UploadPartCopy
 *   parts (planJoin keeps every part but the last at S3's 5 MiB minimum and within 10,000 parts).
 *
 * Bound: a slice task handles at most one slice of input (plus the classified rows and list entries of that
 * interval) whatever the run's size; its open reads are the windows' (WINDOW_READS_IN_FLIGHT) and one input stream.
 */
import { csvSafeLine } from '../csv/writer';
import { COURT_LIST_HEADERS, COURT_LIST_KINDS, COURT_LIST_OUTPUTS } from '../report/court-lists';
import { writeText } from './channel';
import { ListKeyIndex, listKeysKey, listSliceEntries } from './list-merge';
import { mergeReadOptions, mergeSlice, RESULT_FILES, RESULT_FILE_NAMES } from './merge';
import {
  collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, readJson, readManyRange, readText, writeJson,
} from './object-store';
import { positionOf, RunPlan, shardOf, workKeys } from './run-plan';
export { MAX_SLICES, planSlices } from './slice-plan';
import type { SplitReject } from './split';

/** The outputs each slice writes a part of: the position-ordered ones, then the sorted lists. */
export const SLICE_OUTPUTS = [
  'allResults', 'prop64Results', 'condensed', 'rejects', 'courtMotions', 'defenderNotices', 'cityAttorneyReferrals', 'undecided', 'reviewList',
] as const;
export type SliceOutput = (typeof SLICE_OUTPUTS)[number];

const OUTPUT_FILE_NAMES: Record<SliceOutput, string> = {
  ...RESULT_FILE_NAMES,
  rejects: 'rejects.csv',
  courtMotions: 'court_motion_list.csv',
  defenderNotices: 'defender_notice_list.csv',
  cityAttorneyReferrals: 'city_attorney_referral_list.csv',
  undecided: 'undecided_list.csv',
  reviewList: 'review_list.csv',
};

/** What a slice task leaves for Publish. */
export interface SliceResult {
  slice: number;
  /** Result rows written, per input file. */
  rowsPerFile: number[];
  /** Bytes of each part written. */
  sizes: Record<SliceOutput, number>;
}

/** The plan's slices (plans written before slices existed: one slice). */
export function sliceStartsOf(plan: Pick<RunPlan, 'sliceStarts'>): number[] {
  return plan.sliceStarts ?? [0];
}

/** Ranges [first, end) of slice `slice`. */
export function sliceRanges(plan: Pick<RunPlan, 'sliceStarts' | 'ranges'>, slice: number): { first: number; end: number } {
  const starts = sliceStartsOf(plan);
  if (!(Number.isInteger(slice) && slice >= 0 && slice < starts.length)) throw new RangeError(`slice ${slice} is not one of the run's ${starts.length} slices`);
  return { first: starts[slice], end: slice + 1 < starts.length ? starts[slice + 1] : plan.ranges.length };
}

/** The input position at which each slice after the first begins (Classify's boundaries), in order. */
export function sliceBoundaries(plan: Pick<RunPlan, 'sliceStarts' | 'ranges'>): number[] {
  return sliceStartsOf(plan).slice(1).map((first) => {
    const range = plan.ranges[first];
    return positionOf(range.fileIndex, range.start);
  });
}

/** Bytes of one entry of a position index (a float64 offset). */
const ENTRY_BYTES = 8;

/**
 * Where each slice begins in one stream of a partition, filled while the stream is written (its records come in
 * position order): `mark(position, offset)` before each record, `finish(size)` at the end. A cheap check per record.
 */
export class SliceOffsets {
  /** offsets[s]: the byte offset of slice s's first record; offsets[slices] = the stream's size. */
  readonly offsets: Float64Array;
  private next = 1;
  private nextBoundary: number;

  constructor(private readonly boundaries: readonly number[]) {
    this.offsets = new Float64Array(boundaries.length + 2);
    this.nextBoundary = boundaries.length > 0 ? boundaries[0] : Infinity;
  }

  mark(position: number, offset: number): void {
    while (position >= this.nextBoundary) {
      this.offsets[this.next++] = offset;
      this.nextBoundary = this.next - 1 < this.boundaries.length ? this.boundaries[this.next - 1] : Infinity;
    }
  }

  finish(size: number): void {
    while (this.next < this.offsets.length) this.offsets[this.next++] = size;
    this.nextBoundary = Infinity;
  }
}

/** The position index of a partition's classified rows: one float64 offset per slice, then the rows' size. */
export function positionIndexBytes(rows: SliceOffsets): Buffer {
  const bytes = Buffer.alloc(rows.offsets.length * ENTRY_BYTES);
  for (let entry = 0; entry < rows.offsets.length; entry++) bytes.writeDoubleLE(rows.offsets[entry], entry * ENTRY_BYTES);
  return bytes;
}

/** [start, end) of slice `slice` in partition `partition`'s classified rows (one ranged GET). */
export async function readPositionRow(store: ObjectStore, plan: RunPlan, partition: number, slice: number): Promise<{ start: number; end: number }> {
  const bytes = await collectBytes(store.readRange(workKeys.positions(plan, partition), slice * ENTRY_BYTES, (slice + 2) * ENTRY_BYTES));
  if (bytes.length !== 2 * ENTRY_BYTES) throw new Error(`position index of partition ${partition}: ${bytes.length} bytes at slice ${slice}, expected ${2 * ENTRY_BYTES}`);
  return { start: bytes.readDoubleLE(0), end: bytes.readDoubleLE(ENTRY_BYTES) };
}

/** Work keys of the fan-out, spread over the same prefixes as the other work objects. */
export const sliceKeys = {
  part: (plan: Pick<RunPlan, 'workPrefix'>, slice: number, output: SliceOutput) =>
    `${plan.workPrefix}output/${shardOf(slice)}/s${String(slice).padStart(6, '0')}/${OUTPUT_FILE_NAMES[output]}`,
  result: (plan: Pick<RunPlan, 'workPrefix'>, slice: number) => `${plan.workPrefix}output/${shardOf(slice)}/s${String(slice).padStart(6, '0')}/result.json`,
};

const REJECTS_HEADER = csvSafeLine(['file', 'line', 'code', 'reason', 'text']);

/** Assembles slice `slice`: its part of each of the nine outputs and its result. Returns the result. */
export async function assembleSlice(store: ObjectStore, plan: RunPlan, slice: number): Promise<SliceResult> {
  const { first, end } = sliceRanges(plan, slice);
  const header = slice === 0;
  const rows = await mapBounded(
    Array.from({ length: plan.partitionCount }, (_, p) => p),
    READS_IN_FLIGHT,
    (p) => readPositionRow(store, plan, p, slice),
  );
  // Where each input file's part of the slice ends (ranges tile their file: the next range starts a record).
  const fileEnds = plan.files.map((file) => file.size);
  const next = plan.ranges[end];
  if (next !== undefined) fileEnds[next.fileIndex] = next.start;
  const sizes = {} as Record<SliceOutput, number>;
  const counted = (output: SliceOutput) => (chunks: AsyncIterable<Buffer>) => countBytes(chunks, (n) => (sizes[output] = n));
  const readers = rows.flatMap((row, p) => (row.end > row.start ? [{ p, ...row }] : []));
  // The merge copies each record from the upload: a file that changed since Split is left to Publish, which fails
  // the run naming it (a slice would fail on it with a less helpful error).
  const touched = [...new Set(plan.ranges.slice(first, end).map((range) => range.fileIndex))];
  const currentSizes = await Promise.all(touched.map((f) => store.size(plan.files[f].key).catch(() => -1)));
  const intact = touched.every((f, i) => currentSizes[i] === plan.files[f].size);
  if (!intact) for (const file of RESULT_FILES) sizes[file] = 0;
  const [rowsPerFile] = await Promise.all([
    !intact ? Promise.resolve(plan.files.map(() => 0)) : mergeSlice(
      store,
      plan,
      readers.map(({ p, start, end: stop }) => readManyRange(store, workKeys.classified(plan, p), start, stop, readers.length, mergeReadOptions(readers.length))),
      Object.fromEntries(RESULT_FILES.map((file) => [file, sliceKeys.part(plan, slice, file)])),
      { header, fileEnds, wrap: (file, body) => counted(file)(body) },
    ),
    writeSliceRejects(store, plan, slice, first, end, header, counted('rejects')),
    writeSliceLists(store, plan, slice, header, counted),
  ]);
  const result: SliceResult = { slice, rowsPerFile, sizes };
  await writeJson(store, sliceKeys.result(plan, slice), result);
  return result;
}

/** Counts the bytes of a body as it is written; `done` gets the total at its end. */
async function* countBytes(chunks: AsyncIterable<Buffer>, done: (bytes: number) => void): AsyncIterable<Buffer> {
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += chunk.length;
    yield chunk;
  }
  done(bytes);
}

/** List slice `slice` of each sorted list (list-merge.ts), one list after another. */
async function writeSliceLists(
  store: ObjectStore,
  plan: RunPlan,
  slice: number,
  header: boolean,
  counted: (output: SliceOutput) => (chunks: AsyncIterable<Buffer>) => AsyncIterable<Buffer>,
): Promise<void> {
  const indexes = await mapBounded(Array.from({ length: plan.partitionCount }, (_, p) => p), READS_IN_FLIGHT, (p) => readJson<ListKeyIndex>(store, listKeysKey(plan, p)));
  const slices = sliceStartsOf(plan).length;
  for (const kind of COURT_LIST_KINDS) {
    const output = COURT_LIST_OUTPUTS[kind];
    await writeText(store, sliceKeys.part(plan, slice, output), counted(output), async (writer) => {
      if (header) await writer.write(`${COURT_LIST_HEADERS[kind]}\n`);
      for await (const entry of listSliceEntries(store, plan, indexes, kind, slice, slices)) await writer.write(`${entry.line}\n`);
    });
  }
}

/** rejects.csv's part of the slice: its ranges' rejects with absolute physical lines (from Index slices' line bases). */
async function writeSliceRejects(
  store: ObjectStore,
  plan: RunPlan,
  slice: number,
  first: number,
  end: number,
  header: boolean,
  counted: (chunks: AsyncIterable<Buffer>) => AsyncIterable<Buffer>,
): Promise<void> {
  const lineBases = first < end ? await readJson<number[]>(store, workKeys.lineBases(plan)) : [];
  await writeText(store, sliceKeys.part(plan, slice, 'rejects'), counted, async (writer) => {
    if (header) await writer.write(`${REJECTS_HEADER}\n`);
    // Ranges are in file and offset order, and each range's rejects in line order.
    for (let range = first; range < end; range++) {
      const text = await readText(store, workKeys.splitRejects(plan, range));
      if (text === '') continue;
      const base = lineBases[range];
      for (const line of text.split('\n')) {
        if (line === '') continue;
        const reject = JSON.parse(line) as SplitReject;
        await writer.write(`${csvSafeLine([plan.files[reject.fileIndex].name, String(base + reject.rangeLine), reject.code, reject.message, reject.text])}\n`);
      }
    }
  });
}

/** The slices' results, READS_IN_FLIGHT at once. */
export function loadSliceResults(store: ObjectStore, plan: RunPlan): Promise<SliceResult[]> {
  return mapBounded(sliceStartsOf(plan), READS_IN_FLIGHT, (_, slice) => readJson<SliceResult>(store, sliceKeys.result(plan, slice)));
}
