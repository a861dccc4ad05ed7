/**
 * The H&S 11361.9 lists (court motion, defender notice, city attorney referral, undecided): line contents for
 * hand-made people, the wording before and after the challenge deadline, every evaluated conviction on exactly
 * one list (a property), the count number and the court on every line, the order by case number, the work-area
 * format, the k-way merge, and whole runs cut into many partitions or one.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import fc from 'fast-check';
import { COL } from '../../../lambdas/domain/columns';
import { parseIsoDate } from '../../../lambdas/domain/dates';
import { PartitionClassifier } from '../../../lambdas/domain/people-classifier';
import { parsePolicy, PolicyInput, presetPolicy } from '../../../lambdas/domain/policy';
import {
  compareEntries, countNumberOf, COURT_LIST_KINDS, COURT_MOTION_COLUMNS, CourtListEntry, CourtLists, DEFENDER_NOTICE_COLUMNS, entryPieces,
  mergeEntries, NOTICE_WORDING, readEntries, REVIEW_LIST_COLUMNS, SENTENCE_WORDING, sortKeyOf, STATUTORY_BASIS,
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
    extra: { CII_NUMBER: 'A1234567', PRI_NAME: 'DOE,JANE "JJ"', PRI_DOB: '19800229', STP_ORI_DESCR: 'CASC SACRAMENTO', ...values.extra },
  });
}

/** A list line as column name → value. */
function named<const T extends string>(columns: readonly T[], line: string): Record<T, string> {
  const [fields] = parseCsvText(line);
  expect(fields).toHaveLength(columns.length);
  return Object.fromEntries(columns.map((column, i) => [column, fields[i]])) as Record<T, string>;
}
const notice = (entry: CourtListEntry) => named(DEFENDER_NOTICE_COLUMNS, entry.line);
const motion = (entry: CourtListEntry) => named(COURT_MOTION_COLUMNS, entry.line);

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
    expect(fields).toHaveLength(COURT_MOTION_COLUMNS.length);
    expect(motion(lists.motions[0])).toEqual({
      'Case Number': 'CASE-7; CASE-7B',
      Court: 'CASC SACRAMENTO',
      'CII Number': 'A1234567',
      Name: 'DOE,JANE "JJ"',
      'Date of Birth': '02/29/1980',
      County: COUNTY,
      'Date of Conviction': '05/05/1989',
      'Convictions to Dismiss': 'Count 1: 11357 HS (05/05/1989)',
      'Convictions to Reduce': 'Count 2: 11359 HS (05/05/1989)',
      Relief: 'Dismiss and seal; Redesignate as misdemeanor',
      'Statutory Basis': STATUTORY_BASIS,
      Sentence: `Count 1: 11357 HS (05/05/1989): ${SENTENCE_WORDING.completed}; Count 2: 11359 HS (05/05/1989): ${SENTENCE_WORDING.completed}`,
      Missing: '',
      'Conviction IDs': `${idOf('101001001000', '11357 HS', '1989-05-05')}; ${idOf('101001002000', '11359 HS', '1989-05-05')}`,
    });
    expect(STATUTORY_BASIS).toBe('H&S 11361.9 (AB 1793); relief under H&S 11361.8');
  });

  test('a notice line per conviction not eligible or in hand review, with its count, court and reason', () => {
    expect(lists.notices.map((entry) => entry.position)).toEqual([50, 30]);
    const notices = lists.notices.map(notice);
    // By case number: CASE-11 before CASE-9 (code-unit order).
    expect(notices[1]).toEqual({
      'Case Number': 'CASE-9', Count: '1', Court: 'CASC SACRAMENTO', 'CII Number': 'A1234567', Name: 'DOE,JANE "JJ"', 'Date of Birth': '02/29/1980',
      County: COUNTY, 'Date of Conviction': '01/01/2001', 'Code Section': '11360 HS', 'Eligibility Determination': 'Not eligible',
      'Eligibility Reason': 'Prior superstrike: 187 PC on 1990-01-01', Notice: 'Challenged by the prosecution (H&S 11361.9)', Missing: '',
      'Conviction ID': idOf('102001001000', '11360 HS', '2001-01-01'),
    });
    // A line a clerk cannot file as it is says what it lacks, in a column of its own.
    expect(notices[0]).toMatchObject({
      'Case Number': 'CASE-11', 'Date of Conviction': '', 'Code Section': '11358 HS', 'Eligibility Determination': 'Hand Review',
      'Eligibility Reason': 'Malformed date in STP_EVENT_DATE', Notice: 'Pending prosecution review (H&S 11361.9)', Missing: 'date of conviction',
      'Conviction ID': convictionId('S1', '104001001000', '11358 HS', NaN),
    });
  });

  test('a review list line per evaluated conviction: Hand Review required, the others optional, decision columns empty', () => {
    // by case number: CASE-11, CASE-7; CASE-7B (count 1, then 2), CASE-9
    expect(lists.review.map((entry) => entry.position)).toEqual([50, 10, 20, 30]);
    const review = lists.review.map((entry) => named(REVIEW_LIST_COLUMNS, entry.line));
    expect(review.map((line) => [line['Conviction ID'], line.Review, line['Eligibility Determination'], line['Offense Level']])).toEqual([
      [convictionId('S1', '104001001000', '11358 HS', NaN), 'Required', DETERMINATION.handReview, 'Felony'],
      [idOf('101001001000', '11357 HS', '1989-05-05'), 'Optional', DETERMINATION.dismissal, 'Felony'],
      [idOf('101001002000', '11359 HS', '1989-05-05'), 'Optional', DETERMINATION.reduction, 'Felony'],
      [idOf('102001001000', '11360 HS', '2001-01-01'), 'Optional', DETERMINATION.notEligible, 'Felony'],
    ]);
    expect(review[1]).toMatchObject({ 'Case Number': 'CASE-7; CASE-7B', Count: '1', Court: 'CASC SACRAMENTO', Name: 'DOE,JANE "JJ"', 'Date of Birth': '02/29/1980', 'Code Section': '11357 HS' });
    expect(review[1]['Rule']).not.toBe('');
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
  const line = motion(classifier.courtLists().motions[0]);
  expect(line['Date of Birth']).toBe('19790000');
  expect(line.Missing).toBe('case number; valid date of birth');
});

describe('the count number (CNT_ORDER: cycle 3, step 3, count 3, then 000)', () => {
  test.each([
    ['101001002000', '2'],
    ['101001010000', '10'],
    ['101001999000', '999'],
    ['101001000000', '0'],
    ['101001002', '2'],
    ['10100100', ''],
    ['101001A02000', ''],
    ['', ''],
  ])('%j → %j', (countOrder, count) => expect(countNumberOf(countOrder)).toBe(count));

  test('two counts of one section on one day are told apart on the motion; a count without a number is flagged', () => {
    const lists = listsOf(
      [
        row({ offense: '11358 HS', date: '19950319', countOrder: '101001001000', ofn: 'C1' }),
        row({ offense: '11358 HS', date: '19950319', countOrder: '101001002000', ofn: 'C1' }),
        row({ offense: '11357 HS', date: '19950320', countOrder: '102001', ofn: 'C2', felony: false }),
      ],
      { baselineEligibility: { dismiss: ['11357', '11358'] } },
      '2020-07-01',
    );
    expect(lists.motions.map(motion).map((line) => [line['Convictions to Dismiss'], line.Missing])).toEqual([
      ['Count 1: 11358 HS (03/19/1995); Count 2: 11358 HS (03/19/1995)', ''],
      ['11357 HS (03/20/1995)', 'count number'],
    ]);
  });
});

describe('the order of the lists: by case number, lines without one last', () => {
  // Two people, each with cases whose numbers are out of input order; cases without a number; two people sharing
  // a case number (co-defendants), told apart by CII.
  const people = [
    [
      row({ subjectId: 'S1', offense: '11360 HS', date: '20010101', countOrder: '101001001000', ofn: 'B-200', extra: { CII_NUMBER: 'C2' } }),
      row({ subjectId: 'S1', offense: '11360 HS', date: '20020101', countOrder: '102001001000', ofn: '', extra: { CII_NUMBER: 'C2' } }),
      row({ subjectId: 'S1', offense: '11360 HS', date: '20030101', countOrder: '103001002000', ofn: 'A-100', extra: { CII_NUMBER: 'C2' } }),
      row({ subjectId: 'S1', offense: '11360 HS', date: '20030101', countOrder: '103001001000', ofn: 'A-100', extra: { CII_NUMBER: 'C2' } }),
    ],
    [
      row({ subjectId: 'S2', offense: '11360 HS', date: '20030101', countOrder: '101001001000', ofn: 'A-100', extra: { CII_NUMBER: 'C1' } }),
      row({ subjectId: 'S2', offense: '11360 HS', date: '19990101', countOrder: '102001001000', ofn: '', extra: { CII_NUMBER: 'C1' } }),
    ],
  ];
  const policy: PolicyInput = { baselineEligibility: { handReview: ['11360'] } };

  test('within a partition: case number, then CII, then count; the lines without a case number last, flagged', () => {
    const notices = listsOf(people.flat(), policy, '2020-07-01').notices.map(notice);
    expect(notices.map((line) => [line['Case Number'], line['CII Number'], line.Count, line.Missing])).toEqual([
      ['A-100', 'C1', '1', ''],
      ['A-100', 'C2', '1', ''],
      ['A-100', 'C2', '2', ''],
      ['B-200', 'C2', '1', ''],
      ['', 'C1', '1', 'case number'],
      ['', 'C2', '1', 'case number'],
    ]);
  });

  test('sorted partitions merged are the list of one partition, whatever the split', async () => {
    const whole = listsOf(people.flat(), policy, '2020-07-01');
    const parts = people.map((rows) => listsOf(rows, policy, '2020-07-01'));
    async function* stream(entries: CourtListEntry[]) {
      yield* entries;
    }
    for (const kind of COURT_LIST_KINDS) {
      const merged: string[] = [];
      for await (const entry of mergeEntries(parts.map((part) => stream(part[kind])))) merged.push(entry.line);
      expect(merged).toEqual(whole[kind].map((entry) => entry.line));
    }
    expect(whole.notices).toHaveLength(6);
  });

  test('property: compareEntries is a total order, missing case numbers after every present one', () => {
    const spec = fc.record({ position: fc.nat(), caseNumber: fc.oneof(fc.constant(''), fc.string({ maxLength: 4 })), cii: fc.string({ maxLength: 2 }), countOrder: fc.string({ maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(spec, { maxLength: 30 }), (specs) => {
        const entries = specs.map((s, i) => ({ position: s.position * 64 + i, sortKey: sortKeyOf(s.caseNumber, s.cii, s.countOrder), line: s.caseNumber }));
        const sorted = [...entries].sort(compareEntries);
        expect([...entries].reverse().sort(compareEntries)).toEqual(sorted);
        for (let i = 1; i < sorted.length; i++) {
          expect(compareEntries(sorted[i - 1], sorted[i])).toBeLessThan(0);
          if (sorted[i - 1].line === '') expect(sorted[i].line).toBe('');
          else if (sorted[i].line !== '') expect(sorted[i - 1].line <= sorted[i].line).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('work-area format and merge', () => {
  test('entries survive pieces cut anywhere, with quotes, commas, line breaks and latin-1 characters', async () => {
    const entries: CourtListEntry[] = [
      { position: 3, sortKey: sortKeyOf('A-1', 'C1', '101001001000'), line: 'a,"b ""c""",\u00e9\u00ff' },
      { position: 2 ** 40 + 7, sortKey: sortKeyOf('B\u00e9', '', ''), line: '"multi\nline"' },
      { position: 2 ** 41, sortKey: sortKeyOf('', '', ''), line: '' },
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

  test('mergeEntries: one stream in list order; equal entries keep source order', async () => {
    async function* source(tag: string, ...keys: Array<[string, number]>) {
      for (const [caseNumber, position] of keys) yield { position, sortKey: sortKeyOf(caseNumber, '', ''), line: `${tag}${caseNumber}${position}` };
    }
    const merged: string[] = [];
    const sources = [source('a', ['A', 9], ['C', 1], ['', 0]), source('b'), source('c', ['A', 2], ['B', 3], ['', 5]), source('d', ['C', 1])];
    for await (const entry of mergeEntries(sources)) merged.push(entry.line);
    expect(merged).toEqual(['cA2', 'aA9', 'cB3', 'aC1', 'dC1', 'a0', 'c5']);
  });
});

describe('whole runs', () => {
  const rows = generatedRows({ county: 'LOS ANGELES', people: 600, seed: 17 });
  const content = extractText(rows);
  const request = { files: [{ name: 'la.csv', content }], county: 'LOS ANGELES', computeAt: '2020-07-01', policy: 'los-angeles-2020' };

  test('however the people are partitioned, the lists are the same bytes, sorted by case number', async () => {
    const one = await runReport(request);
    const many = await runReport({ ...request, sizing: { targetRangeBytes: 50_000, targetPartitionBytes: 40_000 } });
    expect(many.courtMotions).toBe(one.courtMotions);
    expect(many.defenderNotices).toBe(one.defenderNotices);

    // Each notice is one conviction: the notices are Prop64_Results' challenged convictions, sorted by case number.
    const prop64 = parseCsvText(one.prop64Results);
    const header = prop64[0];
    const col = (name: string) => header.indexOf(name);
    const challenged = prop64
      .slice(1)
      .filter((r) => ['Not eligible', 'Hand Review'].includes(r[col('Eligibility Determination')]))
      .map((r) => [r[col('Case Number')], r[col('CII_NUMBER')], r[col('Eligibility Determination')], r[col('Eligibility Reason')]].join('|'));
    const notices = listLines(one.defenderNotices, DEFENDER_NOTICE_COLUMNS);
    expect(notices.map((r) => [r['Case Number'], r['CII Number'], r['Eligibility Determination'], r['Eligibility Reason']].join('|')).sort()).toEqual(challenged.sort());
    expectSortedByCaseNumber(notices);
    // the generated courts (STP_ORI_DESCR) and counts are on every line
    expect(notices.every((r) => r.Court === 'CASC LOS ANGELES' && r.Count !== '')).toBe(true);

    // Every dismissal and reduction is on exactly one motion line; motion lines are sorted by case number.
    const relief = prop64.slice(1).filter((r) => ['Eligible for Dismissal', 'Eligible for Reduction'].includes(r[col('Eligibility Determination')]));
    const motions = listLines(one.courtMotions, COURT_MOTION_COLUMNS);
    const items = (text: string) => (text === '' ? 0 : text.split('; ').length);
    const listed = motions.reduce((sum, r) => sum + items(r['Convictions to Dismiss']) + items(r['Convictions to Reduce']), 0);
    expect(listed).toBe(relief.length);
    expect(one.summary.convictionsByDetermination['Eligible for Dismissal']).toBe(relief.length);
    expect(motions.every((m) => relief.some((r) => r[col('Case Number')] === m['Case Number'] && r[col('CII_NUMBER')] === m['CII Number']))).toBe(true);
    expectSortedByCaseNumber(motions);
    expect(motions.some((m) => m['Case Number'] === '')).toBe(true);
    // misdemeanors go to the city attorney under this preset: on the referral list, not on the other two
    expect(one.courtMotions + one.defenderNotices).not.toContain('To be reviewed by City Attorney');
    const referrals = listLines(one.cityAttorneyReferrals, DEFENDER_NOTICE_COLUMNS);
    const routed = prop64.slice(1).filter((r) => r[col('Eligibility Determination')] === DETERMINATION.cityAttorney);
    expect(referrals.map((r) => [r['Case Number'], r['CII Number'], r['Eligibility Determination']].join('|')).sort()).toEqual(
      routed.map((r) => [r[col('Case Number')], r[col('CII_NUMBER')], DETERMINATION.cityAttorney].join('|')).sort(),
    );
    expectSortedByCaseNumber(referrals);
    expect(routed.length).toBeGreaterThan(0);
    expect(many.cityAttorneyReferrals).toBe(one.cityAttorneyReferrals);
    expect(many.undecided).toBe(one.undecided);
  });
});

/** A list file's lines (header checked) as column name → value. */
function listLines<const T extends string>(text: string, columns: readonly T[]): Array<Record<T, string>> {
  const [header, ...lines] = parseCsvText(text);
  expect(header).toEqual([...columns]);
  return lines.map((fields) => Object.fromEntries(columns.map((column, i) => [column, fields[i]])) as Record<T, string>);
}

/** Case numbers ascending (code-unit order), the lines without one last and flagged in Missing. */
function expectSortedByCaseNumber(lines: ReadonlyArray<{ 'Case Number': string; Missing: string }>): void {
  const numbered = lines.filter((line) => line['Case Number'] !== '');
  expect(lines.slice(0, numbered.length)).toEqual(numbered);
  for (let i = 1; i < numbered.length; i++) expect(numbered[i - 1]['Case Number'] <= numbered[i]['Case Number']).toBe(true);
  for (const line of lines.slice(numbered.length)) expect(line.Missing).toContain('case number');
}

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
    const brief = (line: Record<(typeof DEFENDER_NOTICE_COLUMNS)[number], string>) => [line['Case Number'], line['Eligibility Determination'], line.Notice];
    expect(lists.referrals.map(notice).map(brief)).toEqual([['M1', DETERMINATION.cityAttorney, NOTICE_WORDING[wording][DETERMINATION.cityAttorney]]]);
    // by case number: H1 before N1
    expect(lists.notices.map(notice).map(brief)).toEqual([
      ['H1', DETERMINATION.handReview, NOTICE_WORDING[wording][DETERMINATION.handReview]],
      ['N1', DETERMINATION.notEligible, NOTICE_WORDING[wording][DETERMINATION.notEligible]],
    ]);
    // no rule decides the 11359 felony: undecided, with the note that the court relieves an unchallenged conviction
    expect(lists.undecided.map(notice).map((line) => [...brief(line), line['Code Section'], line['Eligibility Reason']])).toEqual([
      ['U1', '', NOTICE_WORDING[wording].undecided, '11359 HS', ''],
    ]);
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
    expect(motion(lists.motions[0]).Sentence).toBe(`Count 1: 11359 HS (01/01/2019): ${SENTENCE_WORDING.beingServed}; Count 2: 11360 HS (01/01/2019): ${SENTENCE_WORDING.completed}`);
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
            if (kind === 'motions') {
              const m = motion(entry);
              listedIds.push(...m['Conviction IDs'].split('; '));
              for (const [column, determination] of [['Convictions to Dismiss', DETERMINATION.dismissal], ['Convictions to Reduce', DETERMINATION.reduction]] as const) {
                if (m[column] === '') continue;
                for (const item of m[column].split('; ')) {
                  const match = /^(?:Count \d+: )?(.*?)(?: \((\d\d\/\d\d\/\d{4})\))?$/.exec(item)!;
                  listed.push(`${match[1]}|${match[2] ?? ''}|${determination}`);
                }
              }
            } else {
              const n = notice(entry);
              expect(determinationsOf[kind]).toContain(n['Eligibility Determination']);
              listed.push(`${n['Code Section']}|${n['Date of Conviction']}|${n['Eligibility Determination']}`);
              listedIds.push(n['Conviction ID']);
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
