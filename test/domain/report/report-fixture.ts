/**
 * For the report tests: generated extracts as rows or text, and a whole run (runInProcess on an in-memory
 * store) with every output of issue 5 read back: report.html, statistics.csv, summary.json and the court lists.
 */
import { generateExtract, GenerateOptions } from '../../../tools/generator';
import { OUTPUT_FILES } from '../../../lambdas/domain/pipeline/assemble';
import { parseCsvText } from '../../helpers/csv-compare';
import { csvRecord, DOJ_HEADER } from '../../helpers/doj-rows';
import { FixtureRequest, FixtureResult, runFixture } from '../../helpers/run-fixture';

/** A generated extract's data rows (header excluded). */
export function generatedRows(options: Omit<GenerateOptions, 'header'>): string[][] {
  return parseCsvText([...generateExtract({ ...options, header: false })].join(''));
}

/** Rows back to extract text, with the header. */
export function extractText(rows: ReadonlyArray<readonly string[]>): string {
  return `${DOJ_HEADER}\n${rows.map((row) => csvRecord(row)).join('\n')}\n`;
}

export interface ReportRun extends FixtureResult {
  reportHtml: string;
  statisticsCsv: string;
  courtMotions: string;
  defenderNotices: string;
  cityAttorneyReferrals: string;
  undecided: string;
  /** Every key the run wrote under reports/. */
  reportKeys: string[];
}

export async function runReport(request: FixtureRequest): Promise<ReportRun> {
  const result = await runFixture(request);
  const runId = request.runId ?? 'test-run';
  const reports = `reports/${runId}/`;
  const results = `results/${runId}/`;
  return {
    ...result,
    reportHtml: result.store.text(`${reports}${OUTPUT_FILES.report}`, 'utf8'),
    statisticsCsv: result.store.text(`${reports}${OUTPUT_FILES.statistics}`, 'utf8'),
    courtMotions: result.store.text(`${results}${OUTPUT_FILES.courtMotions}`),
    defenderNotices: result.store.text(`${results}${OUTPUT_FILES.defenderNotices}`),
    cityAttorneyReferrals: result.store.text(`${results}${OUTPUT_FILES.cityAttorneyReferrals}`),
    undecided: result.store.text(`${results}${OUTPUT_FILES.undecided}`),
    reportKeys: result.store.keys().filter((key) => key.startsWith('reports/')),
  };
}
