/**
 * Assemble's merge: the position-sorted classified rows of every partition, k-way merged back into input order,
 * into the three result CSVs. Each row's DOJ fields are copied from the upload itself (rows come in input order,
 * so each input file is read once, forward). Only what the merge needs is imported here: a worker thread or
 * process that runs a merge loads no policy schema or report code.
 */
import { CONDENSED_COLUMNS, DOJ_COLUMNS, ELIGIBILITY_COLUMNS } from '../columns';
import { csvLine } from '../csv/writer';
import { ChunkChannel } from './channel';
import { ByteWriter, CLASSIFIED_FULL_LINE, ClassifiedRowReader, FLAG_EVALUATED } from './work-area-formats';
import { InputCursor } from './input-cursor';
import { ObjectStore, ReadOptions } from './object-store';
import { fileIndexOf, POSITION_FILE_FACTOR, RunPlan } from './run-plan';

/**
 * Read chunks of the merges, which hold every partition's stream open at once: small, so their memory stays flat
 * in the partition count, but no smaller than needed (a read call costs ~0.2 ms here). A reader holds two read
 * buffers (one read ahead, ReadOptions.reuseBuffer) and the part of a row split across them. The chunks share a
 * 6 MiB budget: 64 KiB each up to 96 partitions, then less, down to 16 KiB.
 */
const MERGE_READ_BUDGET = 6 * 1024 * 1024;
const MERGE_READ_MIN = 16 * 1024;
const MERGE_READ_MAX = 64 * 1024;
/** Output pieces queued per result file (each ~1 MiB): enough to keep the file's writes going. */
const QUEUED_PIECES = 2;
export function mergeReadOptions(partitionCount: number): ReadOptions {
  return { chunkBytes: Math.max(MERGE_READ_MIN, Math.min(MERGE_READ_MAX, Math.floor(MERGE_READ_BUDGET / partitionCount))), reuseBuffer: true };
}

/** The three result files a merge writes (`mergeSlice` writes any subset of them), by output name. */
export const RESULT_FILE_NAMES = {
  allResults: 'All_Results.csv',
  prop64Results: 'Prop64_Results.csv',
  condensed: 'All_Results_Condensed.csv',
} as const;
export type ResultFile = keyof typeof RESULT_FILE_NAMES;
export const RESULT_FILES: readonly ResultFile[] = ['allResults', 'prop64Results', 'condensed'];

/** Where Assemble writes an output before publishing it: the run's work area. */
export function stagedKey(plan: Pick<RunPlan, 'workPrefix'>, fileName: string): string {
  return `${plan.workPrefix}output/${fileName}`;
}

const FULL_HEADER = csvLine([...DOJ_COLUMNS, ...ELIGIBILITY_COLUMNS]);
const CONDENSED_HEADER = csvLine([...CONDENSED_COLUMNS, ...ELIGIBILITY_COLUMNS]);

export interface SliceMergeOptions {
  /** Write the header lines first (the first slice). */
  header: boolean;
  /** Where each input file's records of the merge end (a slice's end, else the file's size). */
  fileEnds: readonly number[];
  /** Wraps each output's body on its way to the store (e.g. to count its bytes). */
  wrap?: (file: ResultFile, body: AsyncIterable<Buffer>) => AsyncIterable<Buffer>;
}

/** Output is handed to the store in pieces of about this many bytes. */
const OUTPUT_PIECE = 1 << 20;
const COMMA = 44;
const LF = 10;

/**
 * k-way merge of position-sorted classified rows from `sources` (an output slice's part of each partition) into the
 * result files named in `outputs` (keys). Each row's DOJ fields are copied from the input file (rows come in input
 * order, so each file is read once, forward). Returns rows per input file.
 */
export async function mergeSlice(
  store: ObjectStore,
  plan: RunPlan,
  sources: ReadonlyArray<AsyncIterable<Buffer>>,
  outputs: Partial<Record<ResultFile, string>>,
  options: SliceMergeOptions,
): Promise<number[]> {
  const keys = RESULT_FILES.map((file) => outputs[file]);
  const channels = keys.map((key) => (key === undefined ? undefined : new ChunkChannel(QUEUED_PIECES)));
  const writes = keys.flatMap((key, i) =>
    key === undefined ? [] : [store.write(key, options.wrap === undefined ? channels[i]! : options.wrap(RESULT_FILES[i], channels[i]!))],
  );
  const rowsPerFile: number[] = plan.files.map(() => 0);
  const inputs = plan.files.map((file, i) => new InputCursor(store, file.key, options.fileEnds[i]));
  const merging = (async () => {
    const [full, prop64, condensed] = channels.map((channel) => (channel === undefined ? undefined : new ByteWriter(OUTPUT_PIECE + (OUTPUT_PIECE >> 1))));
    if (options.header) {
      full?.text(`${FULL_HEADER}\n`);
      prop64?.text(`${FULL_HEADER}\n`);
      condensed?.text(`${CONDENSED_HEADER}\n`);
    }
    const heap = await openReaders(sources);
    let fileIndex = -1;
    let input: InputCursor | undefined;
    while (heap.length > 0) {
      const reader = heap[0];
      const row = reader.buffer;
      const position = reader.position;
      const rowFile = fileIndexOf(position);
      rowsPerFile[rowFile]++;
      const toProp64 = prop64 !== undefined && (reader.flags & FLAG_EVALUATED) !== 0;
      if (full !== undefined || toProp64) {
        // The All_Results line: the record as in the input (or re-serialised), then the eligibility columns.
        let source: Buffer;
        let start: number;
        let end: number;
        if (reader.flags & CLASSIFIED_FULL_LINE) {
          source = row;
          start = reader.fullStart;
          end = reader.condensedStart;
        } else {
          if (rowFile !== fileIndex) {
            await input?.close();
            fileIndex = rowFile;
            input = inputs[rowFile];
          }
          const offset = position - rowFile * POSITION_FILE_FACTOR;
          const length = reader.rawLength;
          start = input!.indexOf(offset, length);
          if (start < 0) start = await input!.load(offset, length);
          source = input!.chunk;
          end = start + length;
        }
        if (full !== undefined) writeLine(full, source, start, end, row, reader.columnsStart, reader.columnsEnd);
        if (toProp64) writeLine(prop64, source, start, end, row, reader.columnsStart, reader.columnsEnd);
      }
      if (condensed !== undefined) writeLine(condensed, row, reader.condensedStart, reader.columnsStart, row, reader.columnsStart, reader.columnsEnd);
      if (full !== undefined && full.length >= OUTPUT_PIECE) await channels[0]!.push(full.take());
      if (prop64 !== undefined && prop64.length >= OUTPUT_PIECE) await channels[1]!.push(prop64.take());
      if (condensed !== undefined && condensed.length >= OUTPUT_PIECE) await channels[2]!.push(condensed.take());
      if (reader.advance() || (await reader.fill())) siftDown(heap, 0);
      else heapPop(heap);
    }
    await input?.close();
    await flushWriters([full, prop64, condensed], channels);
  })();
  try {
    await merging;
    channels.forEach((channel) => channel?.close());
  } catch (error) {
    channels.forEach((channel) => channel?.close(error));
    await Promise.allSettled(writes);
    await Promise.allSettled(inputs.map((input) => input.close()));
    throw error;
  }
  await Promise.all(writes);
  return rowsPerFile;
}

/** A reader per source, in a heap on their first rows' positions (the empty sources left out). */
async function openReaders(sources: ReadonlyArray<AsyncIterable<Buffer>>): Promise<ClassifiedRowReader[]> {
  const heap: ClassifiedRowReader[] = [];
  for (const source of sources) {
    const reader = new ClassifiedRowReader(source[Symbol.asyncIterator]());
    if (await reader.fill()) heapPush(heap, reader);
  }
  return heap;
}

/** The writers' last bytes to their channels. */
async function flushWriters(writers: ReadonlyArray<ByteWriter | undefined>, channels: ReadonlyArray<ChunkChannel | undefined>): Promise<void> {
  for (let i = 0; i < writers.length; i++) {
    const writer = writers[i];
    if (writer !== undefined && writer.length > 0) await channels[i]!.push(writer.take(true));
  }
}

/** One output line: `source[start, end)`, a comma, the eligibility columns `row[columnsStart, columnsEnd)`, LF. */
function writeLine(out: ByteWriter, source: Buffer, start: number, end: number, row: Buffer, columnsStart: number, columnsEnd: number): void {
  out.bytes(source, start, end);
  out.byte(COMMA);
  out.bytes(row, columnsStart, columnsEnd);
  out.byte(LF);
}

// A binary min-heap of readers on their current row's position.
function siftDown(heap: ClassifiedRowReader[], index: number): void {
  for (;;) {
    const left = 2 * index + 1;
    const right = left + 1;
    let smallest = index;
    if (left < heap.length && heap[left].position < heap[smallest].position) smallest = left;
    if (right < heap.length && heap[right].position < heap[smallest].position) smallest = right;
    if (smallest === index) return;
    [heap[index], heap[smallest]] = [heap[smallest], heap[index]];
    index = smallest;
  }
}

function heapPush(heap: ClassifiedRowReader[], reader: ClassifiedRowReader): void {
  heap.push(reader);
  let index = heap.length - 1;
  while (index > 0) {
    const parent = (index - 1) >> 1;
    if (heap[index].position >= heap[parent].position) return;
    [heap[index], heap[parent]] = [heap[parent], heap[index]];
    index = parent;
  }
}

function heapPop(heap: ClassifiedRowReader[]): void {
  const last = heap.pop()!;
  if (heap.length > 0) {
    heap[0] = last;
    siftDown(heap, 0);
  }
}
