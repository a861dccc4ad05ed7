/**
 * The report model: everything report.html, statistics.csv and the summary's report fields show, computed
 * once from the merged statistics. Aggregates only; demographic tables are suppressed here, so no renderer
 * can leak a small cell.
 */
import type { SinceLastRun } from '../register/compare';
import { DETERMINATION, RuleId } from '../decision';
import { Policy } from '../policy';
import { PROP64_SECTIONS } from '../sections';
import { emptyDemographics, RunStatistics, ScenarioCounts } from '../statistics';
import { ageBandLabels, ageBandOf, GENDER_LABELS, RaceMapper, UNKNOWN } from './demographics';
import { ReportSettings } from './settings';
import { Cell, SuppressedTable, suppressTable } from './suppression';

/** The statistics key of a conviction no rule decided (the reference leaves its determination empty). */
export const NO_DETERMINATION = '(none)';

/** Determinations in the order reports show them. */
export const DETERMINATION_ORDER: readonly string[] = [
  DETERMINATION.dismissal,
  DETERMINATION.reduction,
  DETERMINATION.cityAttorney,
  DETERMINATION.handReview,
  DETERMINATION.notEligible,
  NO_DETERMINATION,
];

export function determinationLabel(determination: string): string {
  return determination === NO_DETERMINATION ? 'No determination' : determination;
}

/** The rules in the order `decide` tries them (first match wins; rules.ts STEP_ORDER), with what each one is about. */
export const RULE_ORDER: Readonly<Record<RuleId, string>> = Object.freeze({
  incompleteRecord: 'Incomplete record (rejected rows)',
  missingCountOrder: 'Missing CNT_ORDER',
  malformedConvictionDate: 'Malformed conviction date',
  relatedConviction: 'Related conviction in the same case (PC 32, HS 11364, HS 11366)',
  misdemeanor: 'Misdemeanor or infraction',
  afterEffectiveDate: 'Conviction after 2016-11-09',
  superstrike: 'Prior superstrike',
  pc290: 'Prior PC 290 offense',
  pc290Registration: 'Prior PC 290 registration',
  twoPriors: 'Two prior same-section convictions',
  servingSentence: 'Sentence still being served',
  dismissSection: 'Section in the dismiss list',
  handReviewSection: 'Section in the hand review list',
  malformedBirthDate: 'Malformed birth date',
  under21: 'Under 21 at conviction',
  ageThreshold: 'Age at compute-at',
  yearsSinceConviction: 'Years since the conviction',
  malformedOtherConvictionDate: 'Malformed date of another conviction',
  yearsCrimeFree: 'Years without a conviction',
  onlyProp64: 'Only Prop 64 convictions',
  deceased: 'Deceased',
  reduceSection: 'Section in the reduce list',
  otherwise: 'No relief rule applies (hand review)',
  under21OnComputeDate: 'Under 21 at compute-at (Los Angeles flow)',
  onlyProp64CompletedSentences: 'Only Prop 64 convictions, sentences completed (Los Angeles flow)',
  yearsCrimeFreeLosAngeles: 'Years without a conviction (Los Angeles flow)',
  servingSentenceAnyConviction: 'Some sentence still being served (Los Angeles flow)',
  noRule: 'No rule applies',
});

export const SCENARIO_LABELS: Readonly<Record<string, string>> = Object.freeze({
  dismissAllProp64: 'Dismiss all Prop 64 convictions',
  dismissAllProp64AndRelated: 'Dismiss all Prop 64 and related convictions',
});

/** What each what-if row means, in words a reader of the report needs to compare them. */
const SCENARIO_EXPLANATIONS: Readonly<Record<string, string>> = Object.freeze({
  dismissAllProp64:
    'Every Prop 64 conviction in the county counted as dismissed, with no rule applied (no age, time or prior-conviction condition, no hand review): the most relief possible.',
  dismissAllProp64AndRelated:
    'As the line above, and the related convictions of the same people dismissed too (see below), so that more people end with no conviction.',
});

/** What happens after the run to the convictions of each determination. */
export const NEXT_STEPS: Readonly<Record<string, string>> = Object.freeze({
  [DETERMINATION.dismissal]: "The District Attorney's office asks the court to dismiss and seal them (court motion list).",
  [DETERMINATION.reduction]: "The District Attorney's office asks the court to reduce them to a lesser offense (court motion list).",
  [DETERMINATION.cityAttorney]: 'Misdemeanors the city attorney prosecutes: sent to the city attorney, who decides on relief.',
  [DETERMINATION.handReview]: "An attorney of the District Attorney's office reviews each one; the public defender is told of them (defender notice list).",
  [DETERMINATION.notEligible]: 'No motion is filed; the public defender is told of them with the reason (defender notice list) and may petition the court.',
  [NO_DETERMINATION]: 'The policy decides nothing for them and no list holds them: the policy needs a rule for them, or they are reviewed by hand.',
});

/** Plain words for the determinations in headlines. */
const DETERMINATION_WORDS: Readonly<Record<string, string>> = Object.freeze({
  [DETERMINATION.dismissal]: 'eligible for dismissal',
  [DETERMINATION.reduction]: 'eligible for reduction',
  [DETERMINATION.cityAttorney]: 'referred to the city attorney',
  [DETERMINATION.handReview]: 'sent to hand review',
  [DETERMINATION.notEligible]: 'not eligible',
  [NO_DETERMINATION]: 'undecided (no rule of the policy applies)',
});

/**
 * A share as a percent that never reads 100% or 0% unless it is exactly that: 9,983 of 10,000 is "99.8%", 9,999 of
 * 100,000 "99.99%"... "more than 99.9%" and "less than 0.1%" at the ends.
 */
export function shareText(part: number, whole: number): string {
  if (!(whole > 0)) return '–';
  if (part === whole) return '100%';
  if (part === 0) return '0%';
  const percent = (part * 100) / whole;
  const whole1 = Math.round(percent);
  if (whole1 > 0 && whole1 < 100) return `${whole1}%`;
  const tenth = Math.round(percent * 10) / 10;
  if (tenth >= 100) return 'more than 99.9%';
  if (tenth <= 0) return 'less than 0.1%';
  return `${tenth}%`;
}

/** The generated sample `clearance run` classifies without --input: its file name says so. */
export const GENERATED_SAMPLE_PREFIX = 'clearance-sample-';

/** The extract's columns and the words the report mentions, in plain words (the report's glossary). */
export const GLOSSARY: ReadonlyArray<{ term: string; meaning: string }> = Object.freeze([
  { term: 'Prop 64', meaning: 'Proposition 64 (2016), which made some marijuana offenses lesser ones or no offense, and lets past convictions be dismissed or reduced.' },
  { term: 'HS (H&S)', meaning: 'California Health and Safety Code; HS 11357 to 11360 are the Prop 64 marijuana sections (possession, cultivation, possession for sale, transport or sale).' },
  { term: 'PC, BP, VC', meaning: 'California Penal Code, Business and Professions Code, Vehicle Code.' },
  { term: 'Felony, misdemeanor, infraction', meaning: 'The three levels of offense, from the most to the least serious.' },
  { term: 'Dismissal', meaning: 'The court sets the conviction aside and seals the record (HS 11361.8).' },
  { term: 'Reduction', meaning: 'The court redesignates the conviction as a lesser offense, e.g. a felony as a misdemeanor.' },
  { term: 'Hand Review', meaning: "A conviction the policy sends to an attorney of the District Attorney's office to decide." },
  { term: 'City attorney referral', meaning: 'A misdemeanor prosecuted by a city attorney, who decides on its relief.' },
  { term: 'Compute-at date', meaning: 'The day eligibility is computed as of (ages, years since a conviction).' },
  { term: 'Data as of', meaning: 'The date of the latest event (arrest, court action, registration) recorded in the extract: what the data is current to.' },
  { term: 'Superstrike', meaning: 'One of the most serious felonies (PC 667(e)(2)(C)(iv)); a prior one can bar relief.' },
  { term: 'PC 290 offense', meaning: 'An offense that requires registration as a sex offender; a prior one can bar relief.' },
  { term: 'Date of conviction', meaning: 'STP_EVENT_DATE in the DOJ extract: the date of the court event that convicted.' },
  { term: 'Date of birth', meaning: 'PRI_DOB in the DOJ extract.' },
  { term: 'Race/ethnicity', meaning: 'RACE_DESCR in the DOJ extract, as the arresting agency recorded it, grouped into the categories shown.' },
  { term: 'Count order', meaning: 'CNT_ORDER in the DOJ extract: which charge of a case a row is.' },
  { term: 'Rejected row', meaning: 'A line of the extract that could not be read (e.g. a wrong number of fields); its person goes to hand review.' },
  { term: 'Suppressed', meaning: 'A group too small to show without risk of identifying someone: its count is hidden.' },
]);

/** Plain words for the extract's date fields the data-quality tables count. */
export const DATE_FIELD_WORDS: Readonly<Record<string, string>> = Object.freeze({
  STP_EVENT_DATE: 'Date of conviction',
  PRI_DOB: 'Date of birth',
});

export interface HeadlineDetermination {
  determination: string;
  /** Plain words ("eligible for dismissal"). */
  words: string;
  /** Evaluated convictions. */
  count: number;
  /** Of all evaluated convictions (shareText). */
  share: string;
  next: string;
}

export interface Headline {
  peopleWithProp64Conviction: number;
  peopleWithSomeRelief: number;
  peopleNoFelony: number;
  peopleNoConviction: number;
  peopleNoConvictionLast7Years: number;
  convictionsEvaluated: number;
  felonies: number;
  nonFelonies: number;
  convictionsDismissed: number;
  convictionsReduced: number;
  /** Every determination, zeros included, with what happens next. */
  determinations: HeadlineDetermination[];
  /** peopleWithSomeRelief of peopleWithProp64Conviction (shareText). */
  peopleWithSomeReliefShare: string;
}

export interface DeterminationCount {
  determination: string;
  count: number;
}

export interface SectionDeterminationCount extends DeterminationCount {
  section: string;
}

export interface DecadeDeterminationCount extends DeterminationCount {
  decade: string;
}

export interface FunnelStep {
  rule: RuleId | string;
  ruleLabel: string;
  reason: string;
  determination: string;
  /** Convictions this reason decided. */
  count: number;
  /** Convictions not yet decided when this step is tried. */
  entering: number;
}

export interface WhatIfRow {
  /** `chosen` for the run's policy, else the scenario's key in statistics. */
  key: string;
  label: string;
  /** What the row means (how it differs from the others). */
  explanation: string;
  subjectsWithSomeRelief: number;
  CountSubjectsNoFelony: number;
  CountSubjectsNoConviction: number;
  CountSubjectsNoConvictionLast7Years: number;
  convictionsDismissed: number;
  convictionsReduced: number;
}

export interface DemographicsReport {
  /** Who is counted. */
  population: string;
  /** People with some relief (dismissal or reduction) under the chosen policy. */
  total: number;
  suppressionThreshold: number;
  raceEthnicity: SuppressedTable;
  gender: SuppressedTable;
  ageBand: SuppressedTable;
  /**
   * People relieved whose non-blank RACE_DESCR is not in the mapping (counted as Unknown); null when 1 to
   * threshold-1, which would bound a suppressed Unknown cell.
   */
  unmappedRaceDescriptions: number | null;
}

export interface DataQuality {
  rowsRead: number;
  rowsRejected: number;
  rowsWritten: number;
  blankLines: number;
  peopleWithRejectedRows: number;
  rejectsByCode: Array<{ code: string; count: number }>;
  malformedDates: Array<{ field: string; count: number }>;
  files: Array<{ name: string; rowsRead: number; rowsRejected: number; header: string; notes: string[] }>;
}

export interface ReportModel {
  county: string;
  runId: string;
  computeAt: string;
  /** summary.json `dataAsOf` (YYYY-MM-DD like computeAt); null when unknown (no valid event date, or an older run). */
  dataAsOf: string | null;
  policyName: string;
  status: string;
  /** The input is the generated sample of fabricated people (GENERATED_SAMPLE_PREFIX), not a county's extract. */
  generatedSample: boolean;
  /** The policy in plain words, one line each. */
  policyLines: string[];
  headline: Headline;
  /** Determinations present in this run, in DETERMINATION_ORDER. */
  determinations: string[];
  byDetermination: DeterminationCount[];
  bySectionAndDetermination: SectionDeterminationCount[];
  byDecadeAndDetermination: DecadeDeterminationCount[];
  funnel: FunnelStep[];
  whatIf: WhatIfRow[];
  demographics: DemographicsReport;
  dataQuality: DataQuality;
  /** The comparison with the county's previous run (summary.json `sinceLastRun`), when the run made one. */
  sinceLastRun?: SinceLastRun;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}

function byDeterminationOrder(a: string, b: string): number {
  const ia = DETERMINATION_ORDER.indexOf(a);
  const ib = DETERMINATION_ORDER.indexOf(b);
  return (ia < 0 ? DETERMINATION_ORDER.length : ia) - (ib < 0 ? DETERMINATION_ORDER.length : ib) || a.localeCompare(b);
}

/** Convictions decided as each determination, in report order. */
export function determinationCounts(stats: RunStatistics): DeterminationCount[] {
  return Object.entries(stats.convictionsByDeterminationAndReason)
    .map(([determination, reasons]) => ({ determination, count: sum(Object.values(reasons)) }))
    .filter((row) => row.count > 0)
    .sort((a, b) => byDeterminationOrder(a.determination, b.determination));
}

/** The chosen policy, then dismiss all Prop 64, dismiss all Prop 64 and related, then extra presets by name. */
export function whatIfRows(stats: RunStatistics, policyName: string): WhatIfRow[] {
  const byReason = stats.convictionsByDeterminationAndReason;
  const chosen = stats.reliefWithCurrentEligibilityChoices;
  const rows: WhatIfRow[] = [
    {
      key: 'chosen',
      label: `Chosen policy (${policyName})`,
      explanation: 'The policy of this run, with every rule applied: the figures of the rest of this report.',
      subjectsWithSomeRelief: stats.subjectsWithSomeRelief,
      CountSubjectsNoFelony: chosen.CountSubjectsNoFelony,
      CountSubjectsNoConviction: chosen.CountSubjectsNoConviction,
      CountSubjectsNoConvictionLast7Years: chosen.CountSubjectsNoConvictionLast7Years,
      convictionsDismissed: sum(Object.values(byReason[DETERMINATION.dismissal] ?? {})),
      convictionsReduced: sum(Object.values(byReason[DETERMINATION.reduction] ?? {})),
    },
  ];
  const names = Object.keys(stats.scenarios).sort((a, b) => {
    const fixed = Object.keys(SCENARIO_LABELS);
    const ia = fixed.indexOf(a);
    const ib = fixed.indexOf(b);
    return (ia < 0 ? fixed.length : ia) - (ib < 0 ? fixed.length : ib) || a.localeCompare(b);
  });
  for (const name of names) {
    const scenario: ScenarioCounts = stats.scenarios[name];
    rows.push({
      key: name,
      label: SCENARIO_LABELS[name] ?? `Preset ${name}`,
      explanation:
        SCENARIO_EXPLANATIONS[name] ??
        `The preset policy ${name} applied to the same people with every rule, as the chosen policy is: convictions with an incomplete record or a malformed date still go to hand review, so it may relieve fewer than a line that dismisses everything.`,
      subjectsWithSomeRelief: scenario.subjectsWithSomeRelief,
      CountSubjectsNoFelony: scenario.CountSubjectsNoFelony,
      CountSubjectsNoConviction: scenario.CountSubjectsNoConviction,
      CountSubjectsNoConvictionLast7Years: scenario.CountSubjectsNoConvictionLast7Years,
      convictionsDismissed: scenario.convictionsDismissed,
      convictionsReduced: scenario.convictionsReduced,
    });
  }
  return rows;
}

/** Demographic tables of the people relieved, suppressed and with shares. */
export function demographicsReport(stats: RunStatistics, settings: ReportSettings): DemographicsReport {
  const counts = stats.relievedDemographics ?? emptyDemographics();
  const threshold = settings.suppressionThreshold;
  // Categories come from the mapping (every one shown, zeros too, so tables keep their shape across runs);
  // a category only in the counts (a partition mapped with other settings) is shown as well.
  const raceOrder = new RaceMapper(settings.raceCategories).categories();
  for (const category of Object.keys(counts.race).sort()) if (!raceOrder.includes(category)) raceOrder.splice(raceOrder.length - 1, 0, category);
  const race: Cell[] = raceOrder.map((label) => ({ label, count: counts.race[label] ?? 0 }));
  const gender: Cell[] = ['M', 'F', UNKNOWN].map((key) => ({ label: GENDER_LABELS[key], count: counts.gender[key] ?? 0 }));
  const bandCounts = new Map<string, number>(ageBandLabels(settings.ageBands).map((label) => [label, 0]));
  for (const [age, count] of Object.entries(counts.age)) {
    const band = ageBandOf(age, settings.ageBands);
    bandCounts.set(band, (bandCounts.get(band) ?? 0) + count);
  }
  const ageBand: Cell[] = [...bandCounts].map(([label, count]) => ({ label, count }));
  return {
    population: 'people with some relief (dismissal or reduction) under the chosen policy',
    total: stats.subjectsWithSomeRelief,
    suppressionThreshold: threshold,
    raceEthnicity: suppressTable(race, threshold),
    gender: suppressTable(gender, threshold),
    ageBand: suppressTable(ageBand, threshold),
    unmappedRaceDescriptions: counts.unmappedRace > 0 && counts.unmappedRace < threshold ? null : counts.unmappedRace,
  };
}

function nestedRows<T>(nested: Record<string, Record<string, number>> | undefined, make: (outer: string, determination: string, count: number) => T): T[] {
  const rows: T[] = [];
  for (const [outer, inner] of Object.entries(nested ?? {})) {
    for (const [determination, count] of Object.entries(inner)) if (count > 0) rows.push(make(outer, determination, count));
  }
  return rows;
}

function decadeOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === UNKNOWN) return 1;
  if (b === UNKNOWN) return -1;
  return parseInt(a, 10) - parseInt(b, 10);
}

/** The reasons funnel: every (rule, reason) that decided something, in the order the rules are tried. */
export function funnelSteps(stats: RunStatistics): FunnelStep[] {
  const determinationOfReason = new Map<string, string>();
  for (const [determination, reasons] of Object.entries(stats.convictionsByDeterminationAndReason)) {
    for (const reason of Object.keys(reasons)) if (!determinationOfReason.has(reason)) determinationOfReason.set(reason, determination);
  }
  const byRule = stats.convictionsByRuleAndReason ?? {};
  const rules = [...(Object.keys(RULE_ORDER) as string[]), ...Object.keys(byRule).filter((rule) => !(rule in RULE_ORDER)).sort()];
  let entering = sum(determinationCounts(stats).map((row) => row.count));
  const steps: FunnelStep[] = [];
  for (const rule of rules) {
    const reasons = Object.entries(byRule[rule] ?? {})
      .filter(([, count]) => count > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    for (const [reason, count] of reasons) {
      steps.push({
        rule,
        ruleLabel: (RULE_ORDER as Record<string, string>)[rule] ?? rule,
        reason: reason === NO_DETERMINATION ? 'No rule applies' : reason,
        determination: determinationOfReason.get(reason) ?? NO_DETERMINATION,
        count,
        entering,
      });
      entering -= count;
    }
  }
  return steps;
}

/** The policy in plain words (what the report prints under "Policy"). */
export function describePolicy(policy: Policy): string[] {
  const lines: string[] = [];
  const list = (entries: Policy['dismiss']) => entries.map((entry) => `HS ${entry.text}`).join(', ');
  if (policy.dismiss.length > 0) lines.push(`Dismiss felonies under ${list(policy.dismiss)}.`);
  if (policy.handReview.length > 0) lines.push(`Send other felonies under ${list(policy.handReview)} to hand review.`);
  if (policy.reduce.length > 0) lines.push(`Reduce felonies under ${list(policy.reduce)} when no dismissal rule applies.`);
  lines.push(policy.misdemeanors === 'cityAttorney' ? 'Misdemeanors and infractions go to the city attorney.' : 'Dismiss misdemeanors and infractions.');
  const disqualifierNames: Record<keyof Policy['disqualifiers'], string> = {
    afterEffectiveDate: 'Felonies convicted after 2016-11-09',
    superstrike: 'HS 11358-11360 felonies preceded by a superstrike conviction',
    pc290: 'HS 11358-11360 felonies preceded by a PC 290 registrable conviction',
    pc290Registration: 'HS 11358-11360 felonies preceded by a PC 290 registration',
    twoPriors: 'HS 11358-11360 felonies preceded by two convictions under the same section',
    servingSentence: 'Felonies whose sentence is still being served',
  };
  for (const [kind, handling] of Object.entries(policy.disqualifiers) as Array<[keyof Policy['disqualifiers'], string]>) {
    if (handling !== 'ignore') lines.push(`${disqualifierNames[kind]}: ${handling === 'notEligible' ? 'not eligible' : 'hand review'}.`);
  }
  const relief: string[] = [];
  if (policy.subjectUnder21AtConviction) relief.push('under 21 at conviction');
  if (policy.subjectAgeThreshold > 0) relief.push(`${policy.subjectAgeThreshold} or older`);
  if (policy.yearsSinceConvictionThreshold > 0) relief.push(`convicted ${policy.yearsSinceConvictionThreshold} or more years ago`);
  if (policy.yearsCrimeFreeThreshold > 0) relief.push(`no conviction in the past ${policy.yearsCrimeFreeThreshold} years`);
  if (policy.subjectHasOnlyProp64Charges) relief.push('only Prop 64 convictions');
  if (policy.subjectIsDeceased) relief.push('deceased');
  if (relief.length > 0) lines.push(`Also dismiss felonies of people ${relief.join('; ')}.`);
  if (policy.otherwise === 'handReview') lines.push('Anything else goes to hand review.');
  if (policy.relatedConvictions === 'handReview') lines.push('PC 32, HS 11364 and HS 11366 convictions in the case of a Prop 64 conviction go to hand review.');
  if (policy.flow !== 'standard') lines.push(`Rules tried in the order and readings of the ${policy.flow} flow.`);
  return lines;
}

/** What the report model reads of the run's summary (summary.ts `Summary` has all of it). */
export interface SummaryFacts {
  county: string;
  runId: string;
  computeAt: string;
  /** summary.json `dataAsOf`: absent in a summary of an older run. */
  dataAsOf?: string | null;
  policyName: string;
  status: 'SUCCEEDED' | 'FAILED';
  files: ReadonlyArray<{ name: string; rowsRead: number; rowsRejected: number; header: 'present' | 'absent'; notes: string[] }>;
  /** The comparison with the county's previous run, when the run made one (docs/monthly.md). */
  sinceLastRun?: SinceLastRun;
}

/** The whole model, from the merged statistics and the summary built from them. */
export function buildReportModel(stats: RunStatistics, summary: SummaryFacts, policy: Policy, settings: ReportSettings): ReportModel {
  const byDetermination = determinationCounts(stats);
  const countOf = (determination: string) => byDetermination.find((row) => row.determination === determination)?.count ?? 0;
  const relief = stats.reliefWithCurrentEligibilityChoices;
  const sectionOrder = (a: string, b: string) => {
    const ia = PROP64_SECTIONS.indexOf(a as (typeof PROP64_SECTIONS)[number]);
    const ib = PROP64_SECTIONS.indexOf(b as (typeof PROP64_SECTIONS)[number]);
    return ia - ib || a.localeCompare(b);
  };
  return {
    county: summary.county,
    runId: summary.runId,
    computeAt: summary.computeAt,
    dataAsOf: summary.dataAsOf ?? null,
    policyName: summary.policyName,
    status: summary.status,
    ...(summary.sinceLastRun === undefined ? {} : { sinceLastRun: summary.sinceLastRun }),
    generatedSample: summary.files.some((file) => file.name.replace(/^\d+-/, '').startsWith(GENERATED_SAMPLE_PREFIX)),
    policyLines: describePolicy(policy),
    headline: {
      peopleWithProp64Conviction: stats.subjectsWithProp64Conviction,
      peopleWithSomeRelief: stats.subjectsWithSomeRelief,
      peopleNoFelony: relief.CountSubjectsNoFelony,
      peopleNoConviction: relief.CountSubjectsNoConviction,
      peopleNoConvictionLast7Years: relief.CountSubjectsNoConvictionLast7Years,
      convictionsEvaluated: sum(byDetermination.map((row) => row.count)),
      felonies: stats.prop64FelonyConvictions,
      nonFelonies: stats.prop64NonFelonyConvictions,
      convictionsDismissed: countOf(DETERMINATION.dismissal),
      convictionsReduced: countOf(DETERMINATION.reduction),
      determinations: DETERMINATION_ORDER.map((determination) => ({
        determination,
        words: DETERMINATION_WORDS[determination],
        count: countOf(determination),
        share: shareText(countOf(determination), sum(byDetermination.map((row) => row.count))),
        next: NEXT_STEPS[determination],
      })),
      peopleWithSomeReliefShare: shareText(stats.subjectsWithSomeRelief, stats.subjectsWithProp64Conviction),
    },
    determinations: byDetermination.map((row) => row.determination),
    byDetermination,
    bySectionAndDetermination: nestedRows(stats.convictionsBySectionAndDetermination, (section, determination, count) => ({ section, determination, count })).sort(
      (a, b) => sectionOrder(a.section, b.section) || byDeterminationOrder(a.determination, b.determination),
    ),
    byDecadeAndDetermination: nestedRows(stats.convictionsByDecadeAndDetermination, (decade, determination, count) => ({ decade, determination, count })).sort(
      (a, b) => decadeOrder(a.decade, b.decade) || byDeterminationOrder(a.determination, b.determination),
    ),
    funnel: funnelSteps(stats),
    whatIf: whatIfRows(stats, summary.policyName),
    demographics: demographicsReport(stats, settings),
    dataQuality: {
      rowsRead: stats.rowsRead,
      rowsRejected: stats.rowsRejected,
      rowsWritten: stats.rowsWritten,
      blankLines: stats.blankLines,
      peopleWithRejectedRows: stats.peopleWithRejectedRows,
      rejectsByCode: Object.entries(stats.rejectsByCode)
        .map(([code, count]) => ({ code, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      malformedDates: Object.entries(stats.malformedDates)
        .map(([field, count]) => ({ field, count }))
        .sort((a, b) => a.field.localeCompare(b.field)),
      files: summary.files.map((file) => ({ name: file.name, rowsRead: file.rowsRead, rowsRejected: file.rowsRejected, header: file.header, notes: file.notes })),
    },
  };
}
