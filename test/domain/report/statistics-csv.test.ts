/**
 * statistics.csv (lambdas/domain/report/statistics-csv.ts) from the report model of hand-made people: tidy
 * dimension,value,count lines holding the report's numbers, suppressed cells empty.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { STATISTICS_CSV_HEADER, statisticsCsv } from '../../../lambdas/domain/report/statistics-csv';
import { parseCsvText } from '../../helpers/csv-compare';
import { modelOf, PEOPLE, statisticsOf } from './report-people';

describe('statistics.csv', () => {
  const csv = statisticsCsv(modelOf(statisticsOf(PEOPLE)));
  const rows = parseCsvText(csv);

  test('tidy: a header, then dimension,value,count; each (dimension, value) once; counts are whole numbers or empty when suppressed', () => {
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv.split('\n')[0]).toBe(STATISTICS_CSV_HEADER);
    const body = rows.slice(1);
    expect(body.length).toBeGreaterThan(40);
    for (const row of body) {
      expect(row).toHaveLength(3);
      expect(row[2]).toMatch(/^(\d+)?$/);
      if (row[2] === '') expect(row[0]).toMatch(/^people relieved/);
    }
    const keys = body.map((row) => `${row[0]}\u0000${row[1]}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('holds the numbers of the report', () => {
    const find = (dimension: string, value: string) => rows.find((row) => row[0] === dimension && row[1] === value)?.[2];
    expect(find('people', 'with any relief')).toBe('3');
    expect(find('convictions by section and determination', `11359 | ${DETERMINATION.notEligible}`)).toBe('1');
    expect(find('convictions by decade and determination', '2010s | No determination')).toBe('1');
    expect(find('convictions by rule and reason', 'superstrike | Prior superstrike')).toBe('1');
    expect(find('what-if people', 'dismissAllProp64 | People with any relief')).toBe('5');
    expect(find('people relieved by gender', 'Male')).toBe('');
    expect(find('people relieved by gender', 'Suppressed groups combined')).toBe('3');
    expect(find('people relieved by gender', 'Total')).toBe('3');
  });
});
