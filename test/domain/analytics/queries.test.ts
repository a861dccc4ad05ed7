/**
 * The analyst's starting queries of docs/analytics.md, run as written with DuckDB over the analytics/ folder of
 * runs of three generated counties (one of them twice), and checked against the runs' reports/summary.json.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { determinationLabel } from '../../../lambdas/domain/report/model';
import { AnalyticsFolder, AnalyticsRun, runAnalyticsFolder } from '../../helpers/analytics-runs';

jest.setTimeout(60_000);

/** Each `### <title>` of the queries section with its first sql block. */
function documentedQueries(): Map<string, string> {
  const text = readFileSync(path.resolve(__dirname, '../../../docs/analytics.md'), 'utf8');
  const section = text.slice(text.indexOf("## The analyst's starting queries"));
  const queries = new Map<string, string>();
  const pattern = /^### (.+)\n[\s\S]*?```sql\n([\s\S]*?)```/gm;
  for (let match = pattern.exec(section); match !== null; match = pattern.exec(section)) queries.set(match[1].trim(), match[2]);
  return queries;
}

type Row = Record<string, unknown>;

let folder: AnalyticsFolder;
let connection: DuckDBConnection;
const queries = documentedQueries();

async function run(title: string): Promise<Row[]> {
  const sql = queries.get(title);
  if (sql === undefined) throw new Error(`docs/analytics.md has no query "${title}" (has: ${[...queries.keys()].join(', ')})`);
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS() as Row[];
}

/** DuckDB gives BIGINT as bigint, DATE and TIMESTAMP as objects: numbers and ISO dates to compare. */
function plain(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'bigint') out[key] = Number(value);
    else if (value instanceof Date) out[key] = value.toISOString().slice(0, 10);
    else if (value !== null && typeof value === 'object' && 'toString' in value) out[key] = String(value);
    else out[key] = value;
  }
  return out;
}

const dismissed = (run: AnalyticsRun) => run.summary.convictionsByDetermination[DETERMINATION.dismissal] ?? 0;
const reduced = (run: AnalyticsRun) => run.summary.convictionsByDetermination[DETERMINATION.reduction] ?? 0;

beforeAll(async () => {
  folder = await runAnalyticsFolder();
  const instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  // The queries name paths relative to the folder that holds analytics/, as an analyst runs them from there.
  await connection.run(`SET file_search_path = '${folder.root.replace(/'/g, "''")}'`);
});

afterAll(() => {
  connection?.closeSync();
  folder?.remove();
});

test('docs/analytics.md has the five starting queries', () => {
  expect([...queries.keys()]).toEqual([
    '1. Relief by county over time',
    '2. People left with no felony',
    '3. Determinations by reason',
    '4. Demographics of people relieved',
    "5. A county's change month to month",
  ]);
});

test('1. relief by county over time: one row per run, the figures of its summary', async () => {
  const rows = (await run('1. Relief by county over time')).map(plain);
  const expected = [...folder.runs]
    .sort((a, b) => a.spec.county.localeCompare(b.spec.county) || a.spec.computeAt.localeCompare(b.spec.computeAt))
    .map((r) => ({
      county_name: r.spec.county,
      compute_at: r.spec.computeAt,
      policy_name: r.spec.policy,
      people_with_prop64_conviction: r.summary.subjectsWithProp64ConvictionCountInCounty,
      people_with_some_relief: r.summary.subjectsWithSomeReliefCount,
      convictions_dismissed: dismissed(r),
      convictions_reduced: reduced(r),
    }));
  expect(rows.map(({ run_date: _date, ...rest }) => rest)).toEqual(expected);
  expect(rows.every((row) => /^\d{4}-\d{2}-\d{2}$/.test(String(row.run_date)))).toBe(true);
  expect(new Set(rows.map((row) => row.people_with_some_relief)).size).toBeGreaterThan(1);
});

test('2. people left with no felony: the latest run of each county', async () => {
  const rows = (await run('2. People left with no felony')).map(plain);
  const expected = [...folder.latest.values()]
    .sort((a, b) => a.spec.county.localeCompare(b.spec.county))
    .map((r) => ({
      county_name: r.spec.county,
      people_with_prop64_conviction: r.summary.subjectsWithProp64ConvictionCountInCounty,
      people_no_felony: r.summary.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony,
      people_no_conviction: r.summary.reliefWithCurrentEligibilityChoices.CountSubjectsNoConviction,
    }));
  expect(rows).toEqual(expected);
  expect(rows).toHaveLength(3);
});

test('3. determinations by reason: per county and determination, the summary counts', async () => {
  const rows = (await run('3. Determinations by reason')).map(plain);
  const sums = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.county_name}|${row.determination}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(row.convictions));
  }
  const expected = new Map<string, number>();
  for (const r of folder.latest.values()) {
    for (const [determination, count] of Object.entries(r.summary.convictionsByDetermination)) {
      if (count > 0) expected.set(`${r.spec.county}|${determinationLabel(determination)}`, count);
    }
  }
  expect(Object.fromEntries(sums)).toEqual(Object.fromEntries(expected));
  // Reasons by name, where the summary names them (the reference's reason texts).
  for (const r of folder.latest.values()) {
    for (const [determination, reasons] of Object.entries(r.summary.convictionsByDeterminationAndReason)) {
      if (determination === '(none)') continue;
      for (const [reason, count] of Object.entries(reasons)) {
        const found = rows.filter((row) => row.county_name === r.spec.county && row.determination === determination && row.reason === reason);
        expect(found.reduce((total, row) => total + Number(row.convictions), 0)).toBe(count);
      }
    }
  }
});

test('4. demographics of people relieved: the suppressed cells of each latest report', async () => {
  const rows = (await run('4. Demographics of people relieved')).map(plain);
  const expected: Row[] = [];
  for (const r of [...folder.latest.values()].sort((a, b) => a.spec.county.localeCompare(b.spec.county))) {
    const table = r.summary.demographics!.raceEthnicity;
    const cells: Row[] = table.cells.map((cell) => ({ county_name: r.spec.county, race_ethnicity: cell.label, people: cell.count, suppressed: cell.suppressed }));
    if (table.suppressed !== null) cells.push({ county_name: r.spec.county, race_ethnicity: 'Suppressed groups combined', people: table.suppressed.count, suppressed: false });
    expected.push(...cells.sort((a, b) => String(a.race_ethnicity).localeCompare(String(b.race_ethnicity), 'en', { sensitivity: 'variant' })));
  }
  const order = (list: Row[]) => [...list].sort((a, b) => `${a.county_name}|${a.race_ethnicity}` < `${b.county_name}|${b.race_ethnicity}` ? -1 : 1);
  expect(order(rows)).toEqual(order(expected));
  // The small counties have small cells: the query shows them suppressed, never their count.
  expect(rows.some((row) => row.suppressed === true && row.people === null)).toBe(true);
});

test("5. a county's change month to month: Alameda's two months and the difference", async () => {
  const rows = (await run("5. A county's change month to month")).map(plain);
  const alameda = folder.runs.filter((r) => r.spec.county === 'ALAMEDA');
  expect(alameda).toHaveLength(2);
  const [first, second] = alameda;
  expect(rows).toEqual([
    {
      month: `${first.spec.computeAt.slice(0, 7)}-01`,
      people_with_some_relief: first.summary.subjectsWithSomeReliefCount,
      people_relieved_change: null,
      dismissed_change: null,
      reduced_change: null,
    },
    {
      month: `${second.spec.computeAt.slice(0, 7)}-01`,
      people_with_some_relief: second.summary.subjectsWithSomeReliefCount,
      people_relieved_change: second.summary.subjectsWithSomeReliefCount - first.summary.subjectsWithSomeReliefCount,
      dismissed_change: dismissed(second) - dismissed(first),
      reduced_change: reduced(second) - reduced(first),
    },
  ]);
});
