/**
 * Small-cell suppression and largest-remainder shares (docs/reports.md, "Suppression rule").
 */
import fc from 'fast-check';
import { cellsToSuppress, largestRemainderShares, suppressTable } from '../../../lambdas/domain/report/suppression';

const cells = (...counts: number[]) => counts.map((count, i) => ({ label: `c${i}`, count }));

describe('largestRemainderShares', () => {
  test('whole percents that sum to exactly 100, the extra points to the largest remainders', () => {
    expect(largestRemainderShares([1, 1, 1])).toEqual([34, 33, 33]);
    expect(largestRemainderShares([2, 1])).toEqual([67, 33]);
    expect(largestRemainderShares([53000 * 0.32, 53000 * 0.45, 53000 * 0.2, 53000 * 0.03])).toEqual([32, 45, 20, 3]);
    expect(largestRemainderShares([995, 5])).toEqual([100, 0]); // 99.5 / 0.5: the tie goes to the larger count
    expect(largestRemainderShares([5, 995])).toEqual([0, 100]);
    expect(largestRemainderShares([1, 1, 1, 1, 1, 1])).toEqual([17, 17, 17, 17, 16, 16]); // equal: the earlier first
    expect(largestRemainderShares([0, 0])).toEqual([0, 0]);
  });

  test('property: sums to 100 whenever something is counted, and each share is within one point of exact', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 100_000 }), { minLength: 1, maxLength: 12 }), (counts) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const shares = largestRemainderShares(counts);
        if (total === 0) return expect(shares.every((s) => s === 0)).toBe(true);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(100);
        shares.forEach((share, i) => expect(Math.abs(share - (counts[i] * 100) / total)).toBeLessThan(1));
      }),
      { numRuns: 500 },
    );
  });
});

describe('cellsToSuppress', () => {
  test('nothing below the threshold: nothing suppressed (zeros are shown)', () => {
    expect([...cellsToSuppress([11, 0, 500], 11)]).toEqual([]);
  });

  test('one small cell pulls the next smallest non-zero cell with it (complementary suppression)', () => {
    // 5 alone could be recovered as total - 30 - 200 - 400; with 30 suppressed too, only their sum (35) is known
    expect([...cellsToSuppress([400, 5, 30, 200, 0], 11)].sort()).toEqual([1, 2]);
  });

  test('small cells that together stay under the threshold pull in more', () => {
    expect([...cellsToSuppress([3, 4, 100, 50], 11)].sort()).toEqual([0, 1, 3]);
    expect([...cellsToSuppress([3, 8, 100], 11)].sort()).toEqual([0, 1]); // 11: enough
  });

  test('ties between complementary candidates go to the later cell (Unknown is last)', () => {
    expect([...cellsToSuppress([2, 40, 40], 11)].sort()).toEqual([0, 2]);
  });

  test('a total under the threshold suppresses every cell, zeros too (a shown zero would locate the few)', () => {
    expect([...cellsToSuppress([3, 0, 4], 11)].sort()).toEqual([0, 1, 2]);
    expect([...cellsToSuppress([5, 0, 0], 11)].sort()).toEqual([0, 1, 2]);
  });

  test('threshold 1 turns suppression off', () => {
    expect([...cellsToSuppress([1, 2, 3], 1)]).toEqual([]);
  });

  test('property: no lone suppressed cell, the suppressed cells sum to the threshold or more unless the total is smaller, no shown cell is small', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 9 }), fc.integer({ min: 2, max: 20 }), (counts, threshold) => {
        const hidden = cellsToSuppress(counts, threshold);
        const total = counts.reduce((a, b) => a + b, 0);
        const hiddenSum = [...hidden].reduce((sum, i) => sum + counts[i], 0);
        counts.forEach((count, i) => {
          if (!hidden.has(i)) expect(count === 0 || count >= threshold).toBe(true);
        });
        if (hidden.size > 0) {
          expect(hidden.size >= 2 || counts.length === 1).toBe(true);
          if (total >= threshold) expect(hiddenSum).toBeGreaterThanOrEqual(threshold);
          else expect(hidden.size).toBe(counts.length);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('suppressTable', () => {
  test('suppressed cells lose count and share; their sum is one displayed line; displayed shares sum to 100', () => {
    const table = suppressTable(cells(279, 128, 177, 8, 3, 25, 49), 11);
    expect(table.total).toBe(669);
    expect(table.cells.map((c) => c.count)).toEqual([279, 128, 177, null, null, 25, 49]);
    expect(table.cells.map((c) => c.suppressed)).toEqual([false, false, false, true, true, false, false]);
    // 8 + 3 = 11 reaches the threshold: no third cell needed
    expect(table.suppressed).toEqual({ cells: 2, count: 11, share: 2 });
    const shown = table.cells.filter((c) => !c.suppressed).map((c) => c.share!);
    expect(shown.reduce((a, b) => a + b, 0) + table.suppressed!.share!).toBe(100);
  });

  test('no suppression: shares of the cells alone sum to 100', () => {
    const table = suppressTable(cells(548, 119, 23), 11);
    expect(table.suppressed).toBeNull();
    expect(table.cells.map((c) => c.share)).toEqual([80, 17, 3]);
  });

  test('an empty population has no shares', () => {
    const table = suppressTable(cells(0, 0, 0), 11);
    expect(table.cells.map((c) => [c.count, c.share])).toEqual([[0, null], [0, null], [0, null]]);
    expect(table.suppressed).toBeNull();
  });

  test('property: displayed shares always sum to 100 for a non-empty population; a suppressed count is never derivable', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 5000 }), { minLength: 1, maxLength: 9 }), (counts) => {
        const table = suppressTable(cells(...counts), 11);
        if (table.total === 0) return;
        const shares = table.cells.filter((c) => !c.suppressed).map((c) => c.share!);
        if (table.suppressed) shares.push(table.suppressed.share!);
        expect(shares.reduce((a, b) => a + b, 0)).toBe(100);
        const shownSum = table.cells.reduce((sum, c) => sum + (c.count ?? 0), 0);
        expect(shownSum + (table.suppressed?.count ?? 0)).toBe(table.total);
        // one suppressed cell alone would be total - shown: never happens unless it is the only non-zero cell
        if (table.suppressed) expect(table.suppressed.cells >= 2 || counts.length === 1).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
