/**
 * A whole run with the Los Angeles 2020 preset on a generated extract: every determination of the preset
 * appears, and the report, statistics.csv and summary.json show them consistently.
 */
import { DETERMINATION } from '../../../lambdas/domain/decision';
import { parseCsvText } from '../../helpers/csv-compare';
import { ReportRun, runReport } from './report-fixture';
import { extractText, generatedRows } from './report-fixture';

let run: ReportRun;

beforeAll(async () => {
  const rows = generatedRows({ county: 'LOS ANGELES', people: 1500, seed: 5 });
  run = await runReport({
    files: [{ name: 'la.csv', content: extractText(rows) }],
    county: 'LOS ANGELES',
    computeAt: '2020-07-01',
    policy: 'los-angeles-2020',
    scenarioPresets: ['dismiss-all', 'reference-default'],
  });
});

const LA_DETERMINATIONS = [DETERMINATION.dismissal, DETERMINATION.cityAttorney, DETERMINATION.handReview, DETERMINATION.notEligible];

test('the Los Angeles preset produces all of its determinations, and no reduction', () => {
  const counts = run.summary.convictionsByDetermination;
  for (const determination of LA_DETERMINATIONS) expect(counts[determination]).toBeGreaterThan(0);
  expect(Object.keys(counts).sort()).toEqual([...LA_DETERMINATIONS].sort());
  expect(run.summary.convictionsByDeterminationAndReason[DETERMINATION.notEligible]).toEqual(
    expect.objectContaining({ 'Occurred after 11/9/2016': expect.any(Number) }),
  );
});

test('the report shows each determination, with the counts of summary.json', () => {
  const html = run.reportHtml;
  const section = html.slice(html.indexOf('<section id="by-section">'), html.indexOf('<section id="funnel"'));
  for (const determination of LA_DETERMINATIONS) expect(section).toContain(`<th class="num">${determination}</th>`);
  expect(section).not.toContain(DETERMINATION.reduction);
  const totalRow = section.match(/<tr class="total">(.*)<\/tr>/)![1];
  const totals = [...totalRow.matchAll(/<td class="num">([\d,]+)<\/td>/g)].map((m) => Number(m[1].replace(/,/g, '')));
  const expected = ['Eligible for Dismissal', 'To be reviewed by City Attorney', 'Hand Review', 'Not eligible'].map((d) => run.summary.convictionsByDetermination[d]);
  expect(totals).toEqual([...expected, expected.reduce((a, b) => a + b, 0)]);
  expect(html).toContain(`<div class="figure" data-headline="peopleWithSomeRelief"><span class="number">${run.summary.subjectsWithSomeReliefCount.toLocaleString('en-US')}</span>`);
});

test('reports/ holds summary.json, statistics.csv and report.html, nothing else', () => {
  expect(run.reportKeys.sort()).toEqual(['reports/test-run/report.html', 'reports/test-run/statistics.csv', 'reports/test-run/summary.json']);
});

test('summary.json: what-if scenarios side by side, demographics with shares summing to 100', () => {
  const summary = run.summary;
  expect(summary.whatIf!.map((row) => row.key)).toEqual(['chosen', 'dismissAllProp64', 'dismissAllProp64AndRelated', 'dismiss-all', 'reference-default']);
  expect(summary.whatIf![0].subjectsWithSomeRelief).toBe(summary.subjectsWithSomeReliefCount);
  expect(summary.whatIf![1].subjectsWithSomeRelief).toBe(summary.subjectsWithProp64ConvictionCountInCounty);
  const demographics = summary.demographics!;
  expect(demographics.total).toBe(summary.subjectsWithSomeReliefCount);
  for (const table of [demographics.raceEthnicity, demographics.gender, demographics.ageBand]) {
    expect(table.total).toBe(demographics.total);
    const shares = [...table.cells.filter((c) => !c.suppressed).map((c) => c.share!), ...(table.suppressed ? [table.suppressed.share!] : [])];
    expect(shares.reduce((a, b) => a + b, 0)).toBe(100);
    for (const cell of table.cells) if (!cell.suppressed) expect(cell.count === 0 || cell.count! >= 11).toBe(true);
  }
  // the generated extract has groups small enough to need suppression somewhere
  expect([demographics.raceEthnicity, demographics.gender, demographics.ageBand].some((t) => t.suppressed !== null)).toBe(true);
});

test('statistics.csv agrees with summary.json', () => {
  const rows = parseCsvText(run.statisticsCsv);
  expect(rows[0]).toEqual(['dimension', 'value', 'count']);
  const find = (dimension: string, value: string) => rows.find((row) => row[0] === dimension && row[1] === value)?.[2];
  const s = run.summary;
  expect(find('rows', 'read')).toBe(String(s.lineCount));
  expect(find('people', 'with any relief')).toBe(String(s.subjectsWithSomeReliefCount));
  expect(find('people', 'no felony left')).toBe(String(s.reliefWithCurrentEligibilityChoices.CountSubjectsNoFelony));
  for (const [determination, count] of Object.entries(s.convictionsByDetermination)) expect(find('convictions by determination', determination)).toBe(String(count));
  const bySection = rows.filter((row) => row[0] === 'convictions by section and determination');
  const sectionTotals: Record<string, number> = {};
  for (const [, value, count] of bySection) sectionTotals[value.split(' | ')[0]] = (sectionTotals[value.split(' | ')[0]] ?? 0) + Number(count);
  expect(sectionTotals).toEqual(s.prop64ConvictionsCountInCountyByCodeSection);
  const byDecade = rows.filter((row) => row[0] === 'convictions by decade and determination').reduce((sum, row) => sum + Number(row[2]), 0);
  expect(byDecade).toBe(s.prop64FelonyConvictionsCountInCounty + s.prop64NonFelonyConvictionsCountInCounty);
});
