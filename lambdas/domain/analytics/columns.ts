/**
 * The analytics tables (docs/analytics.md): one definition of every table's columns, read by the writer
 * (records.ts) and by the Glue tables of the stack (lib/analytics.ts), so the two cannot drift apart.
 * Tables are JSON Lines under `analytics/<table>/county=<slug>/run_date=<YYYY-MM-DD>/<runId>.jsonl`; `county` and
 * `run_date` are partition keys (taken from the path by Athena and DuckDB), every row also carries the run's
 * identity (ANALYTICS_RUN_COLUMNS). No column holds personal data.
 */
import { CALIFORNIA_COUNTIES } from '../counties';

/** Column types as Glue (Hive DDL) names them; JSON carries strings, numbers and booleans. */
export type AnalyticsColumnType = 'string' | 'bigint' | 'boolean' | 'date';

export interface AnalyticsColumn {
  readonly name: string;
  readonly type: AnalyticsColumnType;
  /** What the column holds, for the Glue catalogue and docs/analytics.md. */
  readonly comment: string;
}

export interface AnalyticsTable {
  /** Glue table name, and the folder under `analytics/`. */
  readonly name: string;
  readonly description: string;
  readonly columns: readonly AnalyticsColumn[];
}

const column = (name: string, type: AnalyticsColumnType, comment: string): AnalyticsColumn => Object.freeze({ name, type, comment });

/** Partition keys, in path order: `county=<slug>/run_date=<YYYY-MM-DD>/`. */
export const ANALYTICS_PARTITION_KEYS: readonly AnalyticsColumn[] = Object.freeze([
  column('county', 'string', 'the county as a path-safe slug: lower case, spaces as underscores (los_angeles)'),
  column('run_date', 'string', 'UTC date the run started, YYYY-MM-DD'),
]);

/** The run's identity, first in every row of every table. */
export const ANALYTICS_RUN_COLUMNS: readonly AnalyticsColumn[] = Object.freeze([
  column('run_id', 'string', 'the run'),
  column('county_name', 'string', 'the county as STP_ORI_CNTY_NAME writes it (LOS ANGELES)'),
  column('compute_at', 'date', 'the date eligibility was computed as of'),
  column('policy_name', 'string', 'the policy: a preset name or the policy file'),
  column('policy_sha256', 'string', 'SHA-256 of the resolved policy'),
]);

const count = (name: string, comment: string) => column(name, 'bigint', comment);

export const RUNS_TABLE: AnalyticsTable = Object.freeze({
  name: 'runs',
  description: 'one row per successful run: its headline figures (the index of runs)',
  columns: Object.freeze([
    ...ANALYTICS_RUN_COLUMNS,
    column('started_at', 'string', 'ISO instant the run started'),
    column('generated_sample', 'boolean', 'the input was the generated sample of fabricated people'),
    column('reports_prefix', 'string', "the run's reports/ folder (summary.json, statistics.csv, report.html)"),
    count('rows_read', 'data rows read'),
    count('rows_rejected', 'rows that could not be read'),
    count('rows_written', 'rows written to the results'),
    count('people', 'distinct people in the extract'),
    count('people_with_prop64_conviction', 'people with a Prop 64 conviction in the county'),
    count('people_with_some_relief', 'people with some relief (dismissal or reduction)'),
    count('people_no_felony', 'people left with no felony'),
    count('people_no_conviction', 'people left with no conviction'),
    count('people_no_conviction_last_7_years', 'people left with no conviction in the last 7 years'),
    count('convictions_evaluated', 'Prop 64 convictions evaluated'),
    count('felony_convictions', 'evaluated felony convictions'),
    count('non_felony_convictions', 'evaluated misdemeanor or infraction convictions'),
    count('convictions_dismissed', 'convictions eligible for dismissal'),
    count('convictions_reduced', 'convictions eligible for reduction'),
    count('convictions_city_attorney', 'convictions referred to a city attorney'),
    count('convictions_hand_review', 'convictions sent to hand review'),
    count('convictions_not_eligible', 'convictions not eligible'),
    count('convictions_undecided', 'convictions no rule decided'),
    count('suppression_threshold', 'demographic cells below this count are suppressed'),
  ]),
});

export const STATISTICS_TABLE: AnalyticsTable = Object.freeze({
  name: 'statistics',
  description: "every line of the run's statistics.csv, compound values split, demographics suppressed as in the report",
  columns: Object.freeze([
    ...ANALYTICS_RUN_COLUMNS,
    column('dimension', 'string', "what is counted (statistics.csv's dimension)"),
    column('value', 'string', 'the category (the first part of a compound value)'),
    column('detail', 'string', 'the second part of a compound value; null otherwise'),
    count('count', 'the count; null when suppressed'),
    column('suppressed', 'boolean', 'the count is suppressed (small cell)'),
  ]),
});

export const DETERMINATIONS_TABLE: AnalyticsTable = Object.freeze({
  name: 'determinations',
  description: 'evaluated convictions by section, decade of conviction and rule/reason, each with the determination',
  columns: Object.freeze([
    ...ANALYTICS_RUN_COLUMNS,
    column('breakdown', 'string', 'section, decade or reason: which of the other columns are set'),
    column('section', 'string', 'the Prop 64 section (11357...), breakdown section'),
    column('decade', 'string', 'decade of conviction (1990s, Unknown), breakdown decade'),
    column('rule', 'string', 'the rule that decided, breakdown reason'),
    column('reason', 'string', 'the reason it gave, breakdown reason'),
    column('determination', 'string', 'the determination (Dismissal, Reduction, ..., No determination)'),
    count('convictions', 'evaluated convictions'),
  ]),
});

/** The latest successful run of each county: its runs row, at `analytics/latest/county=<slug>/latest.jsonl`. */
export const LATEST_TABLE: AnalyticsTable = Object.freeze({
  name: 'latest',
  description: 'the latest successful run of each county (its runs row)',
  columns: RUNS_TABLE.columns,
});

/** Tables partitioned by county and run date, one object per run. */
export const RUN_TABLES: readonly AnalyticsTable[] = Object.freeze([RUNS_TABLE, STATISTICS_TABLE, DETERMINATIONS_TABLE]);
export const ANALYTICS_TABLES: readonly AnalyticsTable[] = Object.freeze([...RUN_TABLES, LATEST_TABLE]);

export const ANALYTICS_PREFIX = 'analytics/';

/** A county's partition value: lower case, spaces as underscores (`LOS ANGELES` → `los_angeles`). */
export function countyPartitionValue(county: string): string {
  return county.toLowerCase().split(' ').join('_');
}

/** Every county's partition value (the Glue tables' projection enumerates them). */
export const COUNTY_PARTITION_VALUES: readonly string[] = Object.freeze(CALIFORNIA_COUNTIES.map(countyPartitionValue));

/** Key of a run's object of one table. */
export function runTableKey(prefix: string, table: AnalyticsTable, county: string, runDate: string, runId: string): string {
  return `${prefix}${table.name}/county=${countyPartitionValue(county)}/run_date=${runDate}/${runId}.jsonl`;
}

/** Key of a county's latest pointer. */
export function latestKey(prefix: string, county: string): string {
  return `${prefix}${LATEST_TABLE.name}/county=${countyPartitionValue(county)}/latest.jsonl`;
}
