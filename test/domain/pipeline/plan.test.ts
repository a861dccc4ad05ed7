/** Plan's sizing: range and partition counts balanced over the lanes that run them. */
import fc from 'fast-check';
import { balancedTaskCount, partitionCountFor, rangeBytesFor } from '../../../lambdas/domain/pipeline/plan';

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
