/**
 * Finalize's fan-out, step 1 (lambdas/domain/review/round-plan.ts): the sources of a round cut into ranges at record
 * starts that tile each source, the partition count from the review list's size, and the files that are not planned
 * (already applied, or a run that cannot be reviewed).
 */
import { csvLine } from '../../../lambdas/domain/csv/writer';
import { applyStoredDecisionFile } from '../../../lambdas/domain/review/fan-out';
import { planRound, roundKeys } from '../../../lambdas/domain/review/round-plan';
import { CONTEXT, decisionFile, ITEMS, KEYS, LIST, plannedRound, runStore } from './round-fixture';

describe('planRound', () => {
  it('cuts the review list and the file into ranges that tile them, each starting at a record', async () => {
    const file = decisionFile([[ITEMS[0].id, 'Deny', 'a reason\nover two lines', 'B. Reviewer', '2024-03-03']]);
    const store = runStore(file);
    const plan = await plannedRound(store, { rangeBytes: 150, partitionBytes: 400 });
    expect(plan.sources.map((source) => [source.kind, source.size])).toEqual([['reviewList', LIST.length], ['file', file.length]]);
    expect(plan.partitionCount).toBe(Math.ceil(LIST.length / 400));
    expect(plan.round).toBe(1);
    expect(plan.context).toEqual(CONTEXT);
    for (const [s, text] of [LIST, file].entries()) {
      const ranges = plan.ranges.filter((range) => range.source === s);
      expect(ranges.length).toBeGreaterThan(1);
      expect(ranges[0].start).toBe(0);
      expect(ranges[ranges.length - 1].end).toBe(text.length);
      for (let r = 1; r < ranges.length; r++) {
        expect(ranges[r].start).toBe(ranges[r - 1].end);
        expect(text[ranges[r].start - 1]).toBe('\n');
      }
    }
    // The reason's line break inside quotes is no record start.
    expect(plan.ranges.map((range) => range.start)).not.toContain(file.indexOf('over two lines'));
    expect(JSON.parse(store.text(roundKeys.plan(plan.workPrefix), 'utf8'))).toEqual(JSON.parse(JSON.stringify(plan)));
  });

  it('at most maxPartitions partitions, at least one', async () => {
    expect((await plannedRound(runStore(decisionFile()), { partitionBytes: 1, maxPartitions: 3 })).partitionCount).toBe(3);
    expect((await plannedRound(runStore(decisionFile()), { partitionBytes: 1 << 30 })).partitionCount).toBe(1);
  });

  it('a file already applied is not planned again; nor is a file for a run that did not succeed', async () => {
    const file = decisionFile();
    const store = runStore(file);
    expect(await applyStoredDecisionFile(store, KEYS, { name: 'round1.csv', key: 'upload.csv' }, CONTEXT.codeVersion)).toMatchObject({ status: 'APPLIED', round: 1 });
    const again = await planRound(store, KEYS.inputs, { name: 'again.csv', key: 'upload.csv' }, () => 'work/', CONTEXT.codeVersion);
    expect(again).toEqual({ report: expect.objectContaining({ status: 'ALREADY_APPLIED', round: 1, file: 'again.csv', rounds: 1, problems: [] }) });

    const failed = runStore(file);
    failed.put('summary.json', JSON.stringify({ status: 'FAILED', runId: 'r', county: 'C', computeAt: 'd', policyName: 'p' }));
    const refused = await planRound(failed, KEYS.inputs, { name: 'a.csv', key: 'upload.csv' }, () => 'work/', CONTEXT.codeVersion);
    expect(refused).toEqual({ report: expect.objectContaining({ status: 'REJECTED', problems: [{ line: null, message: expect.stringContaining('did not succeed') }] }) });
    expect(await failed.list('work/')).toEqual([]);
  });

  it('a file without a usable header is one range, read only for its problems', async () => {
    const file = `${csvLine(['Decision', 'Reviewer'])}\n${csvLine(['Deny', 'A'])}\n`;
    const plan = await plannedRound(runStore(file), { rangeBytes: 10 });
    const source = plan.sources[plan.sources.length - 1];
    expect(source).toMatchObject({ kind: 'file', columns: null });
    expect(source.kind === 'file' && source.headerProblems.map((problem) => problem.line)).toEqual([1, 1, 1]);
    expect(plan.ranges.filter((range) => range.source === plan.sources.length - 1)).toEqual([expect.objectContaining({ start: 0, end: file.length })]);
  });
});
