/**
 * summary.json: every field of the reference tool's summary (eligibility.md, "Output files of a run"),
 * then ours. Computed from merged statistics; holds no personal data.
 */
import type { SinceLastRun } from './register/compare';
import { DETERMINATION } from './decision';
import { createHash } from 'node:crypto';
import { formatIsoDate, formatRfc3339 } from './dates';
import { Policy } from './policy';
import { PROP64_SECTIONS } from './sections';
import { ReliefCounts, RunStatistics, ScenarioCounts } from './statistics';
import { DemographicsReport, demographicsReport, whatIfRows, WhatIfRow } from './report/model';
import { parseReportSettings, ReportSettings } from './report/settings';

export interface FileSummary {
  name: string;
  rowsRead: number;
  rowsRejected: number;
  rowsWritten: number;
  blankLines: number;
  header: 'present' | 'absent';
  /** Data-quality notes about the file (e.g. a header with the wrong field count). */
  notes: string[];
}

export interface Summary {
  county: string;
  earliestConviction: string | null;
  lineCount: number;
  processingTimeInSeconds: number;
  reliefWithCurrentEligibilityChoices: ReliefCounts;
  reliefWithDismissAllProp64: ReliefCounts;
  prop64ConvictionsCountInCountyByCodeSection: Record<string, number>;
  subjectsWithProp64ConvictionCountInCounty: number;
  prop64FelonyConvictionsCountInCounty: number;
  prop64NonFelonyConvictionsCountInCounty: number;
  subjectsWithSomeReliefCount: number;
  convictionDismissalCountByCodeSection: Record<string, number>;
  convictionReductionCountByCodeSection: Record<string, number>;
  convictionDismissalCountByAdditionalRelief: Record<string, number>;
  // ---- ours ----
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  runId: string;
  computeAt: string;
  policyName: string;
  /**
   * SHA-256 of the policy the run applied (every option resolved, keys sorted): what the decision record cites
   * (docs/review.md). Optional so that summaries of older runs stay valid.
   */
  policySha256?: string;
  rowsRead: number;
  rowsRejected: number;
  rowsWritten: number;
  blankLines: number;
  people: number;
  convictions: number;
  peopleWithRejectedRows: number;
  rejectsByCode: Record<string, number>;
  malformedDates: Record<string, number>;
  convictionsByDetermination: Record<string, number>;
  convictionsByDeterminationAndReason: Record<string, Record<string, number>>;
  scenarios: Record<string, ScenarioCounts>;
  files: FileSummary[];
  timings: Record<string, number>;
  // ---- report extensions (docs/reports.md); optional so that summaries of older runs stay valid ----
  /**
   * The extract's "data as of" date, YYYY-MM-DD: the latest valid STP_EVENT_DATE of any row, dates after the day
   * the run started left out (docs/reports.md); null when no row has one.
   */
  dataAsOf?: string | null;
  /** The chosen policy, then every what-if scenario of the run, side by side. */
  whatIf?: WhatIfRow[];
  /** Prop 64 section → determination → evaluated convictions. */
  convictionsBySectionAndDetermination?: Record<string, Record<string, number>>;
  /** Decade of conviction → determination → evaluated convictions. */
  convictionsByDecadeAndDetermination?: Record<string, Record<string, number>>;
  /** People relieved by race/ethnicity, gender and age band: small cells suppressed, shares summing to 100. */
  demographics?: DemographicsReport;
  /** What changed since the county's previous run (docs/monthly.md): counts only. */
  sinceLastRun?: SinceLastRun;
}

export interface SummaryContext {
  runId: string;
  county: string;
  computeAt: string;
  policy: Policy;
  policyName: string;
  files: FileSummary[];
  /** Seconds per phase, and `total`. */
  timings: Record<string, number>;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  /** Race/ethnicity mapping, age bands, suppression threshold (default: report/settings.ts). */
  reportSettings?: ReportSettings;
}

/** Go's json encoder writes map keys sorted; so do we. */
function sorted(record: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const key of Object.keys(record).sort()) result[key] = record[key];
  return result;
}

function relief(counts: ReliefCounts): ReliefCounts {
  return {
    CountSubjectsNoConviction: counts.CountSubjectsNoConviction,
    CountSubjectsNoConvictionLast7Years: counts.CountSubjectsNoConvictionLast7Years,
    CountSubjectsNoFelony: counts.CountSubjectsNoFelony,
  };
}

export function buildSummary(stats: RunStatistics, context: SummaryContext): Summary {
  const byReason = stats.convictionsByDeterminationAndReason;
  const dismissals = byReason[DETERMINATION.dismissal] ?? {};
  const reductions = byReason[DETERMINATION.reduction] ?? {};
  const dismissalBySection: Record<string, number> = {};
  for (const entry of context.policy.dismiss) dismissalBySection[entry.text] = dismissals[`Dismiss all HS ${entry.text} convictions`] ?? 0;
  const reductionBySection: Record<string, number> = {};
  for (const entry of context.policy.reduce) reductionBySection[entry.text] = reductions[`Reduce all HS ${entry.text} convictions`] ?? 0;
  const additionalRelief: Record<string, number> = {};
  for (const [reason, count] of Object.entries(dismissals)) {
    if (!reason.startsWith('Dismiss all HS') && !reason.startsWith('Misdemeanor or Infraction')) additionalRelief[reason] = count;
  }
  const bySection: Record<string, number> = {};
  for (const section of PROP64_SECTIONS) {
    const count = stats.prop64ConvictionsBySection[section] ?? 0;
    if (count > 0) bySection[section] = count;
  }
  const byDetermination: Record<string, number> = {};
  for (const [determination, reasons] of Object.entries(byReason)) {
    byDetermination[determination] = Object.values(reasons).reduce((sum, n) => sum + n, 0);
  }
  return {
    county: context.county,
    earliestConviction: stats.earliestConvictionDay === null ? null : formatRfc3339(stats.earliestConvictionDay),
    lineCount: stats.rowsRead,
    processingTimeInSeconds: context.timings.total ?? 0,
    reliefWithCurrentEligibilityChoices: relief(stats.reliefWithCurrentEligibilityChoices),
    reliefWithDismissAllProp64: relief(stats.reliefWithDismissAllProp64),
    prop64ConvictionsCountInCountyByCodeSection: bySection,
    subjectsWithProp64ConvictionCountInCounty: stats.subjectsWithProp64Conviction,
    prop64FelonyConvictionsCountInCounty: stats.prop64FelonyConvictions,
    prop64NonFelonyConvictionsCountInCounty: stats.prop64NonFelonyConvictions,
    subjectsWithSomeReliefCount: stats.subjectsWithSomeRelief,
    convictionDismissalCountByCodeSection: sorted(dismissalBySection),
    convictionReductionCountByCodeSection: sorted(reductionBySection),
    convictionDismissalCountByAdditionalRelief: sorted(additionalRelief),
    status: context.status,
    ...(context.error === undefined ? {} : { error: context.error }),
    runId: context.runId,
    computeAt: context.computeAt,
    ...(stats.latestEventDay === undefined ? {} : { dataAsOf: stats.latestEventDay === null ? null : formatIsoDate(stats.latestEventDay) }),
    policyName: context.policyName,
    policySha256: policySha256(context.policy),
    rowsRead: stats.rowsRead,
    rowsRejected: stats.rowsRejected,
    rowsWritten: stats.rowsWritten,
    blankLines: stats.blankLines,
    people: stats.people,
    convictions: stats.convictions,
    peopleWithRejectedRows: stats.peopleWithRejectedRows,
    rejectsByCode: sorted(stats.rejectsByCode),
    malformedDates: sorted(stats.malformedDates),
    convictionsByDetermination: sorted(byDetermination),
    convictionsByDeterminationAndReason: stats.convictionsByDeterminationAndReason,
    scenarios: stats.scenarios,
    files: context.files,
    timings: context.timings,
    whatIf: whatIfRows(stats, context.policyName),
    ...(stats.convictionsBySectionAndDetermination === undefined ? {} : { convictionsBySectionAndDetermination: stats.convictionsBySectionAndDetermination }),
    ...(stats.convictionsByDecadeAndDetermination === undefined ? {} : { convictionsByDecadeAndDetermination: stats.convictionsByDecadeAndDetermination }),
    ...(stats.relievedDemographics === undefined ? {} : { demographics: demographicsReport(stats, context.reportSettings ?? parseReportSettings()) }),
  };
}

/** SHA-256 (hex) of the policy as canonical JSON: keys sorted at every level, so equal policies hash equal. */
export function policySha256(policy: Policy): string {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(canonical)
      : value !== null && typeof value === 'object'
        ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
        : value;
  return createHash('sha256').update(JSON.stringify(canonical(policy))).digest('hex');
}
