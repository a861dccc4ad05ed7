/**
 * Small-cell suppression and shares that sum to 100 (docs/reports.md, "Suppression rule").
 *
 * Primary: a cell counting 1 to threshold-1 people is suppressed (0 is shown: it describes no one).
 * Complementary: while fewer than two cells are suppressed, or the suppressed cells together count fewer
 * than `threshold` people, the smallest shown non-zero cell (ties: the later in display order) is suppressed
 * too. The combined count of the suppressed cells is published (it equals total minus the shown cells anyway),
 * so no single suppressed cell can be recovered from the total, and the group they form is never small. When
 * the total itself is below the threshold, every cell is suppressed, zeros included.
 *
 * Shares are whole percents by largest remainder over what is displayed (each shown cell, plus the
 * suppressed cells as one combined line), so the displayed shares always sum to exactly 100.
 */

export interface Cell {
  label: string;
  count: number;
}

export interface DisplayedCell {
  label: string;
  /** null when suppressed. */
  count: number | null;
  /** Whole percent of the total; null when suppressed or when the total is 0. */
  share: number | null;
  suppressed: boolean;
}

export interface SuppressedTable {
  total: number;
  threshold: number;
  cells: DisplayedCell[];
  /** The suppressed cells as one line; null when nothing is suppressed. */
  suppressed: { cells: number; count: number; share: number | null } | null;
}

/** Indices of the cells to suppress, by the rule above. */
export function cellsToSuppress(counts: readonly number[], threshold: number): Set<number> {
  const total = counts.reduce((sum, count) => sum + count, 0);
  // A small population: every cell goes, zeros too (shown zeros would tell where the few people are).
  if (total > 0 && total < threshold) return new Set(counts.map((_, i) => i));
  const suppressed = new Set<number>();
  counts.forEach((count, i) => {
    if (count >= 1 && count < threshold) suppressed.add(i);
  });
  if (suppressed.size === 0) return suppressed;
  const candidates = counts
    .map((count, i) => ({ count, i }))
    .filter(({ count, i }) => count > 0 && !suppressed.has(i))
    .sort((a, b) => a.count - b.count || b.i - a.i);
  let sum = 0;
  for (const i of suppressed) sum += counts[i];
  for (const { count, i } of candidates) {
    if (suppressed.size >= 2 && sum >= threshold) break;
    suppressed.add(i);
    sum += count;
  }
  return suppressed;
}

/**
 * Whole-number shares of `total` (Hamilton's largest remainder): floors first, then one point each to the
 * largest remainders (ties: the larger count, then the earlier). Sums to exactly `points` when total > 0.
 */
export function largestRemainderShares(counts: readonly number[], points = 100): number[] {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total <= 0) return counts.map(() => 0);
  // Integer arithmetic: remainders compare exactly, so ties are real ties.
  const shares = counts.map((count) => Math.floor((count * points) / total));
  let left = points - shares.reduce((sum, share) => sum + share, 0);
  const order = counts
    .map((count, i) => ({ count, i, remainder: count * points - shares[i] * total }))
    .sort((a, b) => b.remainder - a.remainder || b.count - a.count || a.i - b.i);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) shares[order[k].i]++;
  return shares;
}

/** Applies the suppression rule to one table of people counts and computes the displayed shares. */
export function suppressTable(cells: readonly Cell[], threshold: number): SuppressedTable {
  const counts = cells.map((cell) => cell.count);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const hidden = cellsToSuppress(counts, threshold);
  const shownIndices = cells.map((_, i) => i).filter((i) => !hidden.has(i));
  const hiddenCount = [...hidden].reduce((sum, i) => sum + counts[i], 0);
  const units = [...shownIndices.map((i) => counts[i]), ...(hidden.size > 0 ? [hiddenCount] : [])];
  const shares = total > 0 ? largestRemainderShares(units) : units.map(() => null);
  const shareOf = new Map<number, number | null>();
  shownIndices.forEach((cellIndex, k) => shareOf.set(cellIndex, shares[k]));
  return {
    total,
    threshold,
    cells: cells.map((cell, i) =>
      hidden.has(i)
        ? { label: cell.label, count: null, share: null, suppressed: true }
        : { label: cell.label, count: cell.count, share: shareOf.get(i) ?? null, suppressed: false },
    ),
    suppressed: hidden.size > 0 ? { cells: hidden.size, count: hiddenCount, share: shares[shares.length - 1] } : null,
  };
}
