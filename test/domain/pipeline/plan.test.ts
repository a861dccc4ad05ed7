/** Plan's sizing: range and partition counts balanced over the lanes that run them, and the output slices. */
import fc from 'fast-check';
import { balancedTaskCount, partitionCountFor, rangeBytesFor, sliceStartsFor } from '../../../lambdas/domain/pipeline/plan';

describe('task counts balanced over lanes', () => {
  const MIB = 1024 * 1024;

  test('examples: rounded up to a multiple of the lanes only when there are more tasks than lanes', () => {
    expect(balancedTaskCount(206 * MIB, 64 * MIB, 2)).toBe(4);
    expect(balancedTaskCount(206 * MIB, 32 * MIB, 2)).toBe(8); // 7 → 8
    expect(balancedTaskCount(206 * MIB, 16 * MIB, 2)).toBe(14); // 13 → 14
    expect(balancedTaskCount(10 * MIB, 64 * MIB, 2)).toBe(1); // one task: nothing to balance
    expect(balancedTaskCount(0, 64 * MIB, 4)).toBe(1);
    expect(balancedTaskCount(206 * MIB, 32 * MIB)).toBe(7);
    expect(() => balancedTaskCount(1, 1, 0)).toThrow('lanes must be a whole number >= 1, got 0');
    expect(partitionCountFor(206 * MIB, { targetPartitionBytes: 32 * MIB, lanes: 2 })).toBe(8);
    expect(partitionCountFor(206 * MIB, { targetPartitionBytes: 32 * MIB, lanes: 2, maxPartitions: 5 })).toBe(5);
    // Ranges: an even size that cuts the files' bytes into the balanced count (64, 64, 64, 14 MB → 4 × 51.5 MB).
    expect(rangeBytesFor([{ size: 206 * MIB }], 64 * MIB, 2)).toBe(51.5 * MIB);
    expect(rangeBytesFor([{ size: 206 * MIB }], 64 * MIB)).toBe(64 * MIB);
  });

  test('property: a multiple of the lanes above them, never fewer tasks than unbalanced, never more than lanes - 1 extra', () => {
    fc.assert(
      fc.property(fc.nat({ max: 1e10 }), fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 1, max: 64 }), (total, target, lanes) => {
        const plain = balancedTaskCount(total, target);
        const count = balancedTaskCount(total, target, lanes);
        expect(count).toBeGreaterThanOrEqual(plain);
        expect(count - plain).toBeLessThan(lanes);
        if (plain > lanes) expect(count % lanes).toBe(0);
        else expect(count).toBe(plain);
        // The even range size gives that many ranges of one file (cut at nominal offsets) when a range holds at
        // least `count` bytes (ranges are MiBs; at a few bytes each, rounding the size up can drop ranges).
        if (total >= count * count) expect(Math.ceil(total / rangeBytesFor([{ size: total }], target, lanes))).toBe(count);
      }),
    );
  });
});

describe('output slices', () => {
  const MIB = 1024 * 1024;
  const rangesOf = (count: number, bytes: number) => Array.from({ length: count }, (_, i) => ({ start: i * bytes, end: (i + 1) * bytes }));

  test('slices of the target size; with minSlices, at least that many of about equal input, never smaller than the target makes them', () => {
    // 67 MB in 5 ranges: one 256 MiB slice, or two when a run on one machine asks for one per worker.
    expect(sliceStartsFor(rangesOf(5, 13.4 * MIB))).toEqual([0]);
    expect(sliceStartsFor(rangesOf(5, 13.4 * MIB), { minSlices: 2 })).toEqual([0, 3]);
    // 2 GB in 128 ranges: eight slices of 256 MiB whether or not two are asked for (a merge's memory follows its slice).
    expect(sliceStartsFor(rangesOf(128, 16 * MIB), { minSlices: 2 })).toEqual(sliceStartsFor(rangesOf(128, 16 * MIB)));
    expect(sliceStartsFor(rangesOf(128, 16 * MIB), { minSlices: 2 })).toHaveLength(8);
  });

  test('property: at least min(minSlices, ranges) slices, and never fewer than without minSlices', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 * MIB }), fc.integer({ min: 1, max: 8 }), (count, bytes, minSlices) => {
        const ranges = rangesOf(count, bytes);
        const starts = sliceStartsFor(ranges, { minSlices });
        expect(starts.length).toBeGreaterThanOrEqual(Math.min(minSlices, count));
        expect(starts.length).toBeGreaterThanOrEqual(sliceStartsFor(ranges).length);
        expect(starts[0]).toBe(0);
        for (let i = 1; i < starts.length; i++) expect(starts[i]).toBeGreaterThan(starts[i - 1]);
      }),
    );
  });
});
