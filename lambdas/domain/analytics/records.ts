/**
 * The rows a successful run adds to the analytics tables (columns.ts), computed from its report model: the same
 * aggregates as reports/ (demographics suppressed as in the report), nothing per person.
 */
import { DETERMINATION } from '../decision';
import type { Summary } from '../summary';
import { determinationLabel, NO_DETERMINATION, ReportModel } from '../report/model';
import { statisticsLines } from '../report/statistics-csv';
import { InvariantError } from '../errors';
import { AnalyticsTable, DETERMINATIONS_TABLE, RUNS_TABLE, STATISTICS_TABLE } from './columns';

export type AnalyticsValue = string | number | boolean | null;
export type AnalyticsRow = Readonly<Record<string, AnalyticsValue>>;

export interface RunAnalytics {
  county: string;
  /** Partition value: the UTC date the run started. */
  runDate: string;
  runs: AnalyticsRow[];
  statistics: AnalyticsRow[];
  determinations: AnalyticsRow[];
}

export interface RunAnalyticsContext {
  /** ISO instant the run started (the plan's startedAt). */
  startedAt: string;
  /** The run's reports/ folder. */
  reportsPrefix: string;
}

/** A row with exactly the table's columns, in the table's order; InvariantError otherwise (a bug, caught by tests before any file is written). */
export function tableRow(table: AnalyticsTable, values: Record<string, AnalyticsValue>): AnalyticsRow {
  const row: Record<string, AnalyticsValue> = {};
  for (const { name } of table.columns) {
    if (!(name in values)) throw new InvariantError(`${table.name}: no value for column ${name}`);
    row[name] = values[name];
  }
  const extra = Object.keys(values).filter((name) => !(name in row));
  if (extra.length > 0) throw new InvariantError(`${table.name}: ${extra.join(', ')} not a column`);
  return row;
}

/** The compound values of statistics.csv (`11357 | Dismissal`) as value and detail. */
function splitValue(value: string): [string, string | null] {
  const at = value.indexOf(' | ');
  return at < 0 ? [value, null] : [value.slice(0, at), value.slice(at + 3)];
}

export function runAnalytics(model: ReportModel, summary: Pick<Summary, 'policySha256' | 'people'>, context: RunAnalyticsContext): RunAnalytics {
  const identity = {
    run_id: model.runId,
    county_name: model.county,
    compute_at: model.computeAt,
    policy_name: model.policyName,
    policy_sha256: summary.policySha256 ?? null,
  };
  const h = model.headline;
  const q = model.dataQuality;
  const determinationCount = (determination: string) => model.byDetermination.find((row) => row.determination === determination)?.count ?? 0;
  const runs = [
    tableRow(RUNS_TABLE, {
      ...identity,
      started_at: context.startedAt,
      generated_sample: model.generatedSample,
      reports_prefix: context.reportsPrefix,
      rows_read: q.rowsRead,
      rows_rejected: q.rowsRejected,
      rows_written: q.rowsWritten,
      people: summary.people,
      people_with_prop64_conviction: h.peopleWithProp64Conviction,
      people_with_some_relief: h.peopleWithSomeRelief,
      people_no_felony: h.peopleNoFelony,
      people_no_conviction: h.peopleNoConviction,
      people_no_conviction_last_7_years: h.peopleNoConvictionLast7Years,
      convictions_evaluated: h.convictionsEvaluated,
      felony_convictions: h.felonies,
      non_felony_convictions: h.nonFelonies,
      convictions_dismissed: h.convictionsDismissed,
      convictions_reduced: h.convictionsReduced,
      convictions_city_attorney: determinationCount(DETERMINATION.cityAttorney),
      convictions_hand_review: determinationCount(DETERMINATION.handReview),
      convictions_not_eligible: determinationCount(DETERMINATION.notEligible),
      convictions_undecided: determinationCount(NO_DETERMINATION),
      suppression_threshold: model.demographics.suppressionThreshold,
    }),
  ];
  const statistics = statisticsLines(model).map((line) => {
    const [value, detail] = splitValue(line.value);
    return tableRow(STATISTICS_TABLE, { ...identity, dimension: line.dimension, value, detail, count: line.count, suppressed: line.count === null });
  });
  const none = { section: null, decade: null, rule: null, reason: null };
  const determinations = [
    ...model.bySectionAndDetermination.map((row) =>
      tableRow(DETERMINATIONS_TABLE, { ...identity, ...none, breakdown: 'section', section: row.section, determination: determinationLabel(row.determination), convictions: row.count }),
    ),
    ...model.byDecadeAndDetermination.map((row) =>
      tableRow(DETERMINATIONS_TABLE, { ...identity, ...none, breakdown: 'decade', decade: row.decade, determination: determinationLabel(row.determination), convictions: row.count }),
    ),
    ...model.funnel.map((step) =>
      tableRow(DETERMINATIONS_TABLE, { ...identity, ...none, breakdown: 'reason', rule: String(step.rule), reason: step.reason, determination: determinationLabel(step.determination), convictions: step.count }),
    ),
  ];
  return { county: model.county, runDate: context.startedAt.slice(0, 10), runs, statistics, determinations };
}

/** Rows as JSON Lines: one object per line (Athena's JSON SerDe, DuckDB's read_json). */
export function jsonLines(rows: readonly AnalyticsRow[]): string {
  let text = '';
  for (const row of rows) text += `${JSON.stringify(row)}\n`;
  return text;
}
