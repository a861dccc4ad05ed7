/**
 * buildRollup's demographics (fast-check): whatever the counties' counts, the statewide table's total is the sum of
 * the counties' totals, a shown category is the sum of what the county reports show for it (never a county's
 * suppressed cell), and no shown cell is small (1 to threshold-1).
 */
import fc from 'fast-check';
import { RUNS_TABLE, STATISTICS_TABLE } from '../../../lambdas/domain/analytics/columns';
import { tableRow } from '../../../lambdas/domain/analytics/records';
import { buildRollup, CountyRun, DEMOGRAPHIC_DIMENSIONS, SUPPRESSED_IN_COUNTIES } from '../../../lambdas/domain/analytics/rollup';
import { CALIFORNIA_COUNTIES } from '../../../lambdas/domain/counties';
import { SUPPRESSED_COMBINED } from '../../../lambdas/domain/report/statistics-csv';
import { suppressTable } from '../../../lambdas/domain/report/suppression';

const THRESHOLD = 11;
const CATEGORIES = ['Latino', 'Black', 'White', 'Asian / Pacific Islander', 'Unknown'];

/** A county's latest run whose race/ethnicity table is `counts`, written as the report suppresses it. */
function countyRun(county: string, counts: number[]): CountyRun {
  const identity = { run_id: `run-${county}`, county_name: county, compute_at: '2025-01-01', policy_name: 'p', policy_sha256: null };
  const runValues = Object.fromEntries(RUNS_TABLE.columns.map((column) => [column.name, column.type === 'bigint' ? 0 : null]));
  const run = tableRow(RUNS_TABLE, { ...runValues, ...identity, started_at: '2025-01-01T00:00:00.000Z', generated_sample: false, suppression_threshold: THRESHOLD });
  const table = suppressTable(CATEGORIES.map((label, i) => ({ label, count: counts[i] })), THRESHOLD);
  const line = (value: string, count: number | null) =>
    tableRow(STATISTICS_TABLE, { ...identity, dimension: DEMOGRAPHIC_DIMENSIONS.raceEthnicity, value, detail: null, count, suppressed: count === null });
  const statistics = table.cells.map((cell) => line(cell.label, cell.count));
  if (table.suppressed !== null) statistics.push(line(SUPPRESSED_COMBINED, table.suppressed.count));
  statistics.push(line('Total', table.total));
  return { run, statistics, determinations: [] };
}

test('statewide demographics: totals add up, shown cells are sums of shown county cells, none is small', () => {
  const county = fc.array(fc.oneof(fc.nat({ max: 15 }), fc.nat({ max: 400 })), { minLength: CATEGORIES.length, maxLength: CATEGORIES.length });
  fc.assert(
    fc.property(fc.array(county, { minLength: 1, maxLength: 6 }), (tables) => {
      const runs = tables.map((counts, i) => countyRun(CALIFORNIA_COUNTIES[i], counts));
      const state = buildRollup(runs).demographics.raceEthnicity;
      expect(state.total).toBe(tables.flat().reduce((a, b) => a + b, 0));
      for (const cell of state.cells) {
        if (cell.suppressed) continue;
        expect(cell.count === 0 || cell.count! >= THRESHOLD).toBe(true);
        if (cell.label === SUPPRESSED_IN_COUNTIES) continue;
        const shownInCounties = runs.reduce((total, run) => total + Number(run.statistics.find((row) => row.value === cell.label)?.count ?? 0), 0);
        expect(cell.count).toBe(shownInCounties);
      }
    }),
    { numRuns: 100 },
  );
});

test('a county with no run is listed as such, in DOJ order', () => {
  const rollup = buildRollup([countyRun('YOLO', [20, 20, 20, 20, 20])]);
  expect(rollup.counties.map((c) => c.county)).toEqual([...CALIFORNIA_COUNTIES]);
  expect(rollup.counties.filter((c) => c.status === 'included').map((c) => c.county)).toEqual(['YOLO']);
  expect(rollup.countiesWithoutRun).toHaveLength(57);
});
