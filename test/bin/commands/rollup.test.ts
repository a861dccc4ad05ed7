/**
 * `clearance rollup` over the analytics/ of runs of three generated counties (one of them twice, so the roll-up
 * must take the latest): its sums equal the sums of the latest runs' summary.json, every county is listed, the
 * demographics are suppressed again; and personal values planted in the input (names, SSNs, CII numbers, case
 * numbers) appear in results/ but nowhere under analytics/ or in the roll-up (the canary).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { rollupCommand, ROLLUP_FILES } from '../../../bin/commands/rollup';
import { CALIFORNIA_COUNTIES } from '../../../lambdas/domain/counties';
import { RollupSummary, SUPPRESSED_IN_COUNTIES } from '../../../lambdas/domain/analytics/rollup';
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { determinationLabel } from '../../../lambdas/domain/report/model';
import { Summary } from '../../../lambdas/domain/summary';
import { AnalyticsFolder, PLANTED_RUN, PlantedPerson, runAnalyticsFolder } from '../../helpers/analytics-runs';

jest.setTimeout(60_000);

/** Values no generated extract holds (checked below), for 4 people of one county's latest run. */
const PLANTED: PlantedPerson[] = Array.from({ length: 4 }, (_, i) => ({
  PRI_NAME: `QZCANARY${i}SURNAME,QZGIVEN${i}`,
  PRI_SSN: `98765${i}321`,
  CII_NUMBER: `A77${i}31${i}59`,
  FE_NUM_CRT_CASE: `QZCASE${i}X77`,
  OFN: `QZOFN${i}K`,
}));
const NEEDLES = PLANTED.flatMap((p) => [...Object.values(p), p.PRI_NAME.split(',')[0]]);

let folder: AnalyticsFolder;
let out: string;
let rollup: RollupSummary;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

beforeAll(async () => {
  folder = await runAnalyticsFolder(undefined, PLANTED);
  out = path.join(folder.root, 'state');
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await rollupCommand({ from: folder.root, out });
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  rollup = JSON.parse(await fs.readFile(path.join(out, ROLLUP_FILES.summary), 'utf8')) as RollupSummary;
});

afterAll(() => folder?.remove());

const latest = (): Summary[] => [...folder.latest.values()].map((run) => run.summary);
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

test('the roll-up takes the latest run of each county and lists the other counties as having none', () => {
  const included = rollup.counties.filter((c) => c.status === 'included');
  expect(included.map((c) => [c.county, c.runId])).toEqual(
    CALIFORNIA_COUNTIES.filter((county) => folder.latest.has(county)).map((county) => [county, folder.latest.get(county)!.runId]),
  );
  expect(rollup.counties).toHaveLength(58);
  expect(rollup.countiesWithoutRun).toEqual(CALIFORNIA_COUNTIES.filter((county) => !folder.latest.has(county)));
  expect(rollup.countiesIncluded).toBe(3);
});

test('sums equal the sums of the latest summaries', () => {
  const summaries = latest();
  expect(rollup.totals).toMatchObject({
    rows_read: sum(summaries.map((s) => s.rowsRead)),
    rows_rejected: sum(summaries.map((s) => s.rowsRejected)),
    people: sum(summaries.map((s) => s.people)),
    people_with_prop64_conviction: sum(summaries.map((s) => s.subjectsWithProp64ConvictionCountInCounty)),
    people_with_some_relief: sum(summaries.map((s) => s.subjectsWithSomeReliefCount)),
    people_no_felony: sum(summaries.map((s) => s.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony)),
    people_no_conviction: sum(summaries.map((s) => s.reliefWithCurrentEligibilityChoices.CountSubjectsNoConviction)),
    felony_convictions: sum(summaries.map((s) => s.prop64FelonyConvictionsCountInCounty)),
    convictions_dismissed: sum(summaries.map((s) => s.convictionsByDetermination[DETERMINATION.dismissal] ?? 0)),
    convictions_reduced: sum(summaries.map((s) => s.convictionsByDetermination[DETERMINATION.reduction] ?? 0)),
  });
  const expected: Record<string, number> = {};
  for (const s of summaries) {
    for (const [determination, count] of Object.entries(s.convictionsByDetermination)) {
      if (count > 0) expected[determinationLabel(determination)] = (expected[determinationLabel(determination)] ?? 0) + count;
    }
  }
  expect(rollup.convictionsByDetermination).toEqual(expected);
  const bySection: Record<string, number> = {};
  for (const s of summaries) for (const [section, count] of Object.entries(s.prop64ConvictionsCountInCountyByCodeSection)) bySection[section] = (bySection[section] ?? 0) + count;
  for (const [section, count] of Object.entries(bySection)) {
    expect([section, sum(Object.values(rollup.convictionsBySectionAndDetermination[section] ?? {}))]).toEqual([section, count]);
  }
  // The roll-up differs from the sum over every run: ALAMEDA's first run is left out.
  expect(rollup.totals.people_with_some_relief).toBeLessThan(sum(folder.runs.map((r) => r.summary.subjectsWithSomeReliefCount)));
});

test('demographics: totals are the counties\' totals, and no shown cell is small', () => {
  const summaries = latest();
  const tables = [
    [rollup.demographics.raceEthnicity, (s: Summary) => s.demographics!.raceEthnicity],
    [rollup.demographics.gender, (s: Summary) => s.demographics!.gender],
    [rollup.demographics.ageBand, (s: Summary) => s.demographics!.ageBand],
  ] as const;
  for (const [table, of] of tables) {
    expect(table.total).toBe(sum(summaries.map((s) => of(s).total)));
    const threshold = rollup.demographics.suppressionThreshold;
    for (const cell of table.cells) if (!cell.suppressed) expect([cell.label, cell.count === 0 || cell.count! >= threshold]).toEqual([cell.label, true]);
    // A category's shown count is the sum of what the county reports show, never more.
    for (const cell of table.cells) {
      if (cell.suppressed || cell.label === SUPPRESSED_IN_COUNTIES) continue;
      expect(cell.count).toBe(sum(summaries.map((s) => of(s).cells.find((c) => c.label === cell.label)?.count ?? 0)));
    }
  }
  expect(rollup.demographics.suppressionThreshold).toBe(11);
});

test('statistics.csv and report.html: every county, relief by county on a chart', async () => {
  const csv = await fs.readFile(path.join(out, ROLLUP_FILES.statistics), 'utf8');
  expect(csv.split('\n')[0]).toBe('dimension,value,detail,count');
  expect(csv).toContain(`state,total,people_with_some_relief,${rollup.totals.people_with_some_relief}\n`);
  expect(csv).toContain('county,ALPINE,no run,\n');
  const html = await fs.readFile(path.join(out, ROLLUP_FILES.report), 'utf8');
  expect(html).toContain('data-chart="relief-by-county"');
  expect(html).toContain('<svg');
  for (const county of CALIFORNIA_COUNTIES) expect(html).toContain(`data-county="${county}"`);
});

test('canary: the planted personal values are in results/ and nowhere under analytics/ or in the roll-up', async () => {
  const results = await filesUnder(path.join(folder.root, folder.runs[PLANTED_RUN].runId, 'results'));
  const resultsText = (await Promise.all(results.map((file) => fs.readFile(file, 'latin1')))).join('\n');
  // The scan can find them: every value is in that run's results.
  expect(rollup.counties.find((c) => c.runId === folder.runs[PLANTED_RUN].runId)?.status).toBe('included');
  for (const needle of NEEDLES) expect([needle, resultsText.includes(needle)]).toEqual([needle, true]);
  const scanned = [...(await filesUnder(path.join(folder.root, 'analytics'))), ...(await filesUnder(out))];
  expect(scanned.length).toBeGreaterThanOrEqual(3 * 4 + 3 + 3);
  const leaks: string[] = [];
  for (const file of scanned) {
    const text = await fs.readFile(file, 'latin1');
    for (const needle of NEEDLES) if (text.includes(needle)) leaks.push(`${path.relative(folder.root, file)}: ${needle}`);
  }
  expect(leaks).toEqual([]);
});
