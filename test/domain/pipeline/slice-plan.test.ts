/** planEvenSlices: a run on one machine cuts one output slice per worker, each about an equal share of the input. */
import fc from 'fast-check';
import { planEvenSlices, planSlices } from '../../../lambdas/domain/pipeline/slice-plan';

/** Ranges tiling [0, total) with the given sizes. */
function rangesOf(sizes: readonly number[]): Array<{ start: number; end: number }> {
  let start = 0;
  return sizes.map((size) => ({ start, end: (start += size) }));
}

describe('planEvenSlices', () => {
  it('cuts six equal ranges into two slices of three, where the target-size cut makes one', () => {
    const ranges = rangesOf([11, 11, 11, 11, 11, 11].map((mb) => mb * 1024 * 1024));
    expect(planEvenSlices(ranges, 2)).toEqual([0, 3]);
    expect(planSlices(ranges)).toEqual([0]);
  });

  it('gives at most count slices (one per range at most), in order, none larger than its equal share and a range', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 8 }), (sizes, count) => {
        const ranges = rangesOf(sizes);
        const starts = planEvenSlices(ranges, count);
        expect(starts.length).toBeLessThanOrEqual(Math.min(count, sizes.length));
        expect(starts[0]).toBe(0);
        const total = sizes.reduce((a, b) => a + b, 0);
        const largest = Math.max(...sizes);
        const ends = [...starts.slice(1), ranges.length];
        for (let s = 0; s < starts.length; s++) {
          expect(ends[s]).toBeGreaterThan(starts[s]);
          expect(ranges[ends[s] - 1].end - ranges[starts[s]].start).toBeLessThanOrEqual(total / count + largest);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a count that is not a whole number of at least one', () => {
    expect(() => planEvenSlices(rangesOf([5]), 0)).toThrow('slices must be a whole number >= 1, got 0');
  });
});
