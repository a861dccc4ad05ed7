/**
 * Between Split and Classify: the ranges' slice boundaries gathered into one slice index (work-area-formats.ts), partition
 * after partition, so that a Classify task learns where its rows lie in every range object from one ranged GET,
 * and reads only the slices that hold something. R GETs and one PUT for the run. Also checks, before any
 * classification, that each file's ranges tile it exactly.
 */
import { checkSliceIndexHeader, parseSliceIndexRow, SLICE_INDEX_HEADER_BYTES, sliceIndexPieces, sliceIndexRow } from './work-area-formats';
import { collectBytes, mapBounded, ObjectStore, READS_IN_FLIGHT, readJson, writeJson } from './object-store';
import { RunPlan, workKeys } from './run-plan';
import { SplitResult } from './split';
import { InputError } from '../errors';

/** Loads the split results (READS_IN_FLIGHT at once) and checks that each file's ranges tile it exactly. */
export async function loadSplitResults(store: ObjectStore, plan: RunPlan): Promise<SplitResult[]> {
  const results = await mapBounded(plan.ranges, READS_IN_FLIGHT, (range) => readJson<SplitResult>(store, workKeys.splitResult(plan, range.index)));
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    const next = results[i + 1];
    const file = plan.files[result.fileIndex];
    const expectedNext = next !== undefined && next.fileIndex === result.fileIndex ? next.startOffset : file.size;
    if (result.nextOffset !== expectedNext) {
      throw new InputError(`${file.name}: a quoted field runs across the byte range boundary at offset ${expectedNext} ` +
          `(range ${result.rangeIndex} ended at ${result.nextOffset}); rerun with larger ranges`,
      );
    }
  }
  return results;
}

/** Writes the run's slice index from the split results. Returns the number of ranges indexed. */
export async function indexSlices(store: ObjectStore, plan: RunPlan): Promise<number> {
  const results = await loadSplitResults(store, plan);
  await store.write(workKeys.sliceIndex(plan), sliceIndexPieces(results.map((result) => result.slices), plan.partitionCount));
  await writeJson(store, workKeys.lineBases(plan), lineBases(results));
  return results.length;
}

/** Physical lines of each range's file before the range (ranges in file and offset order), by range. */
export function lineBases(results: readonly Pick<SplitResult, 'fileIndex' | 'lines'>[]): number[] {
  const fileLines = new Map<number, number>();
  return results.map((result) => {
    const base = fileLines.get(result.fileIndex) ?? 0;
    fileLines.set(result.fileIndex, base + result.lines);
    return base;
  });
}

/** Partition `partition`'s slice of every range ([start, end) in the range object), in range order. */
export async function readSliceRow(store: ObjectStore, plan: RunPlan, partition: number): Promise<Array<{ start: number; end: number }>> {
  const ranges = plan.ranges.length;
  const key = workKeys.sliceIndex(plan);
  const row = sliceIndexRow(ranges, partition);
  if (partition === 0) {
    // The first row's read includes the header: checked once, with no request of its own.
    const bytes = await collectBytes(store.readRange(key, 0, row.end));
    checkSliceIndexHeader(bytes, ranges, plan.partitionCount);
    return parseSliceIndexRow(bytes.subarray(SLICE_INDEX_HEADER_BYTES), ranges);
  }
  return parseSliceIndexRow(await collectBytes(store.readRange(key, row.start, row.end)), ranges);
}
