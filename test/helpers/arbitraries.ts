/** fast-check arbitraries and input builders shared by property tests. */
import fc from 'fast-check';
import { COL, FIELD_COUNT } from '../../lambdas/domain/columns';
import { PolicyInput } from '../../lambdas/domain/policy';
import { ReliefCounts, RunStatistics, ScenarioCounts } from '../../lambdas/domain/statistics';

const count = fc.nat({ max: 10_000 });
const label = fc.constantFrom('11357', '11358', '11359', '11360', 'A', 'B', 'Hand Review', '(none)', 'LOS ANGELES', 'YOLO', 'z');
const counts = fc.dictionary(label, count, { maxKeys: 5 });

const relief: fc.Arbitrary<ReliefCounts> = fc.record({
  CountSubjectsNoFelony: count,
  CountSubjectsNoConvictionLast7Years: count,
  CountSubjectsNoConviction: count,
});

const scenario: fc.Arbitrary<ScenarioCounts> = fc.record({
  CountSubjectsNoFelony: count,
  CountSubjectsNoConvictionLast7Years: count,
  CountSubjectsNoConviction: count,
  subjectsWithSomeRelief: count,
  convictionsDismissed: count,
  convictionsReduced: count,
});

/** Partial statistics as a split or classify task could produce them (keys in any order). */
export const runStatisticsArbitrary: fc.Arbitrary<RunStatistics> = fc.record({
  rowsRead: count,
  rowsRejected: count,
  blankLines: count,
  rejectsByCode: counts,
  rowsByCounty: counts,
  rowsWritten: count,
  people: count,
  peopleWithRejectedRows: count,
  convictions: count,
  malformedDates: counts,
  prop64ConvictionsBySection: counts,
  prop64FelonyConvictions: count,
  prop64NonFelonyConvictions: count,
  subjectsWithProp64Conviction: count,
  subjectsWithSomeRelief: count,
  convictionsByDeterminationAndReason: fc.dictionary(label, counts, { maxKeys: 4 }),
  reliefWithCurrentEligibilityChoices: relief,
  reliefWithDismissAllProp64: relief,
  scenarios: fc.dictionary(fc.constantFrom('dismissAllProp64', 'dismissAllProp64AndRelated', 'dismiss-all', 'reference-default'), scenario, { maxKeys: 3 }),
  earliestConvictionDay: fc.option(fc.integer({ min: -40_000, max: 40_000 }), { nil: null }),
});

// ---------------------------------------------------------------------------------------------------------------
// Policies and extracts


const SECTIONS = ['11357', '11358', '11359', '11360'] as const;

/** Any valid policy: disjoint dismiss/reduce lists, thresholds in range, any extension settings. */
export const policyArbitrary: fc.Arbitrary<PolicyInput> = fc
  .record({
    lists: fc.array(fc.constantFrom<'dismiss' | 'reduce' | 'none'>('dismiss', 'reduce', 'none'), { minLength: 4, maxLength: 4 }),
    subjectUnder21AtConviction: fc.boolean(),
    subjectAgeThreshold: fc.oneof(fc.constant(0), fc.integer({ min: 40, max: 65 })),
    yearsSinceConvictionThreshold: fc.integer({ min: 0, max: 15 }),
    yearsCrimeFreeThreshold: fc.integer({ min: 0, max: 15 }),
    subjectHasOnlyProp64Charges: fc.boolean(),
    subjectIsDeceased: fc.boolean(),
    disqualifiers: fc.record({
      superstrike: fc.constantFrom('ignore', 'notEligible', 'handReview'),
      pc290: fc.constantFrom('ignore', 'notEligible', 'handReview'),
      pc290Registration: fc.constantFrom('ignore', 'notEligible', 'handReview'),
      twoPriors: fc.constantFrom('ignore', 'notEligible', 'handReview'),
      afterEffectiveDate: fc.constantFrom('ignore', 'notEligible', 'handReview'),
      servingSentence: fc.constantFrom('ignore', 'notEligible', 'handReview'),
    }),
    misdemeanors: fc.constantFrom('dismiss', 'cityAttorney'),
    otherwise: fc.constantFrom('none', 'handReview'),
    relatedConvictions: fc.constantFrom('ignore', 'handReview'),
    flow: fc.constantFrom('standard', 'standard', 'los-angeles-2020'),
  })
  .map(({ lists, disqualifiers, misdemeanors, otherwise, relatedConvictions, flow, ...relief }) => ({
    baselineEligibility: {
      dismiss: SECTIONS.filter((_, i) => lists[i] === 'dismiss'),
      reduce: SECTIONS.filter((_, i) => lists[i] === 'reduce'),
    },
    additionalRelief: relief,
    disqualifiers: disqualifiers as PolicyInput['disqualifiers'],
    misdemeanors: misdemeanors as PolicyInput['misdemeanors'],
    otherwise: otherwise as PolicyInput['otherwise'],
    relatedConvictions: relatedConvictions as PolicyInput['relatedConvictions'],
    flow: flow as PolicyInput['flow'],
  }));

/** A compute-at date, YYYY-MM-DD, 2000-2030 (29 February included). */
export const computeAtArbitrary: fc.Arbitrary<string> = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString().slice(0, 10));

const OFFENSES = [
  '11357 HS-POSSESS', '11357(A) HS-POSSESS', '11357(B) HS-POSS', '11357(C)HS-POSSESS', '11358 HS-CULTIVATE', '11358(C) HS-6+ PLANTS',
  '11359 HS-POSSESS FOR SALE', '11359HS-INTENT SELL', '11360(A) HS-TRANSPORT', '11360 HS-SELL',
  '187 PC-MURDER', '1187 PC-NOT MURDER', '288(A) PC-LEWD', '261(A)(2) PC-RAPE', '314(1) PC-EXPOSURE', '220 PC-ASSAULT',
  '187(A) PC-MURDER', '664/187(A) PC-ATTEMPTED MURDER', '664/261 PC-ATTEMPTED RAPE', '32 PC-ACCESSORY', '11364 HS-PARAPHERNALIA',
  '459 PC-BURGLARY', '647(F) PC-DRUNK', '23152(A) VC-DUI', '290 PC-REGISTRATION', 'SEE COMMENT FOR CHARGE', '',
];
const COMMENTS = ['', '', '', '11359 HS-POSSESS FOR SALE', '11357(C) HS-OVER 1 OZ', '11358 HS-CULTIVATE', 'AMENDED COMPLAINT', 'LINE\nBREAK, "QUOTED"'];
const STEP_TYPES = ['ARREST/DETAINED/CITED', 'COURT ACTION', 'COURT ACTION', 'COURT ACTION', 'REGISTRATION', 'DECEASED'];
const DISPOSITIONS = ['CONVICTED', 'CONVICTED-JAIL', 'CONVICTED-PROBATION', 'DISMISSED', ''];
const COUNTIES = ['SACRAMENTO', 'SACRAMENTO', 'YOLO'];
const DATES = fc.oneof(
  { weight: 9, arbitrary: fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2025-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10).replace(/-/g, '')) },
  { weight: 1, arbitrary: fc.constantFrom('19790000', '20100230', '', '2010011', '1/2/2003') },
);

/** One row's varying columns; the person columns (PRI_DOB) come from its subject. */
export interface ArbitraryRow {
  subject: number;
  stepType: string;
  disposition: string;
  offense: string;
  comment: string;
  date: string;
  county: string;
  status: string;
  toc: string;
  countOrder: string;
  ofn: string;
  /** SENT_LENGTH and SENT_TIME_CODE. */
  sentence?: readonly [string, string];
}

export const rowArbitrary: fc.Arbitrary<ArbitraryRow> = fc.record({
  subject: fc.integer({ min: 1, max: 4 }),
  stepType: fc.constantFrom(...STEP_TYPES),
  disposition: fc.constantFrom(...DISPOSITIONS),
  offense: fc.constantFrom(...OFFENSES),
  comment: fc.constantFrom(...COMMENTS),
  date: DATES,
  county: fc.constantFrom(...COUNTIES),
  status: fc.constantFrom('FELONY', 'FELONY', 'MISDEMEANOR', ''),
  toc: fc.constantFrom('F', 'M', 'I'),
  // few distinct values, so that counts repeat (sentence parts) and case numbers are shared; short ones included
  countOrder: fc.constantFrom('101001001000', '101001002000', '101002001000', '102001001000', '103001001000', '1010', ''),
  ofn: fc.constantFrom('', 'BA123', 'F999', 'BA123'),
  sentence: fc.constantFrom<readonly [string, string]>(['', ''], ['', ''], ['3', 'Y'], ['30', 'D'], ['18', 'M'], ['2.5', 'M'], ['40', 'Y']),
});

/** Birth dates per subject (a person's birth date repeats on each of their rows). */
export const birthDatesArbitrary = fc.array(DATES, { minLength: 5, maxLength: 5 });

/** The 95 fields of arbitrary rows, RECORD_ID `R<index>` so every row can be found in the outputs. */
export function fieldsOf(rows: readonly ArbitraryRow[], birthDates: readonly string[]): string[][] {
  return rows.map((row, index) => {
    const fields = new Array<string>(FIELD_COUNT).fill('');
    fields[COL.RECORD_ID] = `R${index}`;
    fields[COL.SUBJECT_ID] = String(row.subject);
    fields[COL.PRI_DOB] = birthDates[row.subject];
    fields[COL.STP_TYPE_DESCR] = row.stepType;
    fields[COL.DISP_DESCR] = row.disposition;
    fields[COL.OFFENSE_DESCR] = row.offense;
    fields[COL.COMMENT_TEXT] = row.comment;
    fields[COL.STP_EVENT_DATE] = row.date;
    fields[COL.STP_ORI_CNTY_NAME] = row.county;
    fields[COL.CONV_STAT_DESCR] = row.status;
    fields[COL.OFFENSE_TOC] = row.toc;
    fields[COL.CNT_ORDER] = row.countOrder;
    fields[COL.OFN] = row.ofn;
    fields[COL.SENT_LENGTH] = row.sentence?.[0] ?? '';
    fields[COL.SENT_TIME_CODE] = row.sentence?.[1] ?? '';
    return fields;
  });
}

/** Columns that make a conviction what it is (doj-research-file.md "What a row means"). */
const CONVICTION_COLUMNS = [COL.STP_EVENT_DATE, COL.STP_ORI_CNTY_NAME, COL.OFFENSE_DESCR, COL.OFFENSE_TOC, COL.COMMENT_TEXT, COL.CONV_STAT_DESCR];

/**
 * Gives every later convicting row of a count (same SUBJECT_ID and CNT_ORDER) the conviction columns of the
 * first one, as in real extracts, where they are sentence parts of one conviction. Otherwise "the first
 * convicting row" would depend on row order by definition. Returns how many rows it changed.
 */
export function makeConvictionsConsistent(rows: string[][]): number {
  const first = new Map<string, string[]>();
  let changed = 0;
  for (const row of rows) {
    if (!row[COL.DISP_DESCR].startsWith('CONVICTED')) continue;
    const key = `${row[COL.SUBJECT_ID]}\u0000${row[COL.CNT_ORDER]}`;
    const conviction = first.get(key);
    if (conviction === undefined) {
      first.set(key, row);
      continue;
    }
    for (const column of CONVICTION_COLUMNS) {
      if (row[column] !== conviction[column]) {
        row[column] = conviction[column];
        changed++;
      }
    }
  }
  return changed;
}
