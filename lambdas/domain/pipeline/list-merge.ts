/**
 * The sorted lists (court motions, defender notices, city attorney referrals, undecided, review; court-lists.ts),
 * cut into list slices by sort key, one per output slice, so that no invocation merges a whole list.
 *
 * - Each Classify task sorts its own partition's lines by case number, CII, CNT_ORDER and input position (a total
 *   order: `compareEntries`) and writes, beside its five sorted list files, a sparse key index (`listKeysKey`): for
 *   each list its size and every entry that starts at least LIST_KEY_BYTES after the previous one sampled (the first
 *   always), with its byte offset.
 * - The list slices' boundaries are keys picked from every partition's samples, evenly by count (`listBoundaries`):
 *   a pure function of the indexes, so every slice task computes the same boundaries without a step of its own.
 *   Partitions hold people by a hash of SUBJECT_ID, so each partition's keys spread like the whole list's.
 * - The slice task of output slice s merges the entries of list slice s from every partition: ranged reads from the
 *   last sample below its low key to the first sample at or above its high key (`listReadRange`), the entries
 *   outside its range skipped, a k-way merge (`mergeEntries`). The parts are joined with the other outputs.
 *
 * A person's cases all live in one partition, so no line spans two. Bound per slice task: its key range's entries
 * (about the list's size / S, plus up to 2 × LIST_KEY_BYTES per partition), P small index reads, windowed reads.
 */
import { linePieces } from '../csv/writer';
import { LIST_KEY_BYTES } from '../defaults';
import { CourtListEntry, CourtListKind, compareEntries, courtListWorkKeys, entryText, mergeEntries, readEntries } from '../report/court-lists';
import { compareKeys } from './compare-keys';
import { ObjectStore, readManyRange } from './object-store';
import { RunPlan, workKeys } from './run-plan';

/** A sampled entry of a sorted list file: its sort key, its position (the last tie-break) and its byte offset. */
export type ListKeySample = [sortKey: string, position: number, offset: number];

/** A partition's sparse key index: per list, the file's size and its samples in file order (none: not sampled). */
export type ListKeyIndex = Partial<Record<CourtListKind, { size: number; samples: ListKeySample[] }>>;

/** Where a partition's sparse key index lies, beside its classified rows. */
export function listKeysKey(plan: Pick<RunPlan, 'workPrefix'>, partition: number): string {
  return `${workKeys.classified(plan, partition)}.list-keys.json`;
}

/** The work-area key of partition `partition`'s sorted entries of list `kind`. */
export function sortedListKey(plan: RunPlan, kind: CourtListKind, partition: number): string {
  // A run compared with its register reads the review entries Compare filtered (decisions carried forward).
  if (kind === 'review' && plan.previous !== undefined) return compareKeys.review(plan, partition);
  return courtListWorkKeys[kind](workKeys.classified(plan, partition));
}

/**
 * The work-area form of a partition's sorted entries (court-lists.ts's entryPieces: a header line, the sort key and
 * the line per entry, latin-1), sampling into `samples` as the lines are made; `done(size)` at the end.
 */
export function sampledEntryPieces(entries: readonly CourtListEntry[], samples: ListKeySample[], done: (size: number) => void, everyBytes = LIST_KEY_BYTES): Iterable<Buffer> {
  let offset = 0;
  let next = 0;
  const pieces = linePieces(entries, (entry) => {
    const line = entryText(entry);
    if (offset >= next) {
      samples.push([entry.sortKey, entry.position, offset]);
      next = offset + everyBytes;
    }
    offset += line.length + 1;
    return line;
  });
  return (function* () {
    yield* pieces;
    done(offset);
  })();
}

/** Sort order of two samples (as `compareEntries`). */
function compareSamples(a: ListKeySample, b: ListKeySample): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] - b[1];
}

/**
 * The keys where list slices 1..slices-1 begin, picked evenly by count from every partition's samples (equal
 * boundaries make empty slices); none when no partition has a sample (slice 0 then takes the whole list).
 */
export function listBoundaries(indexes: readonly ListKeyIndex[], kind: CourtListKind, slices: number): ListKeySample[] {
  const samples = indexes.flatMap((index) => index[kind]?.samples ?? []).sort(compareSamples);
  if (samples.length === 0) return [];
  return Array.from({ length: slices - 1 }, (_, i) => samples[Math.floor(((i + 1) * samples.length) / slices)]);
}

/** List slice `slice`'s keys [low, high) (undefined: unbounded) from the boundaries; null when it has none. */
export function listSliceRange(boundaries: readonly ListKeySample[], slice: number): { low?: ListKeySample; high?: ListKeySample } | null {
  if (slice > boundaries.length) return null;
  return {
    ...(slice > 0 ? { low: boundaries[slice - 1] } : {}),
    ...(slice < boundaries.length ? { high: boundaries[slice] } : {}),
  };
}

/** Bytes [start, end) of a partition's list file that hold every entry of [low, high): from its samples. */
export function listReadRange(list: { size: number; samples: readonly ListKeySample[] }, range: { low?: ListKeySample; high?: ListKeySample }): { start: number; end: number } {
  let start = 0;
  let end = list.size;
  for (const sample of list.samples) {
    if (range.low !== undefined && compareSamples(sample, range.low) < 0) start = sample[2];
    if (range.high !== undefined && compareSamples(sample, range.high) >= 0) {
      end = sample[2];
      break;
    }
  }
  return { start, end: Math.max(start, end) };
}

/** The entries of `entries` within [low, high), which come in list order. */
async function* withinRange(entries: AsyncIterable<CourtListEntry>, range: { low?: ListKeySample; high?: ListKeySample }): AsyncGenerator<CourtListEntry> {
  const low = range.low === undefined ? undefined : { sortKey: range.low[0], position: range.low[1], line: '' };
  const high = range.high === undefined ? undefined : { sortKey: range.high[0], position: range.high[1], line: '' };
  for await (const entry of entries) {
    if (low !== undefined && compareEntries(entry, low) < 0) continue;
    if (high !== undefined && compareEntries(entry, high) >= 0) return;
    yield entry;
  }
}

/**
 * List slice `slice` of list `kind`, merged from every partition: its entries in list order. A list without a
 * partition's index (a compared run's review list, filtered by Compare) is read whole from that partition.
 */
export async function* listSliceEntries(
  store: ObjectStore,
  plan: RunPlan,
  indexes: readonly ListKeyIndex[],
  kind: CourtListKind,
  slice: number,
  slices: number,
): AsyncGenerator<CourtListEntry> {
  const range = listSliceRange(listBoundaries(indexes, kind, slices), slice);
  if (range === null) return;
  const parts: Array<{ key: string; start: number; end: number }> = [];
  for (let p = 0; p < indexes.length; p++) {
    const key = sortedListKey(plan, kind, p);
    const list = kind === 'review' && plan.previous !== undefined ? undefined : indexes[p][kind];
    const { start, end } = listReadRange(list ?? { size: await store.size(key), samples: [] }, range);
    if (end > start) parts.push({ key, start, end });
  }
  yield* mergeEntries(parts.map(({ key, start, end }) => withinRange(readEntries(readManyRange(store, key, start, end, parts.length)), range)));
}
