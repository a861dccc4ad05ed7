/**
 * Classify of one partition, through a whole run's work area: each person is classified once, in the partition of
 * their SUBJECT_ID, from all their rows whatever range they were in; a partition classified again (a retried task)
 * writes the same bytes and statistics.
 */
import { classifyPartition } from '../../../lambdas/domain/pipeline/classify-partition';
import { readJson } from '../../../lambdas/domain/pipeline/object-store';
import { workKeys } from '../../../lambdas/domain/pipeline/plan';
import { RunStatistics } from '../../../lambdas/domain/statistics';
import { convictionRow, dojCsv } from '../../helpers/doj-rows';
import { runFixture } from '../../helpers/run-fixture';

const PEOPLE = 40;

describe('classifyPartition', () => {
  it('classifies each person once from rows in several ranges, and a second attempt writes the same bytes', async () => {
    // Each person's first conviction in the first half of the file, the second in the second half: other ranges.
    const first = Array.from({ length: PEOPLE }, (_, person) => convictionRow({ subjectId: `S${person}`, offense: '11357 HS-POSSESS MARIJUANA', date: '20110101', felony: false }));
    const second = Array.from({ length: PEOPLE }, (_, person) =>
      convictionRow({ subjectId: `S${person}`, offense: '11359 HS-POSSESS MARIJUANA FOR SALE', date: '20120101', countOrder: '101002001000' }),
    );
    const { store, plan, summary } = await runFixture({
      files: [{ name: 'input.csv', content: dojCsv([...first, ...second]) }],
      county: 'SACRAMENTO',
      computeAt: '2024-01-01',
      sizing: { targetRangeBytes: 8 * 1024, targetPartitionBytes: 8 * 1024 },
    });
    expect(plan.ranges.length).toBeGreaterThan(2);
    expect(plan.partitionCount).toBeGreaterThan(1);

    const stats = await Promise.all(Array.from({ length: plan.partitionCount }, (_, p) => readJson<RunStatistics>(store, workKeys.classifyStats(plan, p))));
    expect(stats.reduce((sum, s) => sum + s.people, 0)).toBe(PEOPLE);
    expect(stats.reduce((sum, s) => sum + s.convictions, 0)).toBe(2 * PEOPLE);
    expect(stats.filter((s) => s.people > 0).length).toBeGreaterThan(1);
    expect(summary.people).toBe(PEOPLE);

    for (let partition = 0; partition < plan.partitionCount; partition++) {
      const written = store.get(workKeys.classified(plan, partition));
      const again = await classifyPartition(store, plan, partition);
      expect(again).toEqual(stats[partition]);
      expect(store.get(workKeys.classified(plan, partition)).equals(written)).toBe(true);
    }
  });
});
