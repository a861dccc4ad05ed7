/**
 * Assemble's merge (mergeSlice) as the output slices run it: any subset of the three result files, byte for byte
 * those of the whole run, cut by slices into parts that join back into them; and, on a store whose reads hold
 * connections, a merge of many partitions reads each partition once, one window read at a time, none held open.
 */
import { mergeSlice, RESULT_FILE_NAMES, RESULT_FILES, ResultFile } from '../../../lambdas/domain/pipeline/merge';
import { assembleSlice, sliceKeys, sliceStartsOf } from '../../../lambdas/domain/pipeline/output-slices';
import { workKeys } from '../../../lambdas/domain/pipeline/run-plan';
import { MemoryObjectStore } from '../../helpers/memory-store';
import { FixtureResult, runFixture, readFixtureBytes } from '../../helpers/run-fixture';

const KIB = 1024;

function runConformance(sizing: { targetRangeBytes: number; targetPartitionBytes: number; targetSliceBytes?: number }): Promise<FixtureResult> {
  return runFixture({
    files: [{ name: 'input.csv', content: readFixtureBytes('conformance/input.csv') }],
    county: 'SACRAMENTO',
    computeAt: '2019-11-11',
    sizing,
  });
}

/** A copy of a store whose reads hold connections (as S3's), counting the window reads of the classified rows. */
class ConnectionCountingStore extends MemoryObjectStore {
  readonly readsHoldConnections = true;
  /** Classified-row reads open now and at most, per key and in all; their bytes; whole-object reads of them. */
  readonly open = new Map<string, number>();
  readonly mostOpen = new Map<string, number>();
  openInAll = 0;
  mostOpenInAll = 0;
  bytesRead = 0;
  wholeReads = 0;

  constructor(
    from: MemoryObjectStore,
    private readonly classifiedKeys: ReadonlySet<string>,
  ) {
    super();
    for (const key of from.keys()) this.put(key, from.get(key));
  }

  override async *readRange(key: string, start: number, end?: number): AsyncIterable<Buffer> {
    if (!this.classifiedKeys.has(key)) return yield* super.readRange(key, start, end);
    const open = (this.open.get(key) ?? 0) + 1;
    this.open.set(key, open);
    this.mostOpen.set(key, Math.max(open, this.mostOpen.get(key) ?? 0));
    this.mostOpenInAll = Math.max(this.mostOpenInAll, ++this.openInAll);
    try {
      await new Promise((resolve) => setImmediate(resolve));
      for await (const chunk of super.readRange(key, start, end)) {
        this.bytesRead += chunk.length;
        yield chunk;
      }
    } finally {
      this.open.set(key, this.open.get(key)! - 1);
      this.openInAll--;
    }
  }

  override read(key: string): AsyncIterable<Buffer> {
    if (this.classifiedKeys.has(key)) this.wholeReads++;
    return super.read(key);
  }
}

describe('mergeSlice', () => {
  test('a merge of some result files writes those, byte for byte as the run\'s, and counts rows per input file', async () => {
    const run = await runConformance({ targetRangeBytes: 4 * KIB, targetPartitionBytes: 4 * KIB });
    const { store, plan } = run;
    expect(plan.partitionCount).toBeGreaterThan(1);
    const whole: Record<ResultFile, string> = { allResults: run.allResults, prop64Results: run.prop64Results, condensed: run.condensed };
    const target = (file: ResultFile) => `merge-test/${RESULT_FILE_NAMES[file]}`;
    const merge = (files: readonly ResultFile[]) =>
      mergeSlice(
        store,
        plan,
        Array.from({ length: plan.partitionCount }, (_, p) => store.read(workKeys.classified(plan, p))),
        Object.fromEntries(files.map((file) => [file, target(file)])),
        { header: true, fileEnds: plan.files.map((file) => file.size) },
      );

    expect(await merge(['condensed'])).toEqual([run.summary.rowsRead - run.summary.rowsRejected]);
    expect(store.text(target('condensed'))).toBe(whole.condensed);
    expect(store.keys()).not.toContain(target('allResults'));
    expect(store.keys()).not.toContain(target('prop64Results'));

    await merge(['allResults', 'prop64Results']);
    expect(store.text(target('allResults'))).toBe(whole.allResults);
    expect(store.text(target('prop64Results'))).toBe(whole.prop64Results);
  });

  test('slices merged over many partitions: parts that join into the run\'s result files; one window read of each partition at a time', async () => {
    const run = await runConformance({ targetRangeBytes: 2 * KIB, targetPartitionBytes: 2 * KIB, targetSliceBytes: 4 * KIB });
    const { plan } = run;
    const slices = sliceStartsOf(plan).length;
    expect(plan.partitionCount).toBeGreaterThanOrEqual(8);
    expect(slices).toBeGreaterThan(1);
    const classifiedKeys = new Set(Array.from({ length: plan.partitionCount }, (_, p) => workKeys.classified(plan, p)));
    const store = new ConnectionCountingStore(run.store, classifiedKeys);

    for (let slice = 0; slice < slices; slice++) await assembleSlice(store, plan, slice);

    for (const file of RESULT_FILES) {
      const joined = Array.from({ length: slices }, (_, slice) => store.text(sliceKeys.part(plan, slice, file))).join('');
      expect({ file, joined }).toEqual({ file, joined: run[file] });
    }
    // Every partition read once, in window reads that end before the merge uses their bytes: never a whole-object
    // stream, never two reads of one partition at once, never a read held open per partition while the merge runs.
    expect(store.wholeReads).toBe(0);
    expect([...store.mostOpen.keys()].sort()).toEqual([...classifiedKeys].sort());
    expect(Math.max(...store.mostOpen.values())).toBe(1);
    // Windows smaller than their window size are read whole at once: no read ahead, one read open at a time (a
    // stream per partition would hold every partition of the slice open).
    expect(store.mostOpenInAll).toBe(1);
    const classifiedBytes = [...classifiedKeys].reduce((sum, key) => sum + run.store.get(key).length, 0);
    expect(store.bytesRead).toBe(classifiedBytes);
  });
});
