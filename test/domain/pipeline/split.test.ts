/**
 * Split on its own, through a whole run's work area: ranges that tile each file (every physical line read once,
 * the header once), every accepted row routed to exactly one partition, and bad rows rejected with their line.
 */
import { readJson } from '../../../lambdas/domain/pipeline/object-store';
import { partitionOf, SplitReject, SplitResult } from '../../../lambdas/domain/pipeline/split';
import { workKeys } from '../../../lambdas/domain/pipeline/plan';
import { convictionRow, dojCsv, DOJ_HEADER } from '../../helpers/doj-rows';
import { runFixture } from '../../helpers/run-fixture';

const PEOPLE = 60;

function extract(): { text: string; lines: number } {
  const rows = Array.from({ length: PEOPLE }, (_, person) =>
    [1, 2].map((count) => convictionRow({ subjectId: `S${person}`, offense: '11357 HS-POSSESS MARIJUANA', date: `20${10 + count}0101`, felony: false, countOrder: `10100${count}001000` })),
  ).flat();
  const lines = dojCsv(rows).split('\n').slice(0, -1);
  // A short row (line 10), a header repeated inside the file (line 20) and a blank line (line 30).
  lines.splice(9, 0, 'not,a,row');
  lines.splice(19, 0, DOJ_HEADER);
  lines.splice(29, 0, '');
  return { text: `${lines.join('\n')}\n`, lines: lines.length };
}

describe('splitRange', () => {
  it('tiles the file with its ranges, routes each row to its person\'s partition once, and rejects bad rows with their line', async () => {
    const input = extract();
    const run = await runFixture({
      files: [{ name: 'input.csv', content: input.text }],
      county: 'SACRAMENTO',
      computeAt: '2024-01-01',
      maxRejectRatio: 0.5,
      sizing: { targetRangeBytes: 8 * 1024, targetPartitionBytes: 8 * 1024 },
    });
    const { store, plan } = run;
    expect(plan.ranges.length).toBeGreaterThan(3);
    expect(plan.partitionCount).toBeGreaterThan(1);
    const results = await Promise.all(plan.ranges.map((range) => readJson<SplitResult>(store, workKeys.splitResult(plan, range.index))));

    // The ranges tile the file: each starts where the previous one's records ended; lines add up to the file's.
    expect(results[0].startOffset).toBe(0);
    for (let i = 1; i < results.length; i++) expect(results[i].startOffset).toBe(results[i - 1].nextOffset);
    expect(results[results.length - 1].nextOffset).toBe(Buffer.byteLength(input.text));
    expect(results.reduce((sum, result) => sum + result.lines, 0)).toBe(input.lines);
    expect(results.map((result) => result.hadHeader)).toEqual(results.map((_, index) => index === 0));

    // Every data row read once; the two bad rows rejected, the blank line counted apart.
    const rowsRead = results.reduce((sum, result) => sum + result.statistics.rowsRead, 0);
    expect(rowsRead).toBe(2 * PEOPLE + 2);
    expect(results.reduce((sum, result) => sum + result.statistics.blankLines, 0)).toBe(1);
    const rejects: SplitReject[] = [];
    for (const range of plan.ranges) {
      const text = store.text(workKeys.splitRejects(plan, range.index));
      for (const line of text.split('\n').filter((l) => l !== '')) rejects.push(JSON.parse(line) as SplitReject);
    }
    expect(rejects.map((reject) => reject.code).sort()).toEqual(['FIELD_COUNT', 'REPEATED_HEADER']);
    expect(rejects.find((reject) => reject.code === 'FIELD_COUNT')!.text).toBe('not,a,row');

    // Each range object holds its partitions' slices one after another, the last ending at the object's end.
    for (const [index, result] of results.entries()) {
      expect(result.slices).toHaveLength(plan.partitionCount + 1);
      for (let p = 1; p < result.slices.length; p++) expect(result.slices[p]).toBeGreaterThanOrEqual(result.slices[p - 1]);
      expect(result.slices[plan.partitionCount]).toBe(store.get(workKeys.splitRange(plan, index)).length);
    }
    // And the run counted every person once, whichever range their rows were in: the 60 and the short row's
    // SUBJECT_ID (`a`), a person whose record is incomplete.
    expect(run.summary.people).toBe(PEOPLE + 1);
  });

  it('routes a SUBJECT_ID to one partition, the same whatever the file, within the partition count', () => {
    for (const count of [1, 2, 7, 64]) {
      for (let person = 0; person < 200; person++) {
        const partition = partitionOf(`S${person}`, count);
        expect(partition).toBe(partitionOf(`S${person}`, count));
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(count);
      }
    }
    expect(new Set(Array.from({ length: 200 }, (_, person) => partitionOf(`S${person}`, 7))).size).toBe(7);
  });
});
