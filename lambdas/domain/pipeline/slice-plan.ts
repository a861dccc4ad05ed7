/**
 * Output slices (output-slices.ts): runs of consecutive byte ranges, each the work of one Assemble-slice task. Apart
 * from output-slices.ts so that Plan can cut them without importing what the slices' tasks run.
 */
import { DEFAULT_SLICE_BYTES } from '../defaults';

/**
 * Most slices of a run: a joined output has at most two parts per slice (planJoin), and S3 allows 10,000 parts per
 * upload. Above 5,000 slices of the target size, slices are made larger.
 */
export const MAX_SLICES = 5_000;

/**
 * The first range of each slice: consecutive ranges grouped until a slice holds at least `targetSliceBytes` of
 * input (larger when that would make more than MAX_SLICES). Always at least one slice (slice 0 writes the headers).
 */
export function planSlices(ranges: ReadonlyArray<{ start: number; end: number }>, targetSliceBytes = DEFAULT_SLICE_BYTES): number[] {
  if (!(targetSliceBytes >= 1)) throw new RangeError(`target slice bytes must be at least 1, got ${targetSliceBytes}`);
  const total = ranges.reduce((sum, range) => sum + (range.end - range.start), 0);
  const target = Math.max(targetSliceBytes, Math.ceil(total / (MAX_SLICES - 1)));
  const starts = [0];
  let bytes = 0;
  for (let r = 0; r < ranges.length; r++) {
    if (bytes >= target) {
      starts.push(r);
      bytes = 0;
    }
    bytes += ranges[r].end - ranges[r].start;
  }
  return starts;
}

/**
 * The first range of each of `count` slices of about equal input (fewer when there are fewer ranges): each cut at
 * the range boundary nearest its share of the bytes. A run on one machine asks for at least one slice per worker
 * (plan.ts sliceStartsFor), so that every worker merges an input smaller than a slice of `targetSliceBytes`.
 */
export function planEvenSlices(ranges: ReadonlyArray<{ start: number; end: number }>, count: number): number[] {
  if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`slices must be a whole number >= 1, got ${count}`);
  const slices = Math.min(count, MAX_SLICES, Math.max(1, ranges.length));
  const total = ranges.reduce((sum, range) => sum + (range.end - range.start), 0);
  const starts = [0];
  let before = 0;
  for (let r = 0; r < ranges.length && starts.length < slices; r++) {
    const size = ranges[r].end - ranges[r].start;
    const cut = (starts.length * total) / slices;
    // Range r begins the next slice when the cut lies nearer its start than its end (and it is not slice 0's).
    if (r > starts[starts.length - 1] && before + size / 2 > cut) starts.push(r);
    before += size;
  }
  return starts;
}
