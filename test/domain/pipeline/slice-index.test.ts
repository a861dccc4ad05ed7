/**
 * The slice index between Split and Classify (lambdas/domain/pipeline/slice-index.ts): each partition's slice of
 * every range object read back from one row, the physical lines before each range, and ranges that do not tile
 * their file refused before any classification.
 */
import { InputError } from '../../../lambdas/domain/errors';
import { workKeys } from '../../../lambdas/domain/pipeline/run-plan';
import { indexSlices, lineBases, loadSplitResults, readSliceRow } from '../../../lambdas/domain/pipeline/slice-index';
import { plannedRun, splitRun } from '../../helpers/pipeline-phases';

describe('the slice index', () => {
  it("gives each partition its slice of every range object, as Split left them, and each range's line base", async () => {
    const run = await plannedRun();
    const results = await splitRun(run);
    expect(run.plan.ranges.length).toBeGreaterThan(2);
    expect(run.plan.partitionCount).toBeGreaterThan(1);
    expect(await indexSlices(run.store, run.plan)).toBe(run.plan.ranges.length);
    for (let partition = 0; partition < run.plan.partitionCount; partition++) {
      expect(await readSliceRow(run.store, run.plan, partition)).toEqual(results.map((result) => ({ start: result.slices[partition], end: result.slices[partition + 1] })));
    }
    const bases = JSON.parse(run.store.text(workKeys.lineBases(run.plan), 'utf8')) as number[];
    expect(bases).toEqual(lineBases(results));
    expect(bases[0]).toBe(0);
    expect(bases[bases.length - 1] + results[results.length - 1].lines).toBe(run.extract.split('\n').length - 1);
  });

  it('refuses ranges that do not tile their file, naming the file and offset', async () => {
    const run = await plannedRun();
    await splitRun(run);
    const key = workKeys.splitResult(run.plan, 0);
    const first = JSON.parse(run.store.text(key, 'utf8'));
    run.store.put(key, JSON.stringify({ ...first, nextOffset: first.nextOffset - 1 }));
    await expect(loadSplitResults(run.store, run.plan)).rejects.toThrow(InputError);
    await expect(loadSplitResults(run.store, run.plan)).rejects.toThrow(new RegExp(`^x\\.csv: a quoted field runs across the byte range boundary at offset ${first.nextOffset} \\(range 0 ended at ${first.nextOffset - 1}\\)`));
  });
});

describe('lineBases', () => {
  it('counts the lines of the earlier ranges of the same file, from 0 in each file', () => {
    expect(lineBases([{ fileIndex: 0, lines: 10 }, { fileIndex: 0, lines: 5 }, { fileIndex: 1, lines: 7 }, { fileIndex: 1, lines: 3 }])).toEqual([0, 10, 0, 7]);
  });
});
