/** The run plan's positions and work-area keys (lambdas/domain/pipeline/run-plan.ts). */
import * as fc from 'fast-check';
import { fileIndexOf, POSITION_FILE_FACTOR, positionOf, shardOf, WORK_SHARDS, workKeys } from '../../../lambdas/domain/pipeline/run-plan';

describe('positions', () => {
  it('order rows by file, then offset, and give the file back', () => {
    fc.assert(
      fc.property(fc.nat(199), fc.nat(POSITION_FILE_FACTOR - 1), fc.nat(199), fc.nat(POSITION_FILE_FACTOR - 1), (fa, oa, fb, ob) => {
        expect(fileIndexOf(positionOf(fa, oa))).toBe(fa);
        expect(Math.sign(positionOf(fa, oa) - positionOf(fb, ob))).toBe(Math.sign(fa - fb || oa - ob));
      }),
      { numRuns: 200 },
    );
    expect(Number.isSafeInteger(positionOf(199, POSITION_FILE_FACTOR - 1))).toBe(true);
  });
});

describe('work-area keys', () => {
  const plan = { workPrefix: 'work/SUTTER/run-1/' };

  it('spread ranges and partitions over WORK_SHARDS two-hex-digit prefixes, one after another', () => {
    expect([0, 1, 15, 16, 17].map(shardOf)).toEqual(['00', '01', '0f', '00', '01']);
    expect(new Set(Array.from({ length: 100 }, (_, n) => shardOf(n))).size).toBe(WORK_SHARDS);
  });

  it('pad numbers so that a listing sorts numerically', () => {
    expect(workKeys.splitRange(plan, 7)).toBe('work/SUTTER/run-1/split/07/r000007');
    expect(workKeys.classified(plan, 123)).toBe('work/SUTTER/run-1/classify/0b/p000123');
    expect(workKeys.input(plan, 2)).toBe('work/SUTTER/run-1/input/000002');
    const keys = [10, 9, 100, 2].map((n) => workKeys.classifyStats(plan, n).replace(/\/classify\/[0-9a-f]{2}\//, '/'));
    expect([...keys].sort()).toEqual([2, 9, 10, 100].map((n) => workKeys.classifyStats(plan, n).replace(/\/classify\/[0-9a-f]{2}\//, '/')));
  });

  it('are distinct for every kind, range and partition under the work prefix', () => {
    const keys = [
      workKeys.plan(plan), workKeys.ranges(plan), workKeys.partitions(plan), workKeys.sliceIndex(plan), workKeys.lineBases(plan), workKeys.outputSlices(plan),
      ...[0, 1, 16].flatMap((n) => [
        workKeys.input(plan, n), workKeys.splitRange(plan, n), workKeys.splitRejects(plan, n), workKeys.splitResult(plan, n),
        workKeys.classified(plan, n), workKeys.positions(plan, n), workKeys.classifyStats(plan, n),
      ]),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(key.startsWith(plan.workPrefix)).toBe(true);
  });
});
