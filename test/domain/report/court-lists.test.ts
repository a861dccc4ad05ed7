/**
 * The H&S 11361.9 lists (court motion, defender notice, city attorney referral, undecided): line contents for
 * hand-made people, the wording before and after the challenge deadline, every evaluated conviction on exactly
 * one list (a property), the work-area format, the merge by position, and whole runs cut into many partitions or one.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import fc from 'fast-check';
import { COL } from '../../../lambdas/domain/columns';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { PartitionClassifier } from '../../../lambdas/domain/people-classifier';
import { parsePolicy, PolicyInput, presetPolicy } from '../../../lambdas/domain/policy';
import {
  COURT_LIST_KINDS, COURT_MOTION_COLUMNS, CourtListEntry, CourtLists, DEFENDER_NOTICE_COLUMNS, entryPieces, mergeByPosition, NOTICE_WORDING,
  readEntries, REVIEW_LIST_COLUMNS, SENTENCE_WORDING, STATUTORY_BASIS,
} from '../../../lambdas/domain/report/court-lists';
import { convictionId } from '../../../lambdas/domain/review/conviction-id';
import { birthDatesArbitrary, computeAtArbitrary, fieldsOf, makeConvictionsConsistent, policyArbitrary, rowArbitrary } from '../../helpers/arbitraries';
import { parseCsvText } from '../../helpers/csv-compare';
import { convictionRow, dojFields, RowValues } from '../../helpers/doj-rows';
import { extractText, generatedRows, runReport } from './report-fixture';

const COUNTY = 'SACRAMENTO';

function row(values: Partial<Parameters<typeof convictionRow>[0]> & { offense: string; date: string }): RowValues {
  return convictionRow({
    subjectId: 'S1',
    ...values,
    extra: { CII_NUMBER: 'A1234567', PRI_NAME: 'DOE,JANE "JJ"', PRI_DOB: '19800229', ...values.extra },
  });
}

describe('the lines of one person', () => {
  const rows = [
    row({ offense: '187 PC-MURDER', date: '19900101', countOrder: '100001001000', ofn: 'X1' }),
    // case 101001, before the superstrike: two counts, one dismissed, one reduced; two OFNs
    row({ offense: '11357 HS-POSSESS', date: '19890505', countOrder: '101001001000', ofn: 'CASE-7' }),
    row({ offense: '11359 HS-POSSESS FOR SALE', date: '19890505', countOrder: '101001002000', ofn: 'CASE-7B' }),
    // case 102001: after a superstrike, a felony 11360 is not eligible
    row({ offense: '11360 HS-TRANSPORT', date: '20010101', countOrder: '102001001000', ofn: 'CASE-9' }),
    // another county: not evaluated, in no list
    row({ offense: '11357 HS', date: '20020101', countOrder: '103001001000', ofn: 'CASE-10', county: 'KERN' }),
    // malformed date: hand review
    row({ offense: '11358 HS', date: '20030000', countOrder: '104001001000', ofn: 'CASE-11' }),
  ];
  const policy = parsePolicy({ baselineEligibility: { dismiss: ['11357'], reduce: ['11359', '11360'] }, disqualifiers: { superstrike: 'notEligible' } });
  const classifier = new PartitionClassifier({ county: COUNTY, computeAtDay: parseIsoDate('2020-07-01'), policy });
  rows.forEach((values, index) => classifier.addRow(dojFields(values), index * 10));
  classifier.decide();
  const lists = classifier.courtLists();

  test('a motion line per case with the convictions to dismiss and reduce, the relief and its basis', () => {
    expect(lists.motions).toHaveLength(1);
    expect(lists.motions[0].position).toBe(10);
    const [fields] = parseCsvText(lists.motions[0].line);
    expect(Object.fromEntries(COURT_MOTION_COLUMNS.map((column, i) => [column, fields[i]]))).toEqual({
      'Case Number': 'CASE-7; CASE-7B',
      'CII Number': 'A1234567',
      Name: 'DOE,JANE "JJ"',
      'Date of Birth': '02/29/1980',
      County: COUNTY,
      'Date of Conviction': '05/05/1989',
      'Convictions to Dismiss': '11357 HS (05/05/1989)',
      'Convictions to Reduce': '11359 HS (05/05/1989)',
      Relief: 'Dismiss and seal; Redesignate as misdemeanor',
      'Statutory Basis': STATUTORY_BASIS,
      Sentence: `11357 HS (05/05/1989): ${SENTENCE_WORDING.completed}; 11359 HS (05/05/1989): ${SENTENCE_WORDING.completed}`,
      Missing: '',
      'Conviction IDs': `${idOf('101001001000', '11357 HS', '1989-05-05')}; ${idOf('101001002000', '11359 HS', '1989-05-05')}`,
    });
    expect(STATUTORY_BASIS).toBe('H&S 11361.9 (AB 1793); relief under H&S 11361.8');
  });

  test('a notice line per conviction not eligible or in hand review, with its reason', () => {
    expect(lists.notices.map((entry) => entry.position)).toEqual([30, 50]);
    const notices = lists.notices.map((entry) => parseCsvText(entry.line)[0]);
    expect(notices.map((fields) => fields.length)).toEqual([DEFENDER_NOTICE_COLUMNS.length, DEFENDER_NOTICE_COLUMNS.length]);
    expect(notices[0]).toEqual([
      'CASE-9', 'A1234567', 'DOE,JANE "JJ"', '02/29/1980', COUNTY, '01/01/2001', '11360 HS', 'Not eligible', 'Prior superstrike: 187 PC on 1990-01-01',
    // A line a clerk cannot file as it is says what it lacks, in a column of its own.
      'Challenged by the prosecution (H&S 11361.9)', '', idOf('102001001000', '11360 HS', '2001-01-01'),
    ]);
    expect(notices[1].slice(5)).toEqual([
      '', '11358 HS', 'Hand Review', 'Malformed date in STP_EVENT_DATE', 'Pending prosecution review (H&S 11361.9)', 'date of conviction',
      convictionId('S1', '104001001000', '11358 HS', NaN),
    ]);
  });

  test('a review list line per evaluated conviction: Hand Review required, the others optional, decision columns empty', () => {
    expect(lists.review.map((entry) => entry.position)).toEqual([10, 20, 30, 50]);
    const review = lists.review.map((entry) => Object.fromEntries(REVIEW_LIST_COLUMNS.map((column, i) => [column, parseCsvText(entry.line)[0][i]])));
    expect(review.map((line) => [line['Conviction ID'], line.Review, line['Eligibility Determination'], line['Offense Level']])).toEqual([
      [idOf('101001001000', '11357 HS', '1989-05-05'), 'Optional', DETERMINATION.dismissal, 'Felony'],
      [idOf('101001002000', '11359 HS', '1989-05-05'), 'Optional', DETERMINATION.reduction, 'Felony'],
      [idOf('102001001000', '11360 HS', '2001-01-01'), 'Optional', DETERMINATION.notEligible, 'Felony'],
      [convictionId('S1', '104001001000', '11358 HS', NaN), 'Required', DETERMINATION.handReview, 'Felony'],
    ]);
    expect(review[0]).toMatchObject({ 'Case Number': 'CASE-7; CASE-7B', Name: 'DOE,JANE "JJ"', 'Date of Birth': '02/29/1980', 'Code Section': '11357 HS' });
    expect(review[0]['Rule']).not.toBe('');
    for (const line of review) expect([line.Decision, line['Decision Reason'], line.Reviewer, line['Decision Date']]).toEqual(['', '', '', '']);
  });
});

function idOf(countOrder: string, section: string, isoDate: string): string {
  return convictionId('S1', countOrder, section, parseIsoDate(isoDate));
}

describe('the conviction id', () => {
  test('depends on SUBJECT_ID, CNT_ORDER, section and date only; hex, no part of its inputs', () => {
    const id = convictionId('S1', '101001001000', '11357 HS', parseIsoDate('1989-05-05'));
    expect(id).toMatch(/^cv-[0-9a-f]{20}$/);
    expect(convictionId('S1', '101001001000', ' 11357 HS ', parseIsoDate('1989-05-05'))).toBe(id);
    for (const other of [
      convictionId('S2', '101001001000', '11357 HS', parseIsoDate('1989-05-05')),
      convictionId('S1', '101001002000', '11357 HS', parseIsoDate('1989-05-05')),
      convictionId('S1', '101001001000', '11359 HS', parseIsoDate('1989-05-05')),
      convictionId('S1', '101001001000', '11357 HS', parseIsoDate('1989-05-06')),
      convictionId('S1', '101001001000', '11357 HS', parseIsoDate('1989-05-05'), 1),
    ]) expect(other).not.toBe(id);
  });

  test('the same conviction in a later extract (other rows, other positions, another partition) keeps its id', () => {
    const idsOf = (rowsOf: RowValues[], offset: number) => {
      const classifier = new PartitionClassifier({ county: COUNTY, computeAtDay: parseIsoDate('2021-01-01'), policy: parsePolicy({}) });
      rowsOf.forEach((values, index) => classifier.addRow(dojFields(values), offset + index));
      classifier.decide();
      return classifier.courtLists().review.map((entry) => parseCsvText(entry.line)[0][0]);
    };
    const first = [row({ offense: '11357 HS', date: '20000101', countOrder: '101001001000', felony: false })];
    const later = [
      row({ subjectId: 'S0', offense: '11359 HS', date: '20050101', countOrder: '101001001000' }),
      row({ offense: '11360 HS', date: '19990101', countOrder: '100001001000' }),
      ...first,
    ];
    const [id] = idsOf(first, 0);
    expect(idsOf(later, 1000)).toContain(id);
  });

  test('convictions without CNT_ORDER get distinct ids, in their order', () => {
    const classifier = new PartitionClassifier({ county: COUNTY, computeAtDay: parseIsoDate('2021-01-01'), policy: parsePolicy({}) });
    classifier.addRow(dojFields(row({ offense: '11357 HS', date: '20000101', countOrder: '' })), 0);
    classifier.addRow(dojFields(row({ offense: '11357 HS', date: '20000101', countOrder: '' })), 1);
    classifier.decide();
    const ids = classifier.courtLists().review.map((entry) => parseCsvText(entry.line)[0][0]);
    expect(ids).toEqual([convictionId('S1', '', '11357 HS', parseIsoDate('2000-01-01'), 0), convictionId('S1', '', '11357 HS', parseIsoDate('2000-01-01'), 1)]);
  });
});

test('a malformed PRI_DOB is shown as extracted, so the court still sees what DOJ sent', () => {
  const classifier = new PartitionClassifier({ county: COUNTY, computeAtDay: parseIsoDate('2020-07-01'), policy: parsePolicy({}) });
  classifier.addRow(dojFields(row({ offense: '11357 HS', date: '20000101', felony: false, extra: { PRI_DOB: '19790000' } })), 0);
  classifier.decide();
  const [fields] = parseCsvText(classifier.courtLists().motions[0].line);
  expect(fields[3]).toBe('19790000');
  expect(fields[COURT_MOTION_COLUMNS.indexOf('Missing')]).toBe('case number; valid date of birth');
});

describe('work-area format and merge', () => {
  test('entries survive pieces cut anywhere, with quotes, commas, line breaks and latin-1 characters', async () => {
    const entries: CourtListEntry[] = [
      { position: 3, line: 'a,"b ""c""",\u00e9\u00ff' },
      { position: 2 ** 40 + 7, line: '"multi\nline"' },
      { position: 2 ** 41, line: '' },
    ];
    const bytes = Buffer.concat([...entryPieces(entries, 5)]);
    async function* chunks(size: number) {
      for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
    }
    for (const size of [1, 2, 7, 1000]) {
      const back: CourtListEntry[] = [];
      for await (const entry of readEntries(chunks(size))) back.push(entry);
      expect(back).toEqual(entries);
    }
  });

  test('mergeByPosition: one position-ordered stream; equal positions keep source order', async () => {
    async function* source(...positions: number[]) {
      for (const position of positions) yield { position, line: `p${position}` };
    }
    const merged: number[] = [];
    for await (const entry of mergeByPosition([source(1, 5, 9), source(), source(2, 3, 10), source(5)])) merged.push(entry.position);
    expect(merged).toEqual([1, 2, 3, 5, 5, 9, 10]);
  });
});

describe('whole runs', () => {
  const rows = generatedRows({ county: 'LOS ANGELES', people: 600, seed: 17 });
  const content = extractText(rows);
  const request = { files: [{ name: 'la.csv', content }], county: 'LOS ANGELES', computeAt: '2020-07-01', policy: 'los-angeles-2020' };

  test('however the people are partitioned, the lists are the same bytes, in input order of their first conviction', async () => {
    const one = await runReport(request);
    const many = await runReport({ ...request, sizing: { targetRangeBytes: 50_000, targetPartitionBytes: 40_000 } });
    expect(many.courtMotions).toBe(one.courtMotions);
    expect(many.defenderNotices).toBe(one.defenderNotices);

    // Each notice is one conviction, so the notices follow Prop64_Results' order exactly.
    const prop64 = parseCsvText(one.prop64Results);
    const header = prop64[0];
    const col = (name: string) => header.indexOf(name);
    const challenged = prop64
      .slice(1)
      .filter((r) => ['Not eligible', 'Hand Review'].includes(r[col('Eligibility Determination')]))
      .map((r) => [r[col('Case Number')], r[col('CII_NUMBER')], r[col('Eligibility Determination')], r[col('Eligibility Reason')]]);
    const notices = parseCsvText(one.defenderNotices).slice(1).map((r) => [r[0], r[1], r[7], r[8]]);
    expect(notices).toEqual(challenged);

    // Every dismissal and reduction is on exactly one motion line, and motion lines come in input order of their first conviction.
    const relief = prop64.slice(1).filter((r) => ['Eligible for Dismissal', 'Eligible for Reduction'].includes(r[col('Eligibility Determination')]));
    const motions = parseCsvText(one.courtMotions).slice(1);
    const listed = motions.reduce((sum, r) => sum + (r[6] ? r[6].split('; ').length : 0) + (r[7] ? r[7].split('; ').length : 0), 0);
    expect(listed).toBe(relief.length);
    expect(one.summary.convictionsByDetermination['Eligible for Dismissal']).toBe(relief.length);
    const firstRowOfLine = motions.map((m) => relief.findIndex((r) => r[col('Case Number')] === m[0] && r[col('CII_NUMBER')] === m[1]));
    expect(firstRowOfLine.every((index) => index >= 0)).toBe(true);
    expect([...firstRowOfLine].sort((a, b) => a - b)).toEqual(firstRowOfLine);
    // misdemeanors go to the city attorney under this preset: on the referral list, not on the other two
    expect(one.courtMotions + one.defenderNotices).not.toContain('To be reviewed by City Attorney');
    const referrals = parseCsvText(one.cityAttorneyReferrals).slice(1);
    const routed = prop64.slice(1).filter((r) => r[col('Eligibility Determination')] === DETERMINATION.cityAttorney);
    expect(referrals.map((r) => [r[0], r[1], r[7]])).toEqual(routed.map((r) => [r[col('Case Number')], r[col('CII_NUMBER')], DETERMINATION.cityAttorney]));
    expect(routed.length).toBeGreaterThan(0);
    expect(many.cityAttorneyReferrals).toBe(one.cityAttorneyReferrals);
    expect(many.undecided).toBe(one.undecided);
  });
});

/** The decisions of a hand-made person under a policy, and the lists they go to. */
function listsOf(rows: readonly RowValues[], policy: PolicyInput | ReturnType<typeof presetPolicy>, computeAt: string): CourtLists {
  const parsed = 'flow' in policy && typeof policy.flow === 'string' && 'dismiss' in policy ? (policy as ReturnType<typeof presetPolicy>) : parsePolicy(policy);
  const classifier = new PartitionClassifier({ county: COUNTY, computeAtDay: parseIsoDate(computeAt), policy: parsed });
  rows.forEach((values, index) => classifier.addRow(dojFields(values), index));
  classifier.decide();
  return classifier.courtLists();
}

const fieldsOfLine = (entry: CourtListEntry) => parseCsvText(entry.line)[0];

describe('every determination has its list, worded by the challenge deadline (2020-07-01)', () => {
  const rows = [
    row({ offense: '11357 HS-POSSESS', date: '20100101', countOrder: '101001001000', ofn: 'M1', felony: false }),
    row({ offense: '11360 HS-TRANSPORT', date: '20170101', countOrder: '102001001000', ofn: 'N1' }),
    row({ offense: '11359 HS-POSSESS FOR SALE', date: '20100101', countOrder: '103001001000', ofn: 'U1' }),
    row({ offense: '11358 HS-CULTIVATE', date: '20100101', countOrder: '104001001000', ofn: 'H1' }),
  ];
  const policy: PolicyInput = {
    misdemeanors: 'cityAttorney',
    disqualifiers: { afterEffectiveDate: 'notEligible' },
    baselineEligibility: { handReview: ['11358'] },
  };

  test.each([
    ['2020-07-01', 'beforeDeadline'],
    ['2019-11-11', 'beforeDeadline'],
    ['2020-07-02', 'afterDeadline'],
    ['2024-01-01', 'afterDeadline'],
  ] as const)('compute-at %s: %s wording', (computeAt, wording) => {
    const lists = listsOf(rows, policy, computeAt);
    expect(lists.motions).toEqual([]);
    expect(lists.referrals.map(fieldsOfLine).map((f) => [f[0], f[7], f[9]])).toEqual([['M1', DETERMINATION.cityAttorney, NOTICE_WORDING[wording][DETERMINATION.cityAttorney]]]);
    expect(lists.notices.map(fieldsOfLine).map((f) => [f[0], f[7], f[9]])).toEqual([
      ['N1', DETERMINATION.notEligible, NOTICE_WORDING[wording][DETERMINATION.notEligible]],
      ['H1', DETERMINATION.handReview, NOTICE_WORDING[wording][DETERMINATION.handReview]],
    ]);
    // no rule decides the 11359 felony: undecided, with the note that the court relieves an unchallenged conviction
    expect(lists.undecided.map(fieldsOfLine).map((f) => [f[0], f[6], f[7], f[8], f[9]])).toEqual([['U1', '11359 HS', '', '', NOTICE_WORDING[wording].undecided]]);
  });

  test('before the deadline a Not eligible is a timely challenge; after it, the notice says the deadline has passed', () => {
    expect(NOTICE_WORDING.beforeDeadline[DETERMINATION.notEligible]).toBe('Challenged by the prosecution (H&S 11361.9)');
    for (const text of Object.values(NOTICE_WORDING.afterDeadline)) expect(text).toContain('07/01/2020');
    for (const text of Object.values(NOTICE_WORDING.afterDeadline)) expect(text).not.toContain('Challenged');
    expect(NOTICE_WORDING.beforeDeadline.undecided).toContain('relieves');
  });

  test('the motion says per conviction whether its sentence is completed or being served', () => {
    const sentenced = [
      row({ offense: '11359 HS-POSSESS FOR SALE', date: '20190101', countOrder: '101001001000', ofn: 'C1', extra: { SENT_LENGTH: '3', SENT_TIME_CODE: 'Y' } }),
      row({ offense: '11360 HS-TRANSPORT', date: '20190101', countOrder: '101001002000', ofn: 'C1', extra: { SENT_LENGTH: '90', SENT_TIME_CODE: 'D' } }),
    ];
    const lists = listsOf(sentenced, { baselineEligibility: { dismiss: ['11359'], reduce: ['11360'] } }, '2020-07-01');
    expect(lists.motions).toHaveLength(1);
    expect(fieldsOfLine(lists.motions[0])[10]).toBe(`11359 HS (01/01/2019): ${SENTENCE_WORDING.beingServed}; 11360 HS (01/01/2019): ${SENTENCE_WORDING.completed}`);
    expect(SENTENCE_WORDING.beingServed).toContain('11361.8(a)-(b)');
    expect(SENTENCE_WORDING.completed).toContain('11361.8(e)-(f)');
  });
});

describe('property: every evaluated conviction is on exactly one list', () => {
  test('arbitrary people, policies (presets included) and compute-at dates', () => {
    const policies = fc.oneof(policyArbitrary, fc.constantFrom('reference-default', 'dismiss-all', 'los-angeles-2020', 'statute-conservative'));
    fc.assert(
      fc.property(fc.array(rowArbitrary, { minLength: 1, maxLength: 25 }), birthDatesArbitrary, policies, computeAtArbitrary, (rows, birthDates, policy, computeAt) => {
        const fields = fieldsOf(rows, birthDates);
        makeConvictionsConsistent(fields);
        const parsed = typeof policy === 'string' ? presetPolicy(policy) : parsePolicy(policy);
        const classifier = new PartitionClassifier({ county: 'SACRAMENTO', computeAtDay: parseIsoDate(computeAt), policy: parsed });
        fields.forEach((f, index) => classifier.addRow(f, index));
        classifier.decide();
        const lists = classifier.courtLists();
        // the evaluated convictions, each as (section, date, determination), from the 18 columns
        const evaluated: string[] = [];
        fields.forEach((f, index) => {
          const { columns, evaluated: isEvaluated } = classifier.annotate(f, index);
          if (!isEvaluated) return;
          const annotation = parseCsvText(`${columns}\n`)[0];
          const section = (f[COL.OFFENSE_DESCR].trim() === '' || f[COL.OFFENSE_DESCR].trim() === 'SEE COMMENT FOR CHARGE' ? f[COL.COMMENT_TEXT] : f[COL.OFFENSE_DESCR]).split('-')[0].trim();
          evaluated.push(`${section}|${annotation[7]}|${annotation[16]}`);
        });
        // on the lists: one line per conviction on three of them, one item per conviction on the motion lines
        const listed: string[] = [];
        const listedIds: string[] = [];
        const determinationsOf: Record<string, string[]> = {
          notices: [DETERMINATION.notEligible, DETERMINATION.handReview],
          referrals: [DETERMINATION.cityAttorney],
          undecided: [''],
        };
        for (const kind of COURT_LIST_KINDS) {
          if (kind === 'review') continue;
          for (const entry of lists[kind]) {
            const line = fieldsOfLine(entry);
            if (kind === 'motions') {
              listedIds.push(...line[COURT_MOTION_COLUMNS.indexOf('Conviction IDs')].split('; '));
              for (const [column, determination] of [[6, DETERMINATION.dismissal], [7, DETERMINATION.reduction]] as const) {
                if (line[column] === '') continue;
                for (const item of line[column].split('; ')) {
                  const match = /^(.*?)(?: \((\d\d\/\d\d\/\d{4})\))?$/.exec(item)!;
                  listed.push(`${match[1]}|${match[2] ?? ''}|${determination}`);
                }
              }
            } else {
              expect(determinationsOf[kind]).toContain(line[7]);
              listed.push(`${line[6]}|${line[5]}|${line[7]}`);
              listedIds.push(line[DEFENDER_NOTICE_COLUMNS.indexOf('Conviction ID')]);
            }
          }
        }
        expect(listed.sort()).toEqual(evaluated.sort());
        // the review list: every evaluated conviction once, by the ids the other lists give it
        const reviewIds = lists.review.map((entry) => fieldsOfLine(entry)[0]);
        expect(new Set(reviewIds).size).toBe(reviewIds.length);
        expect(reviewIds.sort()).toEqual(listedIds.sort());
      }),
      { numRuns: 400 },
    );
  });
});
