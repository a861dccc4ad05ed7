import fc from 'fast-check';
import { compareEntries, CourtListEntry } from '../../../lambdas/domain/report/court-lists';
import {
  listBoundaries, ListKeyIndex, ListKeySample, listReadRange, listSliceEntries, sampledEntryPieces, sortedListKey,
} from '../../../lambdas/domain/pipeline/list-merge';
import { collectBytes } from '../../../lambdas/domain/pipeline/object-store';
import { RunPlan } from '../../../lambdas/domain/pipeline/plan';
import { MemoryObjectStore } from '../../helpers/memory-store';

const plan = { workPrefix: 'work/run/' } as RunPlan;

/** Writes each partition's sorted entries as Classify does, sampled every `everyBytes`; returns the indexes. */
async function writePartitions(store: MemoryObjectStore, partitions: CourtListEntry[][], everyBytes: number): Promise<ListKeyIndex[]> {
  return Promise.all(
    partitions.map(async (entries, p) => {
      const index: ListKeyIndex = {};
      const samples: ListKeySample[] = [];
      await store.write(sortedListKey(plan, 'motions', p), sampledEntryPieces([...entries].sort(compareEntries), samples, (size) => (index.motions = { size, samples }), everyBytes));
      return index;
    }),
  );
}

async function allSlices(store: MemoryObjectStore, indexes: ListKeyIndex[], slices: number): Promise<string[]> {
  const lines: string[] = [];
  for (let slice = 0; slice < slices; slice++) {
    for await (const entry of listSliceEntries(store, { ...plan, partitionCount: indexes.length } as RunPlan, indexes, 'motions', slice, slices)) lines.push(entry.line);
  }
  return lines;
}

/** Entries with few distinct sort keys (ties broken by position, unique in a list), spread over partitions. */
const partitionedEntries = fc
  .array(fc.record({ key: fc.constantFrom('0A1', '0A2', '0B', '1', '0A1\u0000x'), partition: fc.nat(4), text: fc.string({ maxLength: 30 }) }), { maxLength: 120 })
  .map((items) => {
    const partitions: CourtListEntry[][] = [[], [], [], [], []];
    items.forEach((item, position) => partitions[item.partition].push({ position, sortKey: item.key, line: `${position},${JSON.stringify(item.text)}` }));
    return partitions;
  });

describe('list slices', () => {
  it('joined in slice order, are the whole list in list order, whatever the sampling and slice count', async () => {
    await fc.assert(
      fc.asyncProperty(partitionedEntries, fc.integer({ min: 1, max: 400 }), fc.integer({ min: 1, max: 7 }), async (partitions, everyBytes, slices) => {
        const store = new MemoryObjectStore();
        const indexes = await writePartitions(store, partitions, everyBytes);
        const whole = partitions.flat().sort(compareEntries).map((entry) => entry.line);
        expect(await allSlices(store, indexes, slices)).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('are balanced by the samples, and each reads only its part of a partition\'s file', async () => {
    const store = new MemoryObjectStore();
    const entries = Array.from({ length: 400 }, (_, i) => ({ position: i, sortKey: `0${String(i % 100).padStart(3, '0')}`, line: `line ${i}` }));
    const partitions = [entries.filter((_, i) => i % 2 === 0), entries.filter((_, i) => i % 2 === 1)];
    const indexes = await writePartitions(store, partitions, 300);
    expect(indexes[0].motions!.samples.length).toBeGreaterThan(8);
    const boundaries = listBoundaries(indexes, 'motions', 4);
    expect(boundaries).toHaveLength(3);
    const sizes: number[] = [];
    for (let slice = 0; slice < 4; slice++) {
      let count = 0;
      for await (const entry of listSliceEntries(store, { ...plan, partitionCount: 2 } as RunPlan, indexes, 'motions', slice, 4)) count += entry.line === '' ? 0 : 1;
      sizes.push(count);
    }
    expect(sizes.reduce((a, b) => a + b)).toBe(400);
    for (const size of sizes) expect(size).toBeGreaterThan(60);
    // The last slice of partition 0 starts after its first half.
    const list = indexes[0].motions!;
    const { start, end } = listReadRange(list, { low: boundaries[2] });
    expect(start).toBeGreaterThan(list.size / 2);
    expect(end).toBe(list.size);
    const text = (await collectBytes(store.readRange(sortedListKey(plan, 'motions', 0), start, end))).toString('latin1');
    // The range begins at an entry's header: `<position> <key length> <line length>` LF.
    expect(text).toMatch(/^\d+ \d+ \d+\n/);
  });
});
