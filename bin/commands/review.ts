/**
 * `clearance review`: the prosecutor's review on the output folder of a run (docs/review.md).
 * - `template --results DIR --out FILE`: the run's review list as a decision file to fill in.
 * - `apply --results DIR --decisions FILE`: checks the file whole; if it has no problem, it becomes the run's next
 *   review round and DIR/final/ is rebuilt (court_motion_list.csv, defender_notice_list.csv, decisions.jsonl).
 * DIR is the folder holding review_list.csv (the run's results); summary.json is read from DIR or, when the reports
 * are kept apart, from DIR/../reports/. The rounds are kept in DIR/reviews/, the report of the latest attempt in
 * DIR/reviews/review_report.json.
 */
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FsObjectStore } from '../../local/fs-object-store';
import { applyDecisionFile, loadRun, ReviewReport, reviewKeys } from '../../lambdas/domain/review/apply';
import { decisionTemplate } from '../../lambdas/domain/review/decisions';
import { DecisionFileRejected } from '../../lambdas/domain/errors';
import { reportApplied } from './review-report';


/** The keys of a run's review in its local results folder (the layout of results/<COUNTY>/<runId>/ in the bucket). */
export function localReviewKeys(resultsDir: string): ReturnType<typeof reviewKeys> {
  const beside = path.join(resultsDir, 'summary.json');
  const apart = path.resolve(resultsDir, '..', 'reports', 'summary.json');
  const summary = existsSync(beside) || !existsSync(apart) ? 'summary.json' : apart;
  // The review state goes into every summary.json of the run and its report.html (in reports/ when kept apart).
  const reportsApart = existsSync(apart);
  return reviewKeys('', summary, {
    summaries: reportsApart && summary !== apart ? [summary, apart] : [summary],
    html: reportsApart ? path.resolve(resultsDir, '..', 'reports', 'report.html') : 'report.html',
  });
}

/** `record-clearance@<version>` of the code running, from the package's package.json. */
export function codeVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'record-clearance') return `${pkg.name}@${pkg.version}`;
    }
    if (path.dirname(dir) === dir) return 'record-clearance@unknown';
  }
}

async function resultsFolder(dir: string): Promise<string> {
  const resolved = path.resolve(dir);
  if (!existsSync(resolved)) throw new Error(`--results: ${resolved} does not exist`);
  return resolved;
}

export async function reviewTemplateCommand(options: { results: string; out: string }): Promise<void> {
  const dir = await resultsFolder(options.results);
  const run = await loadRun(new FsObjectStore(dir), localReviewKeys(dir));
  if ('problem' in run) throw new Error(`${dir}: ${run.problem.message}`);
  await fs.writeFile(options.out, decisionTemplate(run.items), 'latin1');
  const required = run.items.filter((item) => item.review === 'Required').length;
  process.stderr.write(`wrote ${path.resolve(options.out)}: ${run.items.length} convictions, ${required} needing a decision\n`);
}

export async function reviewApplyCommand(options: { results: string; decisions: string }): Promise<ReviewReport> {
  const dir = await resultsFolder(options.results);
  const store = new FsObjectStore(dir);
  const keys = localReviewKeys(dir);
  const bytes = await fs.readFile(options.decisions);
  const report = await applyDecisionFile(store, keys, { name: path.basename(options.decisions), bytes }, codeVersion());
  await store.write(keys.report, [Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8')]);
  if (report.status === 'REJECTED') {
    for (const problem of report.problems) process.stderr.write(`${report.file}${problem.line === null ? '' : `:${problem.line}`}: ${problem.message}\n`);
    throw new DecisionFileRejected(`${report.file} rejected: ${report.problems.length} problem(s), nothing applied (see ${path.join(dir, keys.report)})`);
  }
  reportApplied(report, path.join(dir, 'final'));
  return report;
}
