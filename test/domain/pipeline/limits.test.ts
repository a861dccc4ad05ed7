/** The cloud split's request budget (lambdas/domain/pipeline/limits.ts): map concurrency that keeps every prefix under budget. */
import * as fc from 'fast-check';
import { DEFAULT_PREFIX_REQUEST_BUDGET } from '../../../lambdas/domain/defaults';
import { classifyTaskRequests, mapConcurrencyFor, peakRatePerPrefix, splitTaskRequests } from '../../../lambdas/domain/pipeline/limits';

const MiB = 1024 * 1024;

describe('requests per task', () => {
  it('Split: 5 for a range written in one PUT, a multipart upload beyond one 16 MiB part', () => {
    expect(splitTaskRequests(1)).toBe(5);
    expect(splitTaskRequests(16 * MiB)).toBe(5);
    expect(splitTaskRequests(16 * MiB + 1)).toBe(8); // create, 2 parts, complete
    expect(splitTaskRequests(64 * MiB)).toBe(10);
  });

  it('Classify: the plan, the index row, one slice per range, four outputs', () => {
    expect(classifyTaskRequests(1)).toBe(7);
    expect(classifyTaskRequests(100)).toBe(106);
  });
});

describe('mapConcurrencyFor', () => {
  it('is as high as the budget allows, within 1 and the map ceiling', () => {
    expect(mapConcurrencyFor(10, { max: 20_000 })).toBe(16_000); // 2,000/s x 16 prefixes x 5 s / 10
    expect(mapConcurrencyFor(10, { max: 100 })).toBe(100);
    expect(mapConcurrencyFor(1_000_000, { max: 100 })).toBe(1);
    expect(mapConcurrencyFor(0, { max: 7 })).toBe(7);
  });

  it('keeps the peak rate per prefix within the budget whenever more than one child may run', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: DEFAULT_PREFIX_REQUEST_BUDGET }),
        (requests, max, prefixes, perPrefixPerSecond) => {
          const concurrency = mapConcurrencyFor(requests, { max, prefixes, perPrefixPerSecond });
          expect(concurrency).toBeGreaterThanOrEqual(1);
          expect(concurrency).toBeLessThanOrEqual(max);
          if (concurrency > 1) expect(peakRatePerPrefix(concurrency, requests, prefixes)).toBeLessThanOrEqual(perPrefixPerSecond);
          if (concurrency < max) expect(peakRatePerPrefix(concurrency + 1, requests, prefixes)).toBeGreaterThan(perPrefixPerSecond);
        },
      ),
      { numRuns: 200 },
    );
  });
});
