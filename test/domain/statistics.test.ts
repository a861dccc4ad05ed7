import fc from 'fast-check';
import { countInto, emptyStatistics, mergeAll, mergeStatistics, normalizeStatistics, RunStatistics } from '../../lambdas/domain/statistics';
import { runStatisticsArbitrary } from '../helpers/arbitraries';

/** Byte-identical JSON: what summary.json and the work files hold. */
const json = (stats: RunStatistics) => JSON.stringify(stats);

describe('mergeStatistics is a commutative monoid with emptyStatistics() as identity', () => {
  test('associative', () => {
    fc.assert(
      fc.property(runStatisticsArbitrary, runStatisticsArbitrary, runStatisticsArbitrary, (a, b, c) => {
        expect(json(mergeStatistics(a, mergeStatistics(b, c)))).toBe(json(mergeStatistics(mergeStatistics(a, b), c)));
      }),
      { numRuns: 500 },
    );
  });

  test('commutative, byte for byte', () => {
    fc.assert(
      fc.property(runStatisticsArbitrary, runStatisticsArbitrary, (a, b) => {
        expect(json(mergeStatistics(a, b))).toBe(json(mergeStatistics(b, a)));
      }),
      { numRuns: 500 },
    );
  });

  test('emptyStatistics() is the identity (up to key order, which merging normalises)', () => {
    fc.assert(
      fc.property(runStatisticsArbitrary, (a) => {
        expect(mergeStatistics(emptyStatistics(), a)).toEqual(a);
        expect(mergeStatistics(a, emptyStatistics())).toEqual(a);
        expect(json(mergeStatistics(a, emptyStatistics()))).toBe(json(normalizeStatistics(a)));
        expect(json(normalizeStatistics(normalizeStatistics(a)))).toBe(json(normalizeStatistics(a)));
      }),
      { numRuns: 500 },
    );
  });

  test('mergeAll gives the same bytes for any order and grouping of the parts', () => {
    fc.assert(
      fc.property(
        fc.array(runStatisticsArbitrary, { maxLength: 8 }).chain((parts) =>
          fc.tuple(fc.constant(parts), fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }), fc.nat({ max: parts.length })),
        ),
        ([parts, shuffled, cut]) => {
          const grouped = mergeStatistics(mergeAll(shuffled.slice(0, cut)), mergeAll(shuffled.slice(cut)));
          expect(json(mergeAll(shuffled))).toBe(json(mergeAll(parts)));
          expect(json(grouped)).toBe(json(mergeAll(parts)));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('merging does not change its inputs', () => {
    fc.assert(
      fc.property(runStatisticsArbitrary, runStatisticsArbitrary, (a, b) => {
        const before = [structuredClone(a), structuredClone(b)];
        mergeStatistics(a, b);
        expect([a, b]).toEqual(before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('what merging computes', () => {
  test('sums counters and maps, takes the earliest conviction, keeps null only when both are null', () => {
    const a = emptyStatistics();
    a.rowsRead = 3;
    countInto(a.rowsByCounty, 'YOLO', 2);
    a.convictionsByDeterminationAndReason = { 'Hand Review': { 'Incomplete record': 1 } };
    a.scenarios = { 'dismiss-all': { CountSubjectsNoFelony: 1, CountSubjectsNoConvictionLast7Years: 0, CountSubjectsNoConviction: 1, subjectsWithSomeRelief: 1, convictionsDismissed: 2, convictionsReduced: 0 } };
    a.earliestConvictionDay = 100;
    const b = emptyStatistics();
    b.rowsRead = 4;
    countInto(b.rowsByCounty, 'YOLO');
    countInto(b.rowsByCounty, 'ALPINE');
    b.convictionsByDeterminationAndReason = { 'Hand Review': { 'Incomplete record': 2, other: 1 }, '': { '(none)': 1 } };
    b.earliestConvictionDay = -5;
    const merged = mergeStatistics(a, b);
    expect(merged.rowsRead).toBe(7);
    expect(merged.rowsByCounty).toEqual({ ALPINE: 1, YOLO: 3 });
    expect(Object.keys(merged.rowsByCounty)).toEqual(['ALPINE', 'YOLO']);
    expect(merged.convictionsByDeterminationAndReason).toEqual({ 'Hand Review': { 'Incomplete record': 3, other: 1 }, '': { '(none)': 1 } });
    expect(merged.scenarios['dismiss-all'].convictionsDismissed).toBe(2);
    expect(merged.earliestConvictionDay).toBe(-5);
    expect(mergeStatistics(a, emptyStatistics()).earliestConvictionDay).toBe(100);
    expect(mergeStatistics(emptyStatistics(), emptyStatistics()).earliestConvictionDay).toBeNull();
  });
});
