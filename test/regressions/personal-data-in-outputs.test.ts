/**
 * Regression (issue 17, points 6 and 7): raw cell values reached outputs that hold no personal data. A name and date
 * of birth shifted into STP_ORI_CNTY_NAME were listed in the county-mismatch error (summary.json, and in AWS the
 * ledger, error.json, the execution's cause and the log); `earliestConviction` published one person's exact
 * conviction date in reports/; a run took any number of input files.
 */
import { countyMismatchMessage, reportSummary } from '../../lambdas/domain/pipeline/assemble';
import { MAX_INPUT_FILES } from '../../lambdas/domain/defaults';
import { CALIFORNIA_COUNTIES, isCaliforniaCounty } from '../../lambdas/domain/counties';
import { Summary } from '../../lambdas/domain/summary';
import { convictionRow, dojCsv } from '../helpers/doj-rows';
import { runFixture, runFixtureExpectingFailure } from '../helpers/run-fixture';

const SHIFTED = 'GREEN,KEVIN 19861006';
const policy = { baselineEligibility: { dismiss: ['11357', '11358'] } };

describe('the county-mismatch error lists county names only', () => {
  test('a shifted row\'s name and date of birth are counted, never written, in the error and the reports', async () => {
    const content = dojCsv([
      convictionRow({ subjectId: '1', offense: '11358 HS', date: '20100101', county: 'YOLO' }),
      convictionRow({ subjectId: '2', offense: '11358 HS', date: '20100101', county: 'YOLO' }),
      convictionRow({ subjectId: '3', offense: '11358 HS', date: '20100101', county: SHIFTED }),
      convictionRow({ subjectId: '4', offense: '11358 HS', date: '20100101', county: 'Doe, Jane' }),
    ]);
    const failure = await runFixtureExpectingFailure({ files: [{ name: 'extract.csv', content }], county: 'SACRAMENTO', computeAt: '2020-07-01', policy });
    expect(failure.error.name).toBe('UnknownCountyError');
    expect(failure.error.message).toBe(
      'county "SACRAMENTO" does not appear in the extract; counties present: "YOLO" (2 rows); and 2 other values that are not a California county name (2 rows)',
    );
    const reports = failure.store.keys().filter((key) => key.startsWith('reports/'));
    expect(reports.length).toBeGreaterThan(0);
    for (const key of reports) {
      const text = failure.store.text(key, 'utf8');
      expect({ key, leaks: ['GREEN', 'KEVIN', '19861006', 'Doe'].filter((value) => text.includes(value)) }).toEqual({ key, leaks: [] });
    }
  });

  test('countyMismatchMessage: only the 58 names, sorted by rows; the rest counted', () => {
    expect(countyMismatchMessage('KERN', { YOLO: 3, 'LOS ANGELES': 5 })).toBe(
      'county "KERN" does not appear in the extract; counties present: "LOS ANGELES" (5 rows), "YOLO" (3 rows)',
    );
    expect(countyMismatchMessage('KERN', { [SHIFTED]: 3 })).toBe(
      'county "KERN" does not appear in the extract; counties present: 1 other value that is not a California county name (3 rows)',
    );
    expect(countyMismatchMessage('KERN', {})).toBe('county "KERN" does not appear in the extract; counties present: none');
    // Case and spacing matter: only the values as STP_ORI_CNTY_NAME writes the counties are names.
    expect(countyMismatchMessage('KERN', { yolo: 1, ' YOLO': 1 })).not.toContain('yolo');
  });

  test('the list is the 58 counties of the shared fixture', () => {
    expect(CALIFORNIA_COUNTIES).toHaveLength(58);
    expect(new Set(CALIFORNIA_COUNTIES).size).toBe(58);
    expect(isCaliforniaCounty('SAN LUIS OBISPO')).toBe(true);
    expect(isCaliforniaCounty('San Luis Obispo')).toBe(false);
  });
});

describe('earliestConviction', () => {
  test('reports/summary.json gives the year; results/summary.json the reference field, the exact instant', async () => {
    const content = dojCsv([
      convictionRow({ subjectId: '1', offense: '11358 HS', date: '19870412' }),
      convictionRow({ subjectId: '2', offense: '11358 HS', date: '20100101' }),
    ]);
    const result = await runFixture({ files: [{ name: 'extract.csv', content }], county: 'SACRAMENTO', computeAt: '2020-07-01', policy });
    expect(result.summary.earliestConviction).toBe('1987-04-12T00:00:00Z');
    expect(result.reportSummary.earliestConviction).toBe('1987');
    const reports = result.store.keys().filter((key) => key.startsWith('reports/'));
    for (const key of reports) {
      const text = result.store.text(key, 'utf8');
      expect({ key, exact: ['1987-04-12', '04/12/1987', '19870412'].filter((date) => text.includes(date)) }).toEqual({ key, exact: [] });
    }
    // Nothing else differs between the two.
    expect({ ...result.reportSummary, earliestConviction: null }).toEqual({ ...result.summary, earliestConviction: null });
  });

  test('reportSummary keeps null', () => {
    expect(reportSummary({ earliestConviction: null } as Summary).earliestConviction).toBeNull();
  });
});

test(`a run takes at most ${MAX_INPUT_FILES} input files`, async () => {
  const content = dojCsv([convictionRow({ subjectId: '1', offense: '11358 HS', date: '20100101' })]);
  const files = Array.from({ length: MAX_INPUT_FILES + 1 }, (_, i) => ({ name: `part${i}.csv`, content }));
  const failure = await runFixtureExpectingFailure({ files, county: 'SACRAMENTO', computeAt: '2020-07-01', policy });
  expect([failure.error.name, failure.error.message]).toEqual(['InputError', `files: ${MAX_INPUT_FILES + 1} input files; one run takes at most ${MAX_INPUT_FILES} (join the extract into fewer files)`]);
});
