/**
 * Output slices (lambdas/domain/pipeline/output-slices.ts): runs of consecutive ranges, where each begins in the
 * input and in every partition's classified rows, and each slice's part of the outputs, on a generated extract
 * taken through Plan, Split and Classify.
 */
import * as fc from 'fast-check';
import { assembleSlice, positionIndexBytes, readPositionRow, SliceOffsets, sliceBoundaries, sliceRanges, sliceStartsOf } from '../../../lambdas/domain/pipeline/output-slices';
import { positionOf, workKeys } from '../../../lambdas/domain/pipeline/run-plan';
import { classifiedRun } from '../../helpers/pipeline-phases';

describe('the slices of a plan', () => {
  const plan = { sliceStarts: [0, 2, 5], ranges: Array.from({ length: 7 }, (_, i) => ({ index: i, fileIndex: i < 4 ? 0 : 1, start: (i % 4) * 100, end: (i % 4) * 100 + 100 })) };

  it('are consecutive ranges, the last to the end; a slice that is not one is refused', () => {
    expect([0, 1, 2].map((slice) => sliceRanges(plan, slice))).toEqual([{ first: 0, end: 2 }, { first: 2, end: 5 }, { first: 5, end: 7 }]);
    expect(() => sliceRanges(plan, 3)).toThrow(new RangeError("slice 3 is not one of the run's 3 slices"));
    expect(sliceStartsOf({})).toEqual([0]);
  });

  it('begin at the input position of their first range', () => {
    expect(sliceBoundaries(plan)).toEqual([positionOf(0, 200), positionOf(1, 100)]);
  });
});

describe('SliceOffsets', () => {
  it('records where each slice begins in a stream written in position order, the size last', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(1000), { maxLength: 5 }), fc.uniqueArray(fc.nat(1000), { maxLength: 40 }), (rawBoundaries, rawPositions) => {
        const boundaries = [...rawBoundaries].sort((a, b) => a - b);
        const positions = [...rawPositions].sort((a, b) => a - b);
        const offsets = new SliceOffsets(boundaries);
        positions.forEach((position, i) => offsets.mark(position, i * 10));
        offsets.finish(positions.length * 10);
        const expected = [0, ...boundaries.map((boundary) => {
          const first = positions.findIndex((position) => position >= boundary);
          return (first < 0 ? positions.length : first) * 10;
        }), positions.length * 10];
        expect([...offsets.offsets]).toEqual(expected);
        const bytes = positionIndexBytes(offsets);
        expect(expected.map((_, entry) => bytes.readDoubleLE(entry * 8))).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});

describe('a run in slices', () => {
  it("tiles every partition's classified rows by slice, and the slices write every row once", async () => {
    const run = await classifiedRun();
    const slices = sliceStartsOf(run.plan).length;
    expect(slices).toBeGreaterThan(1);
    for (let partition = 0; partition < run.plan.partitionCount; partition++) {
      const rows = await Promise.all(Array.from({ length: slices }, (_, slice) => readPositionRow(run.store, run.plan, partition, slice)));
      expect(rows[0].start).toBe(0);
      for (let slice = 1; slice < slices; slice++) expect(rows[slice].start).toBe(rows[slice - 1].end);
      expect(rows[slices - 1].end).toBe(run.store.text(workKeys.classified(run.plan, partition)).length);
    }
    let written = 0;
    for (let slice = 0; slice < slices; slice++) {
      const result = await assembleSlice(run.store, run.plan, slice);
      expect(result.slice).toBe(slice);
      written += result.rowsPerFile.reduce((a, b) => a + b, 0);
    }
    expect(written).toBe(run.extract.trimEnd().split('\n').length - 1);
  });
});
