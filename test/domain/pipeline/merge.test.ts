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

  test('read chunks: 64 KiB up to 96 partitions, then smaller, never under 16 KiB', () => {
    const chunk = (partitions: number) => (mergeReadOptions(partitions) as Required<ReadOptions>).chunkBytes;
    expect(chunk(1)).toBe(64 * KIB);
    expect(chunk(96)).toBe(64 * KIB);
    expect(chunk(200)).toBeLessThan(64 * KIB);
    expect(chunk(200)).toBeGreaterThan(16 * KIB);
    expect(chunk(257)).toBeGreaterThanOrEqual(16 * KIB);
    expect(chunk(5000)).toBe(16 * KIB);
    // Memory of the chunks held is bounded: 6 MiB in all, or 16 KiB per partition past 384 partitions.
    for (let partitions = 1; partitions < 2000; partitions += 37) expect(chunk(partitions) * partitions).toBeLessThanOrEqual(Math.max(6144 * KIB, 16 * KIB * partitions));
  });
});
