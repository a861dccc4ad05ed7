/**
 * A run's rows for the analytics tables (lambdas/domain/analytics/records.ts), from the report model of hand-made
 * people: exactly each table's columns, the report's figures, nothing per person.
 */
import { DETERMINATIONS_TABLE, RUNS_TABLE, STATISTICS_TABLE } from '../../../lambdas/domain/analytics/columns';
import { jsonLines, runAnalytics, tableRow } from '../../../lambdas/domain/analytics/records';
import { InvariantError } from '../../../lambdas/domain/errors';
import { statisticsLines } from '../../../lambdas/domain/report/statistics-csv';
import { parseReportSettings } from '../../../lambdas/domain/report/settings';
import { modelOf, PEOPLE, statisticsOf } from '../report/report-people';

const model = modelOf(statisticsOf(PEOPLE), parseReportSettings({ suppressionThreshold: 1 }));
const analytics = runAnalytics(model, { policySha256: 'ab', people: 5 }, { startedAt: '2025-02-03T04:05:06.000Z', reportsPrefix: 'reports/SACRAMENTO/r1/' });

describe('runAnalytics', () => {
  it('gives one runs row with the headline figures, in the table order, partitioned by the UTC start date', () => {
    expect(analytics.county).toBe('SACRAMENTO');
    expect(analytics.runDate).toBe('2025-02-03');
    expect(analytics.runs).toHaveLength(1);
    const [run] = analytics.runs;
    expect(Object.keys(run)).toEqual(RUNS_TABLE.columns.map((column) => column.name));
    expect(run).toMatchObject({
      run_id: 'r1', county_name: 'SACRAMENTO', policy_sha256: 'ab', people: 5, reports_prefix: 'reports/SACRAMENTO/r1/',
      people_with_some_relief: model.headline.peopleWithSomeRelief, convictions_dismissed: model.headline.convictionsDismissed,
    });
  });

  it("gives statistics.csv's lines as rows, compound values split, and the determinations by section, decade and reason", () => {
    expect(analytics.statistics).toHaveLength(statisticsLines(model).length);
    for (const row of analytics.statistics) expect(Object.keys(row)).toEqual(STATISTICS_TABLE.columns.map((column) => column.name));
    expect(analytics.statistics).toContainEqual(expect.objectContaining({ dimension: 'convictions by section and determination', value: '11357', detail: expect.any(String) }));
    const breakdowns = new Set(analytics.determinations.map((row) => row.breakdown));
    expect(breakdowns).toEqual(new Set(['section', 'decade', 'reason']));
    for (const row of analytics.determinations) expect(Object.keys(row)).toEqual(DETERMINATIONS_TABLE.columns.map((column) => column.name));
  });

  it('holds nothing of a person: no subject id, name, CII or case number', () => {
    const text = jsonLines([...analytics.runs, ...analytics.statistics, ...analytics.determinations]);
    expect(text).not.toMatch(/P[1-5]"|CIIP|OFN\d|DOE/);
  });
});

describe('tableRow and jsonLines', () => {
  const values = Object.fromEntries(RUNS_TABLE.columns.map((column) => [column.name, null]));

  it('refuse a missing or an extra column (a bug, before any file is written)', () => {
    const { run_id: _missing, ...short } = values;
    expect(() => tableRow(RUNS_TABLE, short)).toThrow(new InvariantError('runs: no value for column run_id'));
    expect(() => tableRow(RUNS_TABLE, { ...values, name: 'x' })).toThrow('runs: name not a column');
  });

  it('write one JSON object per line', () => {
    const row = tableRow(RUNS_TABLE, { ...values, run_id: 'a"b' });
    expect(jsonLines([row, row])).toBe(`${JSON.stringify(row)}\n${JSON.stringify(row)}\n`);
    expect(jsonLines([])).toBe('');
  });
});
