/** The analytics tables' one definition (lambdas/domain/analytics/columns.ts): columns, county slugs and keys. */
import {
  ANALYTICS_PARTITION_KEYS, ANALYTICS_RUN_COLUMNS, ANALYTICS_TABLES, latestKey, RUN_TABLES, runTableKey, STATISTICS_TABLE,
} from '../../../lambdas/domain/analytics/columns';
import { PERSONAL_COLUMNS } from '../../../lambdas/domain/columns';
import { CALIFORNIA_COUNTIES } from '../../../lambdas/domain/counties';

describe('the analytics tables', () => {
  it('each start with the run identity, name every column once, and none is a partition key or personal', () => {
    const partitionKeys = ANALYTICS_PARTITION_KEYS.map((column) => column.name);
    const personal = PERSONAL_COLUMNS.map((name) => name.toLowerCase());
    for (const table of ANALYTICS_TABLES) {
      const names = table.columns.map((column) => column.name);
      expect(names.slice(0, ANALYTICS_RUN_COLUMNS.length)).toEqual(ANALYTICS_RUN_COLUMNS.map((column) => column.name));
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) {
        expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
        expect(partitionKeys).not.toContain(name);
        expect(personal).not.toContain(name);
      }
    }
    expect(RUN_TABLES.map((table) => table.name)).toEqual(['runs', 'statistics', 'determinations']);
  });
});

describe('the keys', () => {
  it("name the county's partition in lower case with underscores: one value per county, path-safe", () => {
    const values = CALIFORNIA_COUNTIES.map((county) => /county=([^/]*)\//.exec(latestKey('', county))![1]);
    expect(values).toContain('san_luis_obispo');
    expect(new Set(values).size).toBe(58);
    for (const value of values) expect(value).toMatch(/^[a-z_]+$/);
  });

  it('put a run under its table, county and run date, and the latest pointer under its county', () => {
    expect(runTableKey('analytics/', STATISTICS_TABLE, 'SAN DIEGO', '2025-01-31', 'run-1')).toBe('analytics/statistics/county=san_diego/run_date=2025-01-31/run-1.jsonl');
    expect(latestKey('out/analytics/', 'SAN DIEGO')).toBe('out/analytics/latest/county=san_diego/latest.jsonl');
  });
});
