/** The generator's draws (tools/prng.ts) over the seeded mulberry32 stream. */
import * as fc from 'fast-check';
import { mulberry32Uint } from '../../lambdas/domain/mulberry32';
import { Prng } from '../../tools/prng';

describe('Prng', () => {
  it('draws the mulberry32 stream of its seed', () => {
    const prng = new Prng(2020);
    const stream = mulberry32Uint(2020);
    for (let i = 0; i < 5; i++) expect(prng.uint32()).toBe(stream());
    expect(new Prng(7).float()).toBe(mulberry32Uint(7)() / 4294967296);
  });

  it('keeps every draw in its range and reaches both ends of a small one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 3 }), (seed, low, width) => {
        const prng = new Prng(seed);
        const seen = new Set<number>();
        let outside = 0;
        for (let i = 0; i < 200; i++) {
          const x = prng.float();
          const n = prng.between(low, low + width);
          seen.add(n);
          if (!(x >= 0 && x < 1) || !Number.isInteger(n) || n < low || n > low + width || prng.below(3) > 2) outside++;
          if (!['a', 'b'].includes(prng.pick(['a', 'b']))) outside++;
        }
        expect(outside).toBe(0);
        expect(seen.size).toBe(width + 1);
      }),
      { numRuns: 30 },
    );
  });

  it('chance(0) is never, chance(1) always, and chance(p) about p of the time', () => {
    const prng = new Prng(1);
    const draws = Array.from({ length: 4000 }, () => prng.chance(0.25));
    expect(draws.filter(Boolean).length / draws.length).toBeCloseTo(0.25, 1);
    expect(Array.from({ length: 100 }, () => prng.chance(0)).some(Boolean)).toBe(false);
    expect(Array.from({ length: 100 }, () => prng.chance(1)).every(Boolean)).toBe(true);
  });
});
