/** Output slices (lambdas/domain/pipeline/slice-plan.ts): consecutive ranges grouped to a target size, at most MAX_SLICES. */
import * as fc from 'fast-check';
import { MAX_SLICES, planEvenSlices, planSlices } from '../../../lambdas/domain/pipeline/slice-plan';

/** Ranges of the given sizes laid end to end. */
function ranges(sizes: readonly number[]): Array<{ start: number; end: number }> {
  let start = 0;
  return sizes.map((size) => ({ start, end: (start += size) }));
}

describe('planSlices', () => {
  it('starts a slice once the one before holds the target', () => {
    expect(planSlices(ranges([4, 4, 4, 4, 4]), 8)).toEqual([0, 2, 4]);
    expect(planSlices(ranges([10, 1, 1, 10, 3]), 8)).toEqual([0, 1, 4]);
    expect(planSlices(ranges([1, 1]), 100)).toEqual([0]);
  });

  it('has one slice even without ranges (slice 0 writes the headers), and refuses a target below 1', () => {
    expect(planSlices([], 8)).toEqual([0]);
    expect(() => planSlices(ranges([1]), 0)).toThrow(RangeError);
    expect(() => planSlices(ranges([1]), Number.NaN)).toThrow('target slice bytes must be at least 1, got NaN');
  });

  it('makes slices larger rather than more than MAX_SLICES', () => {
    const many = planSlices(ranges(new Array<number>(12_000).fill(1)), 1);
    expect(many.length).toBeLessThanOrEqual(MAX_SLICES);
    expect(many.length).toBeGreaterThan(MAX_SLICES / 2);
  });

  it('gives increasing starts within the ranges, each slice but the last holding at least the target', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }), fc.integer({ min: 1, max: 200 }), (sizes, target) => {
        const starts = planSlices(ranges(sizes), target);
        expect(starts[0]).toBe(0);
        for (let s = 1; s < starts.length; s++) {
          expect(starts[s]).toBeGreaterThan(starts[s - 1]);
          expect(starts[s]).toBeLessThan(sizes.length);
          const held = sizes.slice(starts[s - 1], starts[s]).reduce((a, b) => a + b, 0);
          expect(held).toBeGreaterThanOrEqual(target);
          expect(held - sizes[starts[s] - 1]).toBeLessThan(target);
        }
      }),
      { numRuns: 100 },
    );
  });
});

const rangesOf = ranges;

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
