/**
 * The statewide roll-up (docs/analytics.md, "Statewide roll-up"): the latest successful run of every county, read
 * from analytics/ (latest pointers, then each run's statistics and determinations rows), added up. Counts that add
 * up are summed; demographics are summed from what the county reports show (a county's suppressed cells stay one
 * combined line) and suppressed again on the aggregated counts; counties with no run are listed as such.
 */
import { z } from 'zod';
import { CALIFORNIA_COUNTIES } from '../counties';
import { csvSafeLine } from '../csv/writer';
import { InputError, NotFoundError } from '../errors';
import { ObjectStore, readText } from '../pipeline/object-store';
import { SUPPRESSED_COMBINED } from '../report/statistics-csv';
import { Cell, SuppressedTable, suppressTable } from '../report/suppression';
import {
  ANALYTICS_PREFIX, AnalyticsColumn, AnalyticsTable, DETERMINATIONS_TABLE, LATEST_TABLE, RUNS_TABLE, runTableKey, STATISTICS_TABLE,
} from './columns';

/** A row of one analytics table as read back: zod checks every column's type (a hand-edited file is refused by name). */
function rowSchema(table: AnalyticsTable) {
  const types: Record<AnalyticsColumn['type'], z.ZodTypeAny> = {
    string: z.string().nullable(),
    bigint: z.number().int().nullable(),
    boolean: z.boolean(),
    date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be YYYY-MM-DD' }),
  };
  return z.object(Object.fromEntries(table.columns.map((column) => [column.name, types[column.type]])));
}

type Row = Record<string, string | number | boolean | null>;

async function readRows(store: ObjectStore, key: string, table: AnalyticsTable): Promise<Row[]> {
  const schema = rowSchema(table);
  const lines = (await readText(store, key)).split('\n').filter((line) => line !== '');
  return lines.map((line, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new InputError(`${key} line ${index + 1}: not JSON`);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new InputError(`${key} line ${index + 1}: ${issue.path.join('.') || '(row)'} ${issue.message}`);
    }
    return result.data as Row;
  });
}

/** One county's latest run: its runs row and the rows of its statistics and determinations. */
export interface CountyRun {
  run: Row;
  statistics: Row[];
  determinations: Row[];
}

/** The latest run of every county that has one, from `<prefix>latest/`, in county order. */
export async function readLatestRuns(store: ObjectStore, prefix = ANALYTICS_PREFIX): Promise<CountyRun[]> {
  const pointers = (await store.list(`${prefix}${LATEST_TABLE.name}/`)).filter((key) => key.endsWith('/latest.jsonl'));
  const runs: CountyRun[] = [];
  for (const pointer of pointers) {
    const [run] = await readRows(store, pointer, LATEST_TABLE);
    if (run === undefined) continue;
    const county = String(run.county_name);
    const runDate = String(run.started_at).slice(0, 10);
    const keyOf = (table: AnalyticsTable) => runTableKey(prefix, table, county, runDate, String(run.run_id));
    try {
      runs.push({
        run,
        statistics: await readRows(store, keyOf(STATISTICS_TABLE), STATISTICS_TABLE),
        determinations: await readRows(store, keyOf(DETERMINATIONS_TABLE), DETERMINATIONS_TABLE),
      });
    } catch (error) {
      if (error instanceof NotFoundError) throw new InputError(`${pointer} names run ${String(run.run_id)}, but ${error.key} is missing`);
      throw error;
    }
  }
  return runs.sort((a, b) => String(a.run.county_name).localeCompare(String(b.run.county_name)));
}

/** Columns of the runs table that are counts to add up (the suppression threshold is a setting, not a count). */
const SUMMED_COLUMNS = RUNS_TABLE.columns.filter((column) => column.type === 'bigint' && column.name !== 'suppression_threshold').map((column) => column.name);

export const DEMOGRAPHIC_DIMENSIONS = Object.freeze({
  raceEthnicity: 'people relieved by race/ethnicity',
  gender: 'people relieved by gender',
  ageBand: 'people relieved by age band',
});

/** The aggregated line of the cells the county reports suppressed. */
export const SUPPRESSED_IN_COUNTIES = 'Suppressed in county reports';

export interface RollupCounty {
  county: string;
  /** `included`: its latest run is in the roll-up; `no run`: no successful run in analytics/. */
  status: 'included' | 'no run';
  runId?: string;
  computeAt?: string;
  runDate?: string;
  policyName?: string;
  policySha256?: string | null;
  /** The run's counts, by runs-table column. */
  counts?: Record<string, number>;
}

export interface RollupSummary {
  scope: 'California';
  /** The input is the generated sample in at least one county: the figures are of fabricated people. */
  includesGeneratedSamples: boolean;
  countiesIncluded: number;
  countiesWithoutRun: string[];
  computeAtRange: { earliest: string; latest: string } | null;
  /** Sums over the included counties, by runs-table column. */
  totals: Record<string, number>;
  convictionsByDetermination: Record<string, number>;
  convictionsBySectionAndDetermination: Record<string, Record<string, number>>;
  convictionsByDecadeAndDetermination: Record<string, Record<string, number>>;
  convictionsByDeterminationAndReason: Record<string, Record<string, number>>;
  demographics: {
    suppressionThreshold: number;
    raceEthnicity: SuppressedTable;
    gender: SuppressedTable;
    ageBand: SuppressedTable;
  };
  /** Every county, in the DOJ order. */
  counties: RollupCounty[];
}

function add(record: Record<string, number>, key: string, count: number): void {
  record[key] = (record[key] ?? 0) + count;
}

function addNested(record: Record<string, Record<string, number>>, outer: string, inner: string, count: number): void {
  add((record[outer] ??= {}), inner, count);
}

/** A demographic table summed over the counties' shown cells, their suppressed cells as one line, then suppressed again. */
function aggregateDemographics(runs: readonly CountyRun[], dimension: string, threshold: number): SuppressedTable {
  const shown = new Map<string, number>();
  let suppressedInCounties = 0;
  for (const { statistics } of runs) {
    for (const row of statistics) {
      if (row.dimension !== dimension || row.value === 'Total') continue;
      if (row.value === SUPPRESSED_COMBINED) suppressedInCounties += Number(row.count ?? 0);
      else if (row.count !== null) shown.set(String(row.value), (shown.get(String(row.value)) ?? 0) + Number(row.count));
      else if (!shown.has(String(row.value))) shown.set(String(row.value), 0);
    }
  }
  const cells: Cell[] = [...shown].map(([label, count]) => ({ label, count }));
  if (suppressedInCounties > 0) cells.push({ label: SUPPRESSED_IN_COUNTIES, count: suppressedInCounties });
  return suppressTable(cells, threshold);
}

export function buildRollup(runs: readonly CountyRun[]): RollupSummary {
  const byCounty = new Map(runs.map((entry) => [String(entry.run.county_name), entry]));
  const totals: Record<string, number> = Object.fromEntries(SUMMED_COLUMNS.map((name) => [name, 0]));
  const byDetermination: Record<string, number> = {};
  const bySection: Record<string, Record<string, number>> = {};
  const byDecade: Record<string, Record<string, number>> = {};
  const byReason: Record<string, Record<string, number>> = {};
  for (const { run, determinations } of runs) {
    for (const name of SUMMED_COLUMNS) totals[name] += Number(run[name] ?? 0);
    for (const row of determinations) {
      const determination = String(row.determination);
      const count = Number(row.convictions ?? 0);
      if (row.breakdown === 'section') addNested(bySection, String(row.section), determination, count);
      else if (row.breakdown === 'decade') addNested(byDecade, String(row.decade), determination, count);
      else if (row.breakdown === 'reason') {
        addNested(byReason, determination, String(row.reason), count);
        add(byDetermination, determination, count);
      }
    }
  }
  const computeAts = runs.map((entry) => String(entry.run.compute_at)).sort();
  const threshold = Math.max(1, ...runs.map((entry) => Number(entry.run.suppression_threshold ?? 1)));
  const counties: RollupCounty[] = CALIFORNIA_COUNTIES.map((county) => {
    const entry = byCounty.get(county);
    if (entry === undefined) return { county, status: 'no run' };
    const { run } = entry;
    return {
      county,
      status: 'included',
      runId: String(run.run_id),
      computeAt: String(run.compute_at),
      runDate: String(run.started_at).slice(0, 10),
      policyName: String(run.policy_name),
      policySha256: run.policy_sha256 === null ? null : String(run.policy_sha256),
      counts: Object.fromEntries(SUMMED_COLUMNS.map((name) => [name, Number(run[name] ?? 0)])),
    };
  });
  return {
    scope: 'California',
    includesGeneratedSamples: runs.some((entry) => entry.run.generated_sample === true),
    countiesIncluded: runs.length,
    countiesWithoutRun: counties.filter((c) => c.status === 'no run').map((c) => c.county),
    computeAtRange: computeAts.length === 0 ? null : { earliest: computeAts[0], latest: computeAts[computeAts.length - 1] },
    totals,
    convictionsByDetermination: byDetermination,
    convictionsBySectionAndDetermination: bySection,
    convictionsByDecadeAndDetermination: byDecade,
    convictionsByDeterminationAndReason: byReason,
    demographics: {
      suppressionThreshold: threshold,
      raceEthnicity: aggregateDemographics(runs, DEMOGRAPHIC_DIMENSIONS.raceEthnicity, threshold),
      gender: aggregateDemographics(runs, DEMOGRAPHIC_DIMENSIONS.gender, threshold),
      ageBand: aggregateDemographics(runs, DEMOGRAPHIC_DIMENSIONS.ageBand, threshold),
    },
    counties,
  };
}

/** The roll-up as statistics.csv (`dimension,value,detail,count`): per county, totals, determinations, demographics. */
export function rollupStatisticsCsv(rollup: RollupSummary): string {
  const lines: string[] = [csvSafeLine(['dimension', 'value', 'detail', 'count'])];
  const line = (dimension: string, value: string, detail: string, count: number | null) => lines.push(csvSafeLine([dimension, value, detail, count === null ? '' : String(count)]));
  for (const county of rollup.counties) {
    if (county.counts === undefined) line('county', county.county, 'no run', null);
    else for (const [name, count] of Object.entries(county.counts)) line('county', county.county, name, count);
  }
  for (const [name, count] of Object.entries(rollup.totals)) line('state', 'total', name, count);
  for (const [determination, count] of Object.entries(rollup.convictionsByDetermination)) line('convictions by determination', determination, '', count);
  const nested = (dimension: string, record: Record<string, Record<string, number>>) => {
    for (const [outer, inner] of Object.entries(record)) for (const [key, count] of Object.entries(inner)) line(dimension, outer, key, count);
  };
  nested('convictions by section and determination', rollup.convictionsBySectionAndDetermination);
  nested('convictions by decade and determination', rollup.convictionsByDecadeAndDetermination);
  nested('convictions by determination and reason', rollup.convictionsByDeterminationAndReason);
  for (const [dimension, table] of [
    [DEMOGRAPHIC_DIMENSIONS.raceEthnicity, rollup.demographics.raceEthnicity],
    [DEMOGRAPHIC_DIMENSIONS.gender, rollup.demographics.gender],
    [DEMOGRAPHIC_DIMENSIONS.ageBand, rollup.demographics.ageBand],
  ] as const) {
    for (const cell of table.cells) line(dimension, cell.label, cell.suppressed ? 'suppressed' : '', cell.count);
    if (table.suppressed !== null) line(dimension, SUPPRESSED_COMBINED, '', table.suppressed.count);
    line(dimension, 'Total', '', table.total);
  }
  return `${lines.join('\n')}\n`;
}
