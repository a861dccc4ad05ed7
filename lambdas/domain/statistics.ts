/**
 * Run statistics as a mergeable value (a commutative monoid): every phase and partition produces a partial
 * value, `mergeStatistics` combines them in any order and grouping, and the summary is computed from the
 * merged value. Only counts and category labels live here, never personal data.
 */

export interface ReliefCounts {
  CountSubjectsNoFelony: number;
  CountSubjectsNoConvictionLast7Years: number;
  CountSubjectsNoConviction: number;
}

export interface RunStatistics {
  /** Data rows read (header and blank lines excluded), rejected or not. */
  rowsRead: number;
  rowsRejected: number;
  blankLines: number;
  /** Rejected rows by reason code. */
  rejectsByCode: Record<string, number>;
  /** Data rows by STP_ORI_CNTY_NAME (county names are public). */
  rowsByCounty: Record<string, number>;
  /** Rows written to All_Results (must equal rowsRead - rowsRejected). */
  rowsWritten: number;
  people: number;
  peopleWithRejectedRows: number;
  convictions: number;
  malformedDates: Record<string, number>;
  prop64ConvictionsBySection: Record<string, number>;
  prop64FelonyConvictions: number;
  prop64NonFelonyConvictions: number;
  subjectsWithProp64Conviction: number;
  subjectsWithSomeRelief: number;
  /** determination → reason (without case-specific evidence) → convictions. */
  convictionsByDeterminationAndReason: Record<string, Record<string, number>>;
  reliefWithCurrentEligibilityChoices: ReliefCounts;
  reliefWithDismissAllProp64: ReliefCounts;
  /** What-if scenarios computed in the same pass: scenario name → relief counts. */
  scenarios: Record<string, ScenarioCounts>;
  /** Earliest Prop 64 conviction in the county, as a day number; null when none. */
  earliestConvictionDay: number | null;
  /**
   * The latest valid STP_EVENT_DATE of any row (any step type, any county) not after the day the run started: the
   * extract's "data as of" date (docs/reports.md). Optional like the report extensions; null when no row has one.
   */
  latestEventDay?: number | null;
  // Report extensions (docs/reports.md). Optional: a partial value without them is valid, merges unchanged,
  // and `emptyStatistics()` stays the identity; classification always fills them.
  /** Prop 64 section → determination (`(none)` when no rule applies) → evaluated convictions. */
  convictionsBySectionAndDetermination?: Record<string, Record<string, number>>;
  /** Decade of the conviction date (`1990s`, `Unknown` when malformed) → determination → evaluated convictions. */
  convictionsByDecadeAndDetermination?: Record<string, Record<string, number>>;
  /** Rule id (rules.ts RuleId) → reason without evidence → evaluated convictions: the reasons funnel. */
  convictionsByRuleAndReason?: Record<string, Record<string, number>>;
  /** People with some relief under the chosen policy, by category (never by person). */
  relievedDemographics?: DemographicCounts;
}

/** People counted by demographic category. Categories only: no value here identifies anyone. */
export interface DemographicCounts {
  /** Race/ethnicity category after the run's RACE_DESCR mapping (`Unknown` for blank or unmapped). */
  race: Record<string, number>;
  /** `M`, `F` or `Unknown`. */
  gender: Record<string, number>;
  /** Whole years of age at compute-at, or `Unknown` (malformed birth date); banded by the report. */
  age: Record<string, number>;
  /** People whose non-blank RACE_DESCR is not in the mapping (they count as Unknown): a data-quality note. */
  unmappedRace: number;
}

export function emptyDemographics(): DemographicCounts {
  return { race: {}, gender: {}, age: {}, unmappedRace: 0 };
}

export interface ScenarioCounts extends ReliefCounts {
  subjectsWithSomeRelief: number;
  convictionsDismissed: number;
  convictionsReduced: number;
}

export function emptyRelief(): ReliefCounts {
  return { CountSubjectsNoFelony: 0, CountSubjectsNoConvictionLast7Years: 0, CountSubjectsNoConviction: 0 };
}

export function emptyScenario(): ScenarioCounts {
  return { ...emptyRelief(), subjectsWithSomeRelief: 0, convictionsDismissed: 0, convictionsReduced: 0 };
}

export function emptyStatistics(): RunStatistics {
  return {
    rowsRead: 0,
    rowsRejected: 0,
    blankLines: 0,
    rejectsByCode: {},
    rowsByCounty: {},
    rowsWritten: 0,
    people: 0,
    peopleWithRejectedRows: 0,
    convictions: 0,
    malformedDates: {},
    prop64ConvictionsBySection: {},
    prop64FelonyConvictions: 0,
    prop64NonFelonyConvictions: 0,
    subjectsWithProp64Conviction: 0,
    subjectsWithSomeRelief: 0,
    convictionsByDeterminationAndReason: {},
    reliefWithCurrentEligibilityChoices: emptyRelief(),
    reliefWithDismissAllProp64: emptyRelief(),
    scenarios: {},
    earliestConvictionDay: null,
  };
}

/** Adds `amount` to `counts[key]`. */
export function countInto(counts: Record<string, number>, key: string, amount = 1): void {
  counts[key] = (counts[key] ?? 0) + amount;
}

function mergeCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const merged: Record<string, number> = { ...a };
  for (const key of Object.keys(b)) countInto(merged, key, b[key]);
  return sortKeys(merged);
}

function mergeNested(
  a: Record<string, Record<string, number>>,
  b: Record<string, Record<string, number>>,
): Record<string, Record<string, number>> {
  const merged: Record<string, Record<string, number>> = {};
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) merged[key] = mergeCounts(a[key] ?? {}, b[key] ?? {});
  return sortKeys(merged);
}

function addNumbers<T extends object>(a: T, b: T): T {
  const sum = { ...a } as Record<string, number>;
  for (const [key, value] of Object.entries(b as Record<string, number>)) sum[key] = (sum[key] ?? 0) + value;
  return sum as T;
}

/** Object keys in a fixed order, so that merging in any order gives byte-identical JSON. */
function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const key of Object.keys(record).sort()) sorted[key] = record[key];
  return sorted;
}

function maxDay(a: number | null | undefined, b: number | null | undefined): number | null | undefined {
  if (a === undefined || a === null) return b;
  if (b === undefined || b === null) return a;
  return Math.max(a, b);
}

function minDay(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return Math.min(a, b);
}

function mergeOptionalNested(
  a: Record<string, Record<string, number>> | undefined,
  b: Record<string, Record<string, number>> | undefined,
): Record<string, Record<string, number>> | undefined {
  if (a === undefined && b === undefined) return undefined;
  return mergeNested(a ?? {}, b ?? {});
}

function mergeDemographics(a: DemographicCounts | undefined, b: DemographicCounts | undefined): DemographicCounts | undefined {
  if (a === undefined && b === undefined) return undefined;
  const x = a ?? emptyDemographics();
  const y = b ?? emptyDemographics();
  return {
    race: mergeCounts(x.race, y.race),
    gender: mergeCounts(x.gender, y.gender),
    age: mergeCounts(x.age, y.age),
    unmappedRace: x.unmappedRace + y.unmappedRace,
  };
}

/** The report extensions of a merge, present only when some side has them (so merged JSON stays stable). */
function mergeExtensions(a: RunStatistics, b: RunStatistics): Partial<RunStatistics> {
  const merged: Partial<RunStatistics> = {};
  const bySection = mergeOptionalNested(a.convictionsBySectionAndDetermination, b.convictionsBySectionAndDetermination);
  if (bySection !== undefined) merged.convictionsBySectionAndDetermination = bySection;
  const byDecade = mergeOptionalNested(a.convictionsByDecadeAndDetermination, b.convictionsByDecadeAndDetermination);
  if (byDecade !== undefined) merged.convictionsByDecadeAndDetermination = byDecade;
  const byRule = mergeOptionalNested(a.convictionsByRuleAndReason, b.convictionsByRuleAndReason);
  if (byRule !== undefined) merged.convictionsByRuleAndReason = byRule;
  const demographics = mergeDemographics(a.relievedDemographics, b.relievedDemographics);
  if (demographics !== undefined) merged.relievedDemographics = demographics;
  const latestEventDay = maxDay(a.latestEventDay, b.latestEventDay);
  if (latestEventDay !== undefined) merged.latestEventDay = latestEventDay;
  return merged;
}

/** The monoid operation: associative and commutative; `emptyStatistics()` is its identity. */
export function mergeStatistics(a: RunStatistics, b: RunStatistics): RunStatistics {
  const scenarios: Record<string, ScenarioCounts> = {};
  for (const name of [...new Set([...Object.keys(a.scenarios), ...Object.keys(b.scenarios)])].sort()) {
    scenarios[name] = addNumbers(a.scenarios[name] ?? emptyScenario(), b.scenarios[name] ?? emptyScenario());
  }
  return {
    rowsRead: a.rowsRead + b.rowsRead,
    rowsRejected: a.rowsRejected + b.rowsRejected,
    blankLines: a.blankLines + b.blankLines,
    rejectsByCode: mergeCounts(a.rejectsByCode, b.rejectsByCode),
    rowsByCounty: mergeCounts(a.rowsByCounty, b.rowsByCounty),
    rowsWritten: a.rowsWritten + b.rowsWritten,
    people: a.people + b.people,
    peopleWithRejectedRows: a.peopleWithRejectedRows + b.peopleWithRejectedRows,
    convictions: a.convictions + b.convictions,
    malformedDates: mergeCounts(a.malformedDates, b.malformedDates),
    prop64ConvictionsBySection: mergeCounts(a.prop64ConvictionsBySection, b.prop64ConvictionsBySection),
    prop64FelonyConvictions: a.prop64FelonyConvictions + b.prop64FelonyConvictions,
    prop64NonFelonyConvictions: a.prop64NonFelonyConvictions + b.prop64NonFelonyConvictions,
    subjectsWithProp64Conviction: a.subjectsWithProp64Conviction + b.subjectsWithProp64Conviction,
    subjectsWithSomeRelief: a.subjectsWithSomeRelief + b.subjectsWithSomeRelief,
    convictionsByDeterminationAndReason: mergeNested(a.convictionsByDeterminationAndReason, b.convictionsByDeterminationAndReason),
    reliefWithCurrentEligibilityChoices: addNumbers(a.reliefWithCurrentEligibilityChoices, b.reliefWithCurrentEligibilityChoices),
    reliefWithDismissAllProp64: addNumbers(a.reliefWithDismissAllProp64, b.reliefWithDismissAllProp64),
    scenarios,
    earliestConvictionDay: minDay(a.earliestConvictionDay, b.earliestConvictionDay),
    ...mergeExtensions(a, b),
  };
}

/** Merges any number of partial statistics. */
export function mergeAll(parts: Iterable<RunStatistics>): RunStatistics {
  let merged = emptyStatistics();
  for (const part of parts) merged = mergeStatistics(merged, part);
  return merged;
}

/** Canonical form (sorted keys everywhere), for comparisons and stable JSON. */
export function normalizeStatistics(stats: RunStatistics): RunStatistics {
  return mergeStatistics(emptyStatistics(), stats);
}
