/**
 * PartitionClassifier: the 18 appended columns of every row (eligibility.md "The 18 columns"), row order,
 * and the partition's statistics.
 */
import { DETERMINATION } from '../../lambdas/domain/decision';
import { SCENARIO_DISMISS_ALL, SCENARIO_DISMISS_ALL_AND_RELATED } from '../../lambdas/domain/people-classifier';
import { ELIGIBILITY_COLUMNS, FIELD_COUNT } from '../../lambdas/domain/columns';
import { dayFromCivil, parseIsoDate } from '../../lambdas/domain/dates';
import { parsePolicy, PolicyInput, presetPolicy, PRESETS } from '../../lambdas/domain/policy';
import { RunStatistics } from '../../lambdas/domain/statistics';
import { parseCsvText } from '../helpers/csv-compare';
import { classifyInMemory, InMemoryRow } from '../helpers/classify-rows';
import { convictionRow, dojFields, RowValues, stepRow } from '../helpers/doj-rows';
import { fixturePolicy } from '../helpers/run-fixture';

const COUNTY = 'SACRAMENTO';
const COMPUTE_AT = '2019-11-11';

type Annotation = Record<(typeof ELIGIBILITY_COLUMNS)[number], string>;

interface Classified {
  rows: InMemoryRow[];
  /** The 113 fields of each All_Results line. */
  full: string[][];
  annotations: Annotation[];
  statistics: RunStatistics;
}

function classify(
  rows: readonly RowValues[],
  options: { policy?: PolicyInput; computeAt?: string; rejected?: string[]; scenarioPresets?: string[] } = {},
): Classified {
  const scenarioPolicies: Record<string, ReturnType<typeof presetPolicy>> = {};
  for (const name of options.scenarioPresets ?? []) scenarioPolicies[name] = presetPolicy(name);
  const result = classifyInMemory(
    rows.map((row) => dojFields(row)),
    {
      county: COUNTY,
      computeAtDay: parseIsoDate(options.computeAt ?? COMPUTE_AT),
      policy: parsePolicy(options.policy ?? fixturePolicy()),
      scenarioPolicies,
    },
    options.rejected,
  );
  const full = result.rows.map((row) => parseCsvText(`${row.full}\n`)[0]);
  const annotations = full.map((fields) => Object.fromEntries(ELIGIBILITY_COLUMNS.map((name, i) => [name, fields[FIELD_COUNT + i]])) as Annotation);
  return { rows: result.rows, full, annotations, statistics: result.statistics };
}

const A = '2001';
const B = '2002';

describe('the appended columns of an evaluated conviction', () => {
  // Person A: a Sacramento 11359 felony (evaluated), an LA 11357 misdemeanor (not evaluated: other county), a superstrike,
  // a PC 290 offense twice, a sentence part of the 11359 count, court OFNs, a 290 registration and a death.
  const rows: RowValues[] = [
    stepRow(A, 'ARREST/DETAINED/CITED', { CNT_ORDER: '101001001000', OFN: 'ARREST-OFN', OFFENSE_DESCR: '11359 HS-POSSESS FOR SALE' }),
    convictionRow({ subjectId: A, offense: '11359 HS-POSSESS FOR SALE', date: '20100315', countOrder: '101002001000', ofn: 'CASE1', dob: '19800101' }),
    stepRow(A, 'COURT ACTION', { CNT_ORDER: '101002002000', OFN: 'CASE2', OFFENSE_DESCR: '459 PC', DISP_DESCR: 'DISMISSED' }),
    stepRow(A, 'COURT ACTION', { CNT_ORDER: '101002003000', OFN: 'CASE1', OFFENSE_DESCR: '459 PC', DISP_DESCR: 'DISMISSED' }),
    convictionRow({ subjectId: A, offense: '11357 HS-POSSESS', date: '20170101', countOrder: '102001001000', felony: false, county: 'LOS ANGELES' }),
    convictionRow({ subjectId: A, offense: '187 PC-MURDER', date: '19990101', countOrder: '103001001000', county: 'LOS ANGELES' }),
    convictionRow({ subjectId: A, offense: '288(A) PC-LEWD', date: '19980101', countOrder: '104001001000' }),
    convictionRow({ subjectId: A, offense: '288(A) PC-LEWD', date: '19980101', countOrder: '104001002000' }),
    // a later convicting row of the 11359 count: a sentence part, not a conviction
    convictionRow({ subjectId: A, offense: '11359 HS-POSSESS FOR SALE', date: '20100315', countOrder: '101002001000', extra: { SENT_LENGTH: '30', SENT_TIME_CODE: 'D' } }),
    stepRow(A, 'REGISTRATION', { CNT_ORDER: '105001001000', OFFENSE_DESCR: '290 PC-REGISTRATION OF SEX OFF' }),
    stepRow(A, 'DECEASED', { CNT_ORDER: '106001001000' }),
  ];
  const result = classify(rows);
  const evaluated = result.annotations[1];

  test('only the Sacramento Prop 64 conviction is evaluated', () => {
    expect(result.rows.map((row) => row.evaluated)).toEqual([false, true, false, false, false, false, false, false, false, false, false]);
  });

  test('all 18 columns', () => {
    expect(evaluated).toEqual<Annotation>({
      'Case Number': 'CASE1; CASE2',
      '# of convictions on record': '5',
      'Possible Other P64 Charges': '',
      'Occurred after 11/9/2016': 'N',
      'Superstrike Code Section(s)': '187 PC;288(A) PC;288(A) PC',
      'PC290 Code Section(s)': '288(A) PC;288(A) PC',
      'PC290 Registration': 'Yes',
      'Date of Conviction': '03/15/2010',
      'Years Since This Conviction': ((parseIsoDate(COMPUTE_AT) - dayFromCivil(2010, 3, 15)) / 365.25).toFixed(1),
      // the latest conviction is the LA one of 2017-01-01
      'Years Since Any Conviction': ((parseIsoDate(COMPUTE_AT) - dayFromCivil(2017, 1, 1)) / 365.25).toFixed(1),
      '# of Prop 64 convictions': '2',
      '# of HS 11357 convictions': '1',
      '# of HS 11358 convictions': '0',
      '# of HS 11359 convictions': '1',
      '# of HS 11360 convictions': '0',
      Deceased: 'Deceased',
      'Eligibility Determination': DETERMINATION.dismissal,
      'Eligibility Reason': 'Individual is deceased',
    });
  });

  test('rows that are not evaluated keep the columns empty except Possible Other P64 Charges', () => {
    for (const [index, annotation] of result.annotations.entries()) {
      if (index === 1) continue;
      expect(Object.values(annotation).filter((value) => value !== '')).toEqual([]);
    }
  });

  test('every row gets exactly 18 columns', () => {
    for (const fields of result.full) expect(fields).toHaveLength(FIELD_COUNT + ELIGIBILITY_COLUMNS.length);
  });

  test('statistics of the partition', () => {
    const stats = result.statistics;
    expect(stats).toMatchObject({
      people: 1,
      convictions: 5,
      rowsWritten: rows.length,
      subjectsWithProp64Conviction: 1,
      subjectsWithSomeRelief: 1,
      prop64ConvictionsBySection: { '11359': 1 },
      prop64FelonyConvictions: 1,
      prop64NonFelonyConvictions: 0,
      convictionsByDeterminationAndReason: { [DETERMINATION.dismissal]: { 'Individual is deceased': 1 } },
      earliestConvictionDay: dayFromCivil(2010, 3, 15),
    });
  });
});

describe('single columns', () => {
  test('Case Number: OFNs of the COURT ACTION rows of the conviction\'s cycle+step, first seen, no duplicates, "; "', () => {
    const rows = [
      stepRow(A, 'COURT ACTION', { CNT_ORDER: '201003009000', OFN: 'LATER-STEP' }),
      stepRow(A, 'COURT ACTION', { CNT_ORDER: '201002005000', OFN: 'Z9' }),
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', countOrder: '201002001000', ofn: 'A1' }),
      stepRow(A, 'COURT ACTION', { CNT_ORDER: '201002007000', OFN: 'Z9' }),
      stepRow(A, 'COURT ACTION', { CNT_ORDER: '201002008000', OFN: '' }),
      stepRow(A, 'ARREST/DETAINED/CITED', { CNT_ORDER: '201002009000', OFN: 'NOT-COURT' }),
    ];
    expect(classify(rows).annotations[2]['Case Number']).toBe('Z9; A1');
  });

  test('Occurred after 11/9/2016: strictly after', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20161109', countOrder: '101001001000' }),
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20161110', countOrder: '102001001000' }),
    ];
    expect(classify(rows).annotations.map((a) => a['Occurred after 11/9/2016'])).toEqual(['N', 'Y']);
  });

  test('sections are kept exactly as extracted, untrimmed, in input order of the convictions, "-" when none', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', countOrder: '101001001000' }),
      convictionRow({ subjectId: A, offense: '', date: '19900101', countOrder: '102001001000', extra: { COMMENT_TEXT: ' 261(A)(2) PC -RAPE' } }),
      convictionRow({ subjectId: A, offense: '220 PC-ASSAULT', date: '19800101', countOrder: '103001001000' }),
      convictionRow({ subjectId: B, offense: '11358 HS', date: '20100101', countOrder: '101001001000' }),
    ];
    const { annotations } = classify(rows);
    expect(annotations[0]['Superstrike Code Section(s)']).toBe(' 261(A)(2) PC ;220 PC');
    expect(annotations[0]['PC290 Code Section(s)']).toBe(' 261(A)(2) PC ');
    expect(annotations[3]['Superstrike Code Section(s)']).toBe('-');
    expect(annotations[3]['PC290 Code Section(s)']).toBe('-');
  });

  test('PC 290 registration needs a REGISTRATION step whose OFFENSE_DESCR starts with 290', () => {
    const conviction = convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101' });
    const registration = (offense: string) => stepRow(A, 'REGISTRATION', { CNT_ORDER: '109001001000', OFFENSE_DESCR: offense });
    expect(classify([conviction, registration('290 PC-REGISTRATION OF SEX OFFENDER')]).annotations[0]['PC290 Registration']).toBe('Yes');
    expect(classify([conviction, registration('11590 HS-REGISTRATION OF NARCOTIC OFFENDER')]).annotations[0]['PC290 Registration']).toBe('-');
    expect(classify([conviction, stepRow(A, 'COURT ACTION', { CNT_ORDER: '109001001000', OFFENSE_DESCR: '290 PC' })]).annotations[0]['PC290 Registration']).toBe('-');
  });

  test('section counts use the leftmost Prop 64 section, over all counties, convictions only', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11360 AND 11357 HS', date: '20100101', countOrder: '101001001000' }),
      convictionRow({ subjectId: A, offense: '11357(A) HS', date: '20100101', countOrder: '102001001000', county: 'YOLO', felony: false }),
      stepRow(A, 'ARREST/DETAINED/CITED', { CNT_ORDER: '103001001000', OFFENSE_DESCR: '11358 HS' }),
      convictionRow({ subjectId: A, offense: '11359 HS', date: '20100101', countOrder: '104001001000', extra: { DISP_DESCR: 'DISMISSED' } }),
    ];
    const annotation = classify(rows).annotations[0];
    expect([annotation['# of Prop 64 convictions'], annotation['# of HS 11357 convictions'], annotation['# of HS 11358 convictions'],
      annotation['# of HS 11359 convictions'], annotation['# of HS 11360 convictions'], annotation['# of convictions on record']]).toEqual(['2', '1', '0', '0', '1', '2']);
  });

  test('years are negative for convictions after compute-at', () => {
    const annotation = classify([convictionRow({ subjectId: A, offense: '11358 HS', date: '20211111' })]).annotations[0];
    expect(annotation['Years Since This Conviction']).toBe('-2.0');
    expect(annotation['Years Since Any Conviction']).toBe('-2.0');
  });

  test('a malformed conviction date: empty date columns, Hand Review naming the field', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20100000', countOrder: '101001001000' }),
      convictionRow({ subjectId: A, offense: '459 PC', date: '20000101', countOrder: '102001001000' }),
    ];
    const annotation = classify(rows).annotations[0];
    expect(annotation).toMatchObject({
      'Occurred after 11/9/2016': '',
      'Date of Conviction': '',
      'Years Since This Conviction': '',
      'Years Since Any Conviction': ((parseIsoDate(COMPUTE_AT) - dayFromCivil(2000, 1, 1)) / 365.25).toFixed(1),
      'Eligibility Determination': DETERMINATION.handReview,
      'Eligibility Reason': 'Malformed date in STP_EVENT_DATE',
    });
  });

  test('Possible Other P64 Charges is filled on rows that are not evaluated too', () => {
    const rows = [stepRow(A, 'ARREST/DETAINED/CITED', { OFFENSE_DESCR: '459 PC-BURGLARY', COMMENT_TEXT: '11359 HS-POSSESS, FOR SALE' })];
    const { annotations, rows: out } = classify(rows);
    expect(out[0].evaluated).toBe(false);
    expect(annotations[0]['Possible Other P64 Charges']).toBe('11359 HS-POSSESS, FOR SALE');
  });

  test('the section is read from COMMENT_TEXT when OFFENSE_DESCR says SEE COMMENT FOR CHARGE', () => {
    const rows = [convictionRow({ subjectId: A, offense: 'SEE COMMENT FOR CHARGE', date: '20100101', extra: { COMMENT_TEXT: '11358 HS-CULTIVATE' } })];
    const { annotations, rows: out } = classify(rows);
    expect(out[0].evaluated).toBe(true);
    expect(annotations[0]['# of HS 11358 convictions']).toBe('1');
    expect(annotations[0]['Possible Other P64 Charges']).toBe('');
  });
});

describe('robustness', () => {
  test.each(['1', '10', '101', '10100', '101001'])('a short CNT_ORDER (%j) never crashes: the available prefix is used', (countOrder) => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', countOrder, ofn: 'CASE' }),
      stepRow(A, 'COURT ACTION', { CNT_ORDER: countOrder, OFN: 'OTHER' }),
    ];
    const { annotations, rows: out } = classify(rows);
    expect(out[0].evaluated).toBe(true);
    expect(annotations[0]['Case Number']).toBe('CASE; OTHER');
    expect(annotations[0]['Eligibility Determination']).toBe(DETERMINATION.dismissal);
  });

  test('a blank CNT_ORDER never crashes: the count cannot be identified, so the conviction goes to Hand Review', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', countOrder: '', ofn: 'CASE' }),
      stepRow(A, 'COURT ACTION', { CNT_ORDER: '', OFN: 'OTHER' }),
    ];
    const { annotations, rows: out } = classify(rows);
    expect(out[0].evaluated).toBe(true);
    expect(annotations[0]['Case Number']).toBe('CASE; OTHER');
    expect(annotations[0]['Eligibility Determination']).toBe(DETERMINATION.handReview);
    expect(annotations[0]['Eligibility Reason']).toBe('Missing CNT_ORDER: the count cannot be identified');
  });

  test('a rejected row of a person sends the evaluated convictions to Hand Review and is counted', () => {
    const rows = [convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101' }), convictionRow({ subjectId: B, offense: '11358 HS', date: '20100101' })];
    const { annotations, statistics } = classify(rows, { rejected: [A, A, 'nobody-else'] });
    expect(annotations[0]['Eligibility Determination']).toBe(DETERMINATION.handReview);
    expect(annotations[0]['Eligibility Reason']).toBe('Incomplete record: 2 rejected rows');
    expect(annotations[1]['Eligibility Reason']).toBe('Dismiss all HS 11358 convictions');
    expect(statistics.peopleWithRejectedRows).toBe(2);
    expect(statistics.people).toBe(3);
  });
});

describe('statistics', () => {
  test('person-level relief counts and scenarios (7-year window from compute-at)', () => {
    const computeAt = '2020-07-01';
    const rows = [
      // A: one 11359 felony, reduced; plus a 459 PC felony in 2015 (within 7 years), not relieved
      convictionRow({ subjectId: A, offense: '11359 HS', date: '20100101', countOrder: '101001001000', dob: '19800101' }),
      convictionRow({ subjectId: A, offense: '459 PC', date: '20150101', countOrder: '102001001000' }),
      // B: one 11358 felony dismissed (dismiss list), within 7 years: all recent convictions dismissed
      convictionRow({ subjectId: B, offense: '11358 HS', date: '20140101', countOrder: '101001001000' }),
      // B: a conviction exactly 7 years before compute-at is outside the window (strictly after compute-at minus 7 years)
      convictionRow({ subjectId: B, offense: '11357 HS', date: '20130701', countOrder: '102001001000', felony: false }),
    ];
    const { statistics } = classify(rows, { computeAt, policy: { baselineEligibility: { dismiss: ['11358'], reduce: ['11359'] } } });
    expect(statistics.reliefWithCurrentEligibilityChoices).toEqual({ CountSubjectsNoFelony: 1, CountSubjectsNoConviction: 1, CountSubjectsNoConvictionLast7Years: 1 });
    expect(statistics.reliefWithDismissAllProp64).toEqual({ CountSubjectsNoFelony: 1, CountSubjectsNoConviction: 1, CountSubjectsNoConvictionLast7Years: 1 });
    expect(statistics.scenarios[SCENARIO_DISMISS_ALL]).toEqual({
      CountSubjectsNoFelony: 1,
      CountSubjectsNoConviction: 1,
      CountSubjectsNoConvictionLast7Years: 1,
      subjectsWithSomeRelief: 2,
      convictionsDismissed: 3,
      convictionsReduced: 0,
    });
    // related charges: 459 PC is not one, so nothing changes
    expect(statistics.scenarios[SCENARIO_DISMISS_ALL_AND_RELATED]).toEqual(statistics.scenarios[SCENARIO_DISMISS_ALL]);
    expect(statistics.prop64ConvictionsBySection).toEqual({ '11357': 1, '11358': 1, '11359': 1 });
    expect(statistics.prop64FelonyConvictions).toBe(2);
    expect(statistics.prop64NonFelonyConvictions).toBe(1);
    expect(statistics.subjectsWithSomeRelief).toBe(2);
  });

  test('the 7-year window moves with compute-at, not the wall clock', () => {
    const rows = [convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', countOrder: '101001001000' })];
    const policy = { baselineEligibility: { dismiss: ['11358'] } };
    expect(classify(rows, { computeAt: '2016-12-31', policy }).statistics.reliefWithCurrentEligibilityChoices.CountSubjectsNoConvictionLast7Years).toBe(1);
    expect(classify(rows, { computeAt: '2017-01-01', policy }).statistics.reliefWithCurrentEligibilityChoices.CountSubjectsNoConvictionLast7Years).toBe(0);
  });

  test('related charges scenario dismisses 647(F) PC and friends in the county, case-insensitively', () => {
    const rows = [
      convictionRow({ subjectId: A, offense: '11359 HS', date: '20100101', countOrder: '101001001000' }),
      convictionRow({ subjectId: A, offense: '647(f) pc-DRUNK', date: '20150101', countOrder: '102001001000', felony: false }),
    ];
    const { statistics } = classify(rows, { policy: {} });
    expect(statistics.scenarios[SCENARIO_DISMISS_ALL].CountSubjectsNoConviction).toBe(0);
    expect(statistics.scenarios[SCENARIO_DISMISS_ALL_AND_RELATED].CountSubjectsNoConviction).toBe(1);
    expect(statistics.scenarios[SCENARIO_DISMISS_ALL_AND_RELATED].convictionsDismissed).toBe(2);
    // in another county it is not
    rows[1] = { ...rows[1], STP_ORI_CNTY_NAME: 'YOLO' };
    expect(classify(rows, { policy: {} }).statistics.scenarios[SCENARIO_DISMISS_ALL_AND_RELATED].CountSubjectsNoConviction).toBe(0);
  });

  test('preset scenarios are evaluated side by side', () => {
    const rows = [convictionRow({ subjectId: A, offense: '11360 HS', date: '20150101' })];
    const { statistics, annotations } = classify(rows, { policy: {}, scenarioPresets: ['dismiss-all'] });
    expect(annotations[0]['Eligibility Determination']).toBe('');
    expect(statistics.scenarios['dismiss-all']).toMatchObject({ convictionsDismissed: 1, subjectsWithSomeRelief: 1, CountSubjectsNoConviction: 1 });
  });

  test('earliest conviction is null when the county has no Prop 64 conviction', () => {
    const rows = [convictionRow({ subjectId: A, offense: '11358 HS', date: '20100101', county: 'YOLO' })];
    expect(classify(rows).statistics.earliestConvictionDay).toBeNull();
  });
});

describe('related convictions (PC 32, HS 11364, HS 11366 in the cycle of a Prop 64 conviction)', () => {
  const C = '2003';
  const rows: RowValues[] = [
    convictionRow({ subjectId: C, offense: '11358 HS-CULTIVATE MARIJUANA', date: '20100315', countOrder: '101001001000' }),
    // the same cycle (101): an accessory count and a paraphernalia count
    convictionRow({ subjectId: C, offense: '32 PC-ACCESSORY', date: '20100315', countOrder: '101001002000' }),
    convictionRow({ subjectId: C, offense: '11364 HS-POSSESS PARAPHERNALIA', date: '20100315', countOrder: '101002001000', felony: false }),
    // another cycle: not related
    convictionRow({ subjectId: C, offense: '11366 HS-MAINTAIN PLACE', date: '20120101', countOrder: '102001001000' }),
    // the same cycle, another section: not related
    convictionRow({ subjectId: C, offense: '459 PC-BURGLARY', date: '20100315', countOrder: '101001003000' }),
  ];
  const reason = 'Possible Prop 64-related conviction in the same case';

  test('with handReview, they are evaluated and go to hand review with the reason; the Prop 64 conviction is decided as before', () => {
    const policy: PolicyInput = { baselineEligibility: { dismiss: ['11358'] }, relatedConvictions: 'handReview' };
    const result = classify(rows, { policy });
    expect(result.rows.map((row) => row.evaluated)).toEqual([true, true, true, false, false]);
    expect(result.annotations.map((a) => [a['Eligibility Determination'], a['Eligibility Reason']])).toEqual([
      [DETERMINATION.dismissal, 'Dismiss all HS 11358 convictions'],
      [DETERMINATION.handReview, reason],
      [DETERMINATION.handReview, reason],
      ['', ''],
      ['', ''],
    ]);
    // not Prop 64 convictions: counted by determination and reason, not in the Prop 64 counts
    expect(result.statistics.prop64ConvictionsBySection).toEqual({ '11358': 1 });
    expect(result.statistics.convictionsByDeterminationAndReason[DETERMINATION.handReview]).toEqual({ [reason]: 2 });
    expect(result.statistics.convictionsByRuleAndReason!.relatedConviction).toEqual({ [reason]: 2 });
    expect(result.statistics.scenarios[SCENARIO_DISMISS_ALL].convictionsDismissed).toBe(1);
  });

  test('with ignore (the default), nothing changes', () => {
    const result = classify(rows, { policy: { baselineEligibility: { dismiss: ['11358'] } } });
    expect(result.rows.map((row) => row.evaluated)).toEqual([true, false, false, false, false]);
  });

  test('statute-conservative sends them to hand review', () => {
    const result = classify(rows, { policy: PRESETS['statute-conservative'] });
    expect(result.annotations[1]['Eligibility Determination']).toBe(DETERMINATION.handReview);
    expect(result.annotations[0]['Eligibility Reason']).toBe('Reduce all HS 11358 convictions');
  });
});

describe('corrected matching in the columns', () => {
  test('murder with a subdivision and an attempt appear in Superstrike Code Section(s); attempted rape in both lists', () => {
    const D = '2004';
    const rows: RowValues[] = [
      convictionRow({ subjectId: D, offense: '187(A) PC-MURDER', date: '19900101', countOrder: '101001001000' }),
      convictionRow({ subjectId: D, offense: '664/187(A) PC-ATTEMPTED MURDER', date: '19910101', countOrder: '102001001000' }),
      convictionRow({ subjectId: D, offense: '664/261 PC-ATTEMPTED RAPE', date: '19920101', countOrder: '103001001000' }),
      convictionRow({ subjectId: D, offense: '11359 HS-POSSESS FOR SALE', date: '20050101', countOrder: '104001001000' }),
    ];
    const result = classify(rows, { policy: { disqualifiers: { superstrike: 'notEligible' } } });
    expect(result.annotations[3]['Superstrike Code Section(s)']).toBe('187(A) PC;664/187(A) PC;664/261 PC');
    expect(result.annotations[3]['PC290 Code Section(s)']).toBe('664/261 PC');
    expect(result.annotations[3]['Eligibility Reason']).toBe('Prior superstrike: 187(A) PC on 1990-01-01');
  });
});
