/**
 * Assemble's merge on its own: any subset of the three result files, the same bytes as a merge of all three, and
 * read chunks that shrink as partitions grow (a merge holds every partition's stream open at once).
 */
import { mergeReadOptions, mergeResultFiles, RESULT_FILE_NAMES, RESULT_FILES, stagedKey } from '../../../lambdas/domain/pipeline/merge';
import { ReadOptions } from '../../../lambdas/domain/pipeline/object-store';
import { runFixture, readFixtureBytes } from '../../helpers/run-fixture';

const KIB = 1024;

describe('merge', () => {
  test('a merge of some result files writes those, byte for byte as the merge of all three, and counts rows per input file', async () => {
    const run = await runFixture({
      files: [{ name: 'input.csv', content: readFixtureBytes('conformance/input.csv') }],
      county: 'SACRAMENTO',
      computeAt: '2019-11-11',
      sizing: { targetRangeBytes: 4 * KIB, targetPartitionBytes: 4 * KIB },
    });
    const { store, plan } = run;
    expect(plan.partitionCount).toBeGreaterThan(1);
    const staged = (file: keyof typeof RESULT_FILE_NAMES) => stagedKey(plan, RESULT_FILE_NAMES[file]);
    const whole = Object.fromEntries(RESULT_FILES.map((file) => [file, store.text(staged(file))]));
    await store.delete(RESULT_FILES.map(staged));

    const rows = await mergeResultFiles(store, plan, ['condensed']);
    expect(rows).toEqual([run.summary.rowsRead - run.summary.rowsRejected]);
    expect(store.text(staged('condensed'))).toBe(whole.condensed);
    expect(store.keys()).not.toContain(staged('allResults'));
    expect(store.keys()).not.toContain(staged('prop64Results'));

    await mergeResultFiles(store, plan, ['allResults', 'prop64Results']);
    expect(store.text(staged('allResults'))).toBe(whole.allResults);
    expect(store.text(staged('prop64Results'))).toBe(whole.prop64Results);
    expect(whole.allResults).toBe(run.allResults);
  });

  test('the read chunks a merge holds stay within 6 MiB (16 KiB a partition past that), shrinking as partitions grow', () => {
    let previous = Infinity;
    for (let partitions = 1; partitions < 5000; partitions += 37) {
      const { chunkBytes, reuseBuffer } = mergeReadOptions(partitions) as Required<ReadOptions>;
      expect(reuseBuffer).toBe(true);
      expect(chunkBytes * partitions).toBeLessThanOrEqual(Math.max(6144 * KIB, 16 * KIB * partitions));
      expect(chunkBytes).toBeLessThanOrEqual(previous);
      previous = chunkBytes;
    }
  });
});
