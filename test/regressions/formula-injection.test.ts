/**
 * Regression (issue 17, point 1): cells of an extract that start a spreadsheet formula came out as live formulas in
 * the court and defender lists and rejects.csv. They are neutralised there always, and in the three reference-format
 * CSVs with excel-safe; without it those stay as the input had them (reference parity).
 */
import { fieldStartsFormula } from '../../lambdas/domain/csv/writer';
import { parseCsvText } from '../helpers/csv-compare';
import { convictionRow, dojCsv, DOJ_HEADER } from '../helpers/doj-rows';
import { runFixture } from '../helpers/run-fixture';

const OFN = "=2+5+cmd|' /C calc'!A0";
const NAME = '=HYPERLINK("http://x","y")';
const REJECTED_LINE = "=1+1*cmd|' /C calc'!A0,x,y";
const POLICY = { baselineEligibility: { dismiss: ['11357'], reduce: ['11359', '11360'] } };

function extract(): string {
  const rows = [
    convictionRow({ subjectId: 'S1', offense: '11357 HS-POSSESS', date: '20010101', ofn: OFN, extra: { PRI_NAME: NAME, CII_NUMBER: '@SUM(1+1)' } }),
    // a malformed date: hand review, so a defender notice line
    convictionRow({ subjectId: 'S2', offense: '11358 HS', date: '20030000', ofn: '-2+3', extra: { PRI_NAME: '+1+cmd', COMMENT_TEXT: '\t=1+1' } }),
    convictionRow({ subjectId: 'S3', offense: '11359 HS', date: '20050505', ofn: 'CASE-3', extra: { PRI_NAME: '\r=1+1' } }),
  ];
  const [header, ...lines] = dojCsv(rows).split('\n');
  expect(header).toBe(DOJ_HEADER);
  return [header, lines[0], REJECTED_LINE, ...lines.slice(1)].join('\n');
}

async function run(excelSafe: boolean) {
  const result = await runFixture({
    files: [{ name: '=evil.csv', content: extract() }],
    county: 'SACRAMENTO',
    computeAt: '2020-07-01',
    policy: POLICY,
    maxRejectRatio: 1,
    excelSafe,
  });
  const results = result.plan.resultsPrefix;
  return {
    ...result,
    courtMotions: result.store.text(`${results}court_motion_list.csv`),
    defenderNotices: result.store.text(`${results}defender_notice_list.csv`),
  };
}

/** Cells (past the header) that a spreadsheet would read as a formula. */
function formulaCells(text: string): string[] {
  return parseCsvText(text)
    .slice(1)
    .flat()
    .filter((cell) => fieldStartsFormula(cell));
}

describe('derived files are always neutralised', () => {
  test('court and defender lists, rejects.csv: no cell starts a formula; the text is kept behind a quote', async () => {
    const out = await run(false);
    for (const file of [out.courtMotions, out.defenderNotices, out.rejects]) expect(formulaCells(file)).toEqual([]);
    const identity = (text: string) => {
      const [header, ...lines] = parseCsvText(text);
      const at = ['Case Number', 'CII Number', 'Name'].map((column) => header.indexOf(column));
      return lines.map((cells) => at.map((i) => cells[i]));
    };
    expect(identity(out.courtMotions)).toEqual([
      [`'${OFN}`, "'@SUM(1+1)", `'${NAME}`],
      ['CASE-3', '', "'\r=1+1"],
    ]);
    expect(identity(out.defenderNotices)).toEqual([["'-2+3", '', "'+1+cmd"]]);
    const rejects = parseCsvText(out.rejects);
    expect(rejects[1][0]).toBe("'=evil.csv");
    expect(rejects[1][4]).toBe(`'${REJECTED_LINE}`);
  });
});

describe('the reference-format CSVs', () => {
  test('without excel-safe: as the input had them (reference parity)', async () => {
    const out = await run(false);
    const rows = parseCsvText(out.allResults);
    expect(rows[1]).toContain(NAME);
    expect(rows[1]).toContain(OFN);
    expect(formulaCells(out.condensed).length).toBeGreaterThan(0);
  });

  test('with excel-safe: no cell of All_Results, Prop64_Results or the condensed file starts a formula, otherwise unchanged', async () => {
    const [plain, safe] = [await run(false), await run(true)];
    for (const file of ['allResults', 'prop64Results', 'condensed'] as const) {
      expect(formulaCells(safe[file])).toEqual([]);
      const neutralised = parseCsvText(plain[file]).map((cells, row) => (row === 0 ? cells : cells.map((cell) => (fieldStartsFormula(cell) ? `'${cell}` : cell))));
      expect(parseCsvText(safe[file])).toEqual(neutralised);
    }
    expect(safe.summary.subjectsWithSomeReliefCount).toBe(plain.summary.subjectsWithSomeReliefCount);
  });
});
