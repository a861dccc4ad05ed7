/**
 * The sorted lists (court motions, defender notices, city attorney referrals, undecided, review; court-lists.ts):
 * each partition sorts its own list lines by case number, CII, CNT_ORDER and input position; this k-way merge of
 * the partitions' sorted list files gives each whole list. A person's cases all live in one partition, so no line
 * spans two. The lists are sorted, not position-ordered, so the output slices (output-slices.ts) cannot cut them.
 *
 * Bound: every list entry of the run is read once; the open reads are one window per partition (readMany: windowed
 * ranged reads on S3, at most WINDOW_READS_IN_FLIGHT requests in flight), memory one window per partition plus the
 * merge's heap of P entries. docs/limits.md gives the county size at which this reaches Publish's time and memory.
 */
import { COURT_LIST_FILES, COURT_LIST_HEADERS, COURT_LIST_KINDS, COURT_LIST_OUTPUTS, courtListWorkKeys, mergeEntries, readEntries } from '../report/court-lists';
import { ChunkChannel, PieceWriter } from './channel';
import { compareKeys } from './compare-register';
import { ObjectStore, ReadOptions, readMany } from './object-store';
import { RunPlan, workKeys } from './plan';

/** Court-list entries are read as text, each partition's chunk held until its entries are merged: small chunks. */
const LIST_READ: ReadOptions = { chunkBytes: 16 * 1024 };

/** The work-area key of partition `partition`'s sorted entries of list `kind`. */
export function sortedListKey(plan: RunPlan, kind: (typeof COURT_LIST_KINDS)[number], partition: number): string {
  // A run compared with its register reads the review entries Compare filtered (decisions carried forward).
  if (kind === 'review' && plan.previous !== undefined) return compareKeys.review(plan, partition);
  return courtListWorkKeys[kind](workKeys.classified(plan, partition));
}

/** Writes each sorted list, merged from every partition's sorted list file, to `stagedKey(list)`; one list at a time. */
export async function writeSortedLists(store: ObjectStore, plan: RunPlan, stagedKey: (list: keyof typeof COURT_LIST_FILES) => string): Promise<void> {
  for (const kind of COURT_LIST_KINDS) {
    const sources = Array.from({ length: plan.partitionCount }, (_, p) => readEntries(readMany(store, sortedListKey(plan, kind, p), plan.partitionCount, LIST_READ)));
    const channel = new ChunkChannel();
    const writing = store.write(stagedKey(COURT_LIST_OUTPUTS[kind]), channel);
    try {
      const writer = new PieceWriter(channel);
      await writer.write(`${COURT_LIST_HEADERS[kind]}\n`);
      for await (const entry of mergeEntries(sources)) await writer.write(`${entry.line}\n`);
      await writer.flush();
      channel.close();
    } catch (error) {
      channel.close(error);
      await writing.catch(() => undefined);
      throw error;
    }
    await writing;
  }
}
