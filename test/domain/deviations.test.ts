/**
 * Where we deliberately differ from the reference tool (eligibility.md, "Where we deliberately differ"):
 * one test per deviation, end to end through runInProcess on hand-made extracts.
 */
import { DETERMINATION } from '../../lambdas/domain/decision';
import { COL, ELIGIBILITY_COLUMNS, FIELD_COUNT } from '../../lambdas/domain/columns';
import { compareCsv, describeDifferences, parseCsvText } from '../helpers/csv-compare';
import { convictionRow, csvRecord, dojCsv, dojFields, DOJ_HEADER, RowValues, stepRow } from '../helpers/doj-rows';
import { FixtureRequest, readFixtureText, runFixture, runFixtureExpectingFailure } from '../helpers/run-fixture';
import { PolicyError } from '../../lambdas/domain/errors';

const COUNTY = 'SACRAMENTO';
const column = (name: (typeof ELIGIBILITY_COLUMNS)[number]) => FIELD_COUNT + ELIGIBILITY_COLUMNS.indexOf(name);
const DETERMINATION_COLUMN = column('Eligibility Determination');
const REASON_COLUMN = column('Eligibility Reason');

/** Data rows of an output CSV (header dropped). */
function dataRows(csv: string): string[][] {
  return parseCsvText(csv).slice(1);
}

/** The output row whose RECORD_ID is `recordId`. */
function rowById(csv: string, recordId: string): string[] {
  const row = dataRows(csv).find((fields) => fields[COL.RECORD_ID] === recordId);
  if (row === undefined) throw new Error(`no output row ${recordId}`);
  return row;
}

function request(content: string | Buffer, overrides: Partial<FixtureRequest> = {}): FixtureRequest {
  return { files: [{ name: 'extract.csv', content }], county: COUNTY, computeAt: '2020-07-01', ...overrides };
}

const felony11358 = (subjectId: string, recordId: string, date = '20100101', extra: Partial<Parameters<typeof convictionRow>[0]> = {}): RowValues =>
  convictionRow({ subjectId, recordId, offense: '11358 HS-CULTIVATE', date, countOrder: `1${recordId.padStart(2, '0').slice(-2)}001001000`, ...extra });

test('the 7-year window counts back from compute-at, not from the wall clock', async () => {
  // One dismissed conviction on 2013-01-01: "in the last 7 years" means strictly after compute-at minus 7 years.
  const content = dojCsv([felony11358('1', 'r1', '20130101')]);
  const last7 = async (computeAt: string) =>
    (await runFixture(request(content, { computeAt }))).summary.reliefWithCurrentEligibilityChoices.CountSubjectsNoConvictionLast7Years;
  expect(await last7('2019-12-31')).toBe(1);
  expect(await last7('2020-01-01')).toBe(0);
  expect(await last7('2013-01-01')).toBe(1);
});

test('a malformed date is never year 1: Hand Review naming the field, no age or time rule fires', async () => {
  const policy = { additionalRelief: { subjectUnder21AtConviction: true, subjectAgeThreshold: 40, yearsSinceConvictionThreshold: 1, yearsCrimeFreeThreshold: 1 } };
  const content = dojCsv([
    felony11358('1', 'r1', '19790000', { dob: '19300101' }),
    felony11358('2', 'r2', '20100101', { dob: '19300100' }),
  ]);
  const result = await runFixture(request(content, { policy }));
  const malformedConviction = rowById(result.allResults, 'r1');
  expect([malformedConviction[DETERMINATION_COLUMN], malformedConviction[REASON_COLUMN]]).toEqual([DETERMINATION.handReview, 'Malformed date in STP_EVENT_DATE']);
  expect(malformedConviction[column('Date of Conviction')]).toBe('');
  expect(malformedConviction[column('Years Since This Conviction')]).toBe('');
  const malformedBirth = rowById(result.allResults, 'r2');
  expect([malformedBirth[DETERMINATION_COLUMN], malformedBirth[REASON_COLUMN]]).toEqual([DETERMINATION.handReview, 'Malformed date in PRI_DOB']);
  expect(result.summary.malformedDates).toEqual({ PRI_DOB: 1, STP_EVENT_DATE: 1 });
  // the malformed conviction date is not the county's earliest conviction (it would be year 1 otherwise)
  expect(result.summary.earliestConviction).toBe('2010-01-01T00:00:00Z');
  expect(result.allResults).not.toMatch(/\/0001|0001-01-01/);
});

describe('bad rows go to rejects.csv; the run fails only past the reject ratio', () => {
  // 10 data lines: 2 bad ones (a missing field, a stray quote), both of person 1.
  const good = [felony11358('1', 'r1'), felony11358('2', 'r2'), felony11358('3', 'r3'), felony11358('4', 'r4'), felony11358('5', 'r5')]
    .concat([stepRow('2', 'ARREST/DETAINED/CITED', { RECORD_ID: 'r6' }), stepRow('3', 'ARREST/DETAINED/CITED', { RECORD_ID: 'r7' }), stepRow('4', 'ARREST/DETAINED/CITED', { RECORD_ID: 'r8' })])
    .map((row) => csvRecord(dojFields(row)));
  const missingField = csvRecord(dojFields(felony11358('1', 'bad1')).slice(0, FIELD_COUNT - 1));
  const strayQuote = csvRecord(dojFields(stepRow('1', 'ARREST/DETAINED/CITED', { RECORD_ID: 'bad2', OFFENSE_DESCR: '459 PC' }))).replace('459 PC', '459 "PC');
  const lines = [DOJ_HEADER, good[0], good[1], missingField, good[2], good[3], strayQuote, good[4], good[5], good[6], good[7]];
  const content = `${lines.join('\n')}\n`;

  test('each bad row: its physical line and a reason; the person\'s convictions go to Hand Review', async () => {
    const result = await runFixture(request(content, { maxRejectRatio: 0.2 }));
    const rejects = parseCsvText(result.rejects);
    expect(rejects[0]).toEqual(['file', 'line', 'code', 'reason', 'text']);
    expect(rejects.slice(1).map(([file, line, code]) => [file, line, code])).toEqual([
      ['extract.csv', '4', 'FIELD_COUNT'],
      ['extract.csv', '7', 'BARE_QUOTE'],
    ]);
    expect(rejects[1][3]).toMatch(/95/);
    expect(rejects[2][3]).not.toBe('');
    expect(rejects.slice(1).map((reject) => reject[4])).toEqual([missingField, strayQuote]);
    const person1 = rowById(result.allResults, 'r1');
    expect([person1[DETERMINATION_COLUMN], person1[REASON_COLUMN]]).toEqual([DETERMINATION.handReview, 'Incomplete record: 2 rejected rows']);
    expect(rowById(result.allResults, 'r2')[REASON_COLUMN]).toBe('Dismiss all HS 11358 convictions');
    expect(dataRows(result.allResults).map((row) => row[COL.RECORD_ID])).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8']);
    expect(result.summary).toMatchObject({ status: 'SUCCEEDED', rowsRead: 10, rowsRejected: 2, rowsWritten: 8, peopleWithRejectedRows: 1, rejectsByCode: { BARE_QUOTE: 1, FIELD_COUNT: 1 } });
  });

  test('past the ratio the run fails with RejectRatioExceeded, and summary.json and rejects.csv are still written', async () => {
    const failure = await runFixtureExpectingFailure(request(content, { maxRejectRatio: 0.19 }));
    expect(failure.error.name).toBe('RejectRatioExceeded');
    expect(failure.error.message).toMatch(/2 of 10 rows rejected/);
    expect(failure.summary).toMatchObject({ status: 'FAILED', rowsRead: 10, rowsRejected: 2, error: failure.error.message });
    expect(dataRows(failure.rejects ?? '')).toHaveLength(2);
  });

  test('the default ratio is 5%', async () => {
    const failure = await runFixtureExpectingFailure(request(content));
    expect(failure.error.name).toBe('RejectRatioExceeded');
    expect(failure.error.message).toMatch(/\(20%\), above the allowed 5%/);
  });
});

test('the header is recognised after a UTF-8 byte-order mark', async () => {
  const plain = dojCsv([felony11358('1', 'r1'), felony11358('2', 'r2')]);
  const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(plain, 'latin1')]);
  const result = await runFixture(request(withBom));
  expect(result.summary).toMatchObject({ rowsRead: 2, rowsRejected: 0, status: 'SUCCEEDED' });
  expect(result.summary.files[0].header).toBe('present');
  expect(result.allResults).toBe((await runFixture(request(plain))).allResults);
  expect(result.allResults.startsWith('RECORD_ID,')).toBe(true);
  // a byte-order mark before a data row (no header): the row is data, not a malformed header
  const noHeader = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(dojCsv([felony11358('1', 'r1'), felony11358('2', 'r2')], { header: false }), 'latin1')]);
  const headless = await runFixture(request(noHeader));
  expect(headless.summary).toMatchObject({ rowsRead: 2, rowsRejected: 0 });
  expect(headless.summary.files[0].header).toBe('absent');
  expect(headless.allResults).toBe(result.allResults);
});

test('line numbers are physical lines: a quoted line break counts, so do blank lines', async () => {
  const withBreak = csvRecord(dojFields({ ...felony11358('1', 'r1'), COMMENT_TEXT: 'LINE ONE\nLINE TWO\nLINE THREE' }));
  const bad = csvRecord(dojFields(felony11358('2', 'bad')).slice(0, 10));
  const content = `${DOJ_HEADER}\n${withBreak}\n\n${csvRecord(dojFields(felony11358('3', 'r3')))}\n${bad}\n`;
  const result = await runFixture(request(content, { maxRejectRatio: 1 }));
  // header 1, record 2-4, blank 5, record 6, bad 7
  expect(dataRows(result.rejects).map((reject) => reject[1])).toEqual(['7']);
  expect(result.summary.blankLines).toBe(1);
  expect(rowById(result.allResults, 'r1')[COL.COMMENT_TEXT]).toBe('LINE ONE\nLINE TWO\nLINE THREE');
});

test('CRLF files: a CRLF inside a quoted field is read as LF, and the outputs use LF', async () => {
  const rows: RowValues[] = [{ ...felony11358('1', 'r1'), COMMENT_TEXT: 'FIRST\r\nSECOND' }, felony11358('2', 'r2')];
  const crlf = dojCsv(rows, { lineEnd: '\r\n' });
  const lf = dojCsv([{ ...rows[0], COMMENT_TEXT: 'FIRST\nSECOND' }, rows[1]]);
  expect(crlf).toContain('"FIRST\r\nSECOND"');
  const result = await runFixture(request(crlf));
  expect(result.allResults).not.toContain('\r');
  expect(result.prop64Results).not.toContain('\r');
  expect(result.condensed).not.toContain('\r');
  expect(rowById(result.allResults, 'r1')[COL.COMMENT_TEXT]).toBe('FIRST\nSECOND');
  expect(result.allResults).toBe((await runFixture(request(lf))).allResults);
});

test('a short CNT_ORDER never crashes: the available prefix is used', async () => {
  const content = dojCsv([
    { ...felony11358('1', 'r1'), CNT_ORDER: '1', OFN: 'CASE-A' },
    stepRow('1', 'COURT ACTION', { RECORD_ID: 'r2', CNT_ORDER: '1', OFN: 'CASE-B' }),
    { ...felony11358('2', 'r3'), CNT_ORDER: '' },
    { ...felony11358('3', 'r4'), CNT_ORDER: '10100' },
  ]);
  const result = await runFixture(request(content));
  expect(rowById(result.allResults, 'r1')[column('Case Number')]).toBe('CASE-A; CASE-B');
  for (const id of ['r1', 'r4']) expect(rowById(result.allResults, id)[DETERMINATION_COLUMN]).toBe(DETERMINATION.dismissal);
  // A blank CNT_ORDER cannot identify the count (docs/decisions.md): Hand Review, never a silent sentence part.
  expect(rowById(result.allResults, 'r3')[DETERMINATION_COLUMN]).toBe(DETERMINATION.handReview);
  expect(rowById(result.allResults, 'r3')[DETERMINATION_COLUMN + 1]).toBe('Missing CNT_ORDER: the count cannot be identified');
});

test('an unknown section in the policy is a PolicyError naming the field and the value, before any row is read', async () => {
  const failure = await runFixtureExpectingFailure(request(dojCsv([felony11358('1', 'r1')]), { policy: { baselineEligibility: { dismiss: ['11357', '11399'] } } }));
  expect(failure.error).toBeInstanceOf(PolicyError);
  expect(failure.error.message).toContain('baselineEligibility.dismiss[1]');
  expect(failure.error.message).toContain('"11399"');
  expect(failure.store.keys().filter((key) => !key.startsWith('uploads/'))).toEqual([]);
});

test('an unknown county is an UnknownCountyError listing the counties present', async () => {
  const content = dojCsv([felony11358('1', 'r1', '20100101', { county: 'YOLO' }), felony11358('2', 'r2', '20100101', { county: 'SAN JOAQUIN' }), felony11358('3', 'r3', '20100101', { county: 'YOLO' })]);
  const failure = await runFixtureExpectingFailure(request(content, { county: 'SACRAMENTO' }));
  expect(failure.error.name).toBe('UnknownCountyError');
  expect(failure.error.message).toContain('"SACRAMENTO"');
  expect(failure.error.message).toMatch(/"YOLO" \(2 rows\).*"SAN JOAQUIN" \(1 rows?\)/);
  expect(failure.summary).toMatchObject({ status: 'FAILED', county: 'SACRAMENTO' });
});

describe('several files of one extract are one population', () => {
  test('a person split across two files is one person', async () => {
    // Person 1: the 11359 felony in file A, a prior superstrike and a death in file B.
    const policy = { baselineEligibility: { reduce: ['11359'] }, additionalRelief: { subjectIsDeceased: true }, disqualifiers: { superstrike: 'notEligible' } };
    const fileA = dojCsv([convictionRow({ subjectId: '1', recordId: 'a1', offense: '11359 HS-POSSESS FOR SALE', date: '20100101', countOrder: '101001001000' })]);
    const fileB = dojCsv(
      [
        convictionRow({ subjectId: '1', recordId: 'b1', offense: '187 PC-MURDER', date: '19900101', countOrder: '102001001000', county: 'YOLO' }),
        stepRow('1', 'DECEASED', { RECORD_ID: 'b2', CNT_ORDER: '103001001000' }),
      ],
      { header: false },
    );
    const result = await runFixture(request('', { policy, files: [{ name: 'a.csv', content: fileA }, { name: 'b.csv', content: fileB }] }));
    const row = rowById(result.allResults, 'a1');
    expect([row[DETERMINATION_COLUMN], row[REASON_COLUMN]]).toEqual([DETERMINATION.notEligible, 'Prior superstrike: 187 PC on 1990-01-01']);
    expect(row[column('# of convictions on record')]).toBe('2');
    expect(row[column('Deceased')]).toBe('Deceased');
    expect(dataRows(result.allResults).map((fields) => fields[COL.RECORD_ID])).toEqual(['a1', 'b1', 'b2']);
    expect(result.summary.files.map((file) => [file.name, file.rowsRead, file.header])).toEqual([['a.csv', 1, 'present'], ['b.csv', 2, 'absent']]);
  });

  test('the conformance extract cut in three files gives the same results as one file', async () => {
    const text = readFixtureText('conformance/input.csv');
    const lines = text.split('\n');
    // each cut falls inside a person's rows
    const cut1 = 11;
    const cut2 = 27;
    const subjectAt = (line: number) => lines[line].split(',')[COL.SUBJECT_ID];
    expect(subjectAt(cut1 - 1)).toBe(subjectAt(cut1));
    expect(subjectAt(cut2 - 1)).toBe(subjectAt(cut2));
    const part = (from: number, to?: number) => `${lines.slice(from, to).join('\n')}${to === undefined ? '' : '\n'}`;
    const base = { county: 'SACRAMENTO', computeAt: '2019-11-11' };
    const whole = await runFixture({ ...base, files: [{ name: 'input.csv', content: Buffer.from(text, 'latin1') }] });
    const split = await runFixture({
      ...base,
      files: [
        { name: 'part1.csv', content: Buffer.from(part(0, cut1), 'latin1') },
        { name: 'part2.csv', content: Buffer.from(part(cut1, cut2), 'latin1') },
        { name: 'part3.csv', content: Buffer.from(part(cut2), 'latin1') },
      ],
    });
    expect(describeDifferences(compareCsv(whole.allResults, split.allResults))).toBe('');
    expect(split.prop64Results).toBe(whole.prop64Results);
    expect(split.summary.reliefWithCurrentEligibilityChoices).toEqual(whole.summary.reliefWithCurrentEligibilityChoices);
    expect(split.summary.lineCount).toBe(whole.summary.lineCount);
  });
});

test('earliestConviction is null when the county has no Prop 64 conviction', async () => {
  const content = dojCsv([
    convictionRow({ subjectId: '1', recordId: 'r1', offense: '459 PC-BURGLARY', date: '20100101' }),
    felony11358('1', 'r2', '20100101', { county: 'YOLO' }),
  ]);
  const result = await runFixture(request(content));
  expect(result.summary.status).toBe('SUCCEEDED');
  expect(result.summary.earliestConviction).toBeNull();
  expect(result.summary.subjectsWithProp64ConvictionCountInCounty).toBe(0);
  expect(dataRows(result.prop64Results)).toEqual([]);
});

test('section lists match whole sections: 187 PC is a superstrike, 1187 PC is not; 288(A) PC is a PC 290 offense', async () => {
  const content = dojCsv([
    felony11358('1', 'r1'),
    convictionRow({ subjectId: '1', recordId: 'r2', offense: '1187 PC-NOT MURDER', date: '19900101', countOrder: '201001001000' }),
    felony11358('2', 'r3'),
    convictionRow({ subjectId: '2', recordId: 'r4', offense: '187 PC-MURDER', date: '19900101', countOrder: '201001001000' }),
    felony11358('3', 'r5'),
    convictionRow({ subjectId: '3', recordId: 'r6', offense: '288(A) PC-LEWD ACT W/CHILD', date: '19900101', countOrder: '201001001000' }),
  ]);
  const result = await runFixture(request(content));
  const sections = (id: string) => {
    const row = rowById(result.allResults, id);
    return [row[column('Superstrike Code Section(s)')], row[column('PC290 Code Section(s)')]];
  };
  expect(sections('r1')).toEqual(['-', '-']);
  expect(sections('r3')).toEqual(['187 PC', '-']);
  expect(sections('r5')).toEqual(['288(A) PC', '288(A) PC']);
});
