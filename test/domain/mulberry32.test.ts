/**
 * The seeded PRNG (lambdas/domain/mulberry32.ts): reproducible from its seed, uniform 32-bit integers, and floats
 * in [0, 1) that are those integers scaled.
 */
import * as fc from 'fast-check';
import { mulberry32, mulberry32Uint } from '../../lambdas/domain/mulberry32';

const take = (next: () => number, count: number) => Array.from({ length: count }, next);

describe('mulberry32', () => {
  it('gives the same sequence for the same seed, another for another seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        expect(take(mulberry32Uint(seed), 8)).toEqual(take(mulberry32Uint(seed), 8));
        expect(take(mulberry32Uint(seed), 8)).not.toEqual(take(mulberry32Uint((seed + 1) >>> 0), 8));
      }),
      { numRuns: 50 },
    );
  });

  it('gives unsigned 32-bit integers, and floats in [0, 1) that are them divided by 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
        const integers = take(mulberry32Uint(seed), 32);
        const floats = take(mulberry32(seed), 32);
        for (const n of integers) expect(Number.isInteger(n) && n >= 0 && n <= 0xffffffff).toBe(true);
        expect(floats).toEqual(integers.map((n) => n / 4294967296));
        for (const x of floats) expect(x >= 0 && x < 1).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('treats a seed as its unsigned 32-bit value (a negative seed as the generator of signed state did)', () => {
    expect(take(mulberry32Uint(-1), 4)).toEqual(take(mulberry32Uint(0xffffffff), 4));
  });

  it('spreads its floats evenly over [0, 1)', () => {
    const buckets = new Array<number>(10).fill(0);
    const next = mulberry32(20191111);
    for (let i = 0; i < 100_000; i++) buckets[Math.floor(next() * 10)]++;
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });
});
