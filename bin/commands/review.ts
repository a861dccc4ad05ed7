/**
 * `clearance review`: the prosecutor's review on the output folder of a run (docs/review.md).
 * - `template --results DIR --out FILE`: the run's review list as a decision file to fill in.
 * - `apply --results DIR --decisions FILE`: checks the file whole; if it has no problem, it becomes the run's next
 *   review round and DIR/final/ is rebuilt (court_motion_list.csv, defender_notice_list.csv, decisions.jsonl).
 * DIR is the folder holding review_list.csv (the run's results); summary.json is read from DIR or, when the reports
 * are kept apart, from DIR/../reports/. The rounds are kept in DIR/reviews/, the report of the latest attempt in
 * DIR/reviews/review_report.json.
 */
import { createReadStream, existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FsObjectStore } from '../../local/fs-object-store';
import { loadRun, ReviewReport, reviewKeys } from '../../lambdas/domain/review/apply';
import { applyDecisionFile } from '../../lambdas/domain/review/fan-out';
import { decisionTemplate } from '../../lambdas/domain/review/decisions';
import { DecisionFileRejected, UsageError } from '../../lambdas/domain/errors';
import { reportApplied } from './review-report';
import { codeVersion } from '../../lib/code-version';


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

const mib = (n: number | undefined) => (n === undefined ? undefined : n * 1024 * 1024);

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

export async function reviewApplyCommand(options: { results: string; decisions: string; rangeMb?: number; partitionMb?: number }): Promise<ReviewReport> {
  const dir = await resultsFolder(options.results);
  const store = new FsObjectStore(dir);
  const keys = localReviewKeys(dir);
  if (!existsSync(options.decisions)) throw new UsageError(`--decisions: ${path.resolve(options.decisions)} does not exist`);
  const bytes = createReadStream(options.decisions);
  // The fan-out's tasks one at a time: this process holds one range or one partition of people at once.
  const sizing = { concurrency: 1, rangeBytes: mib(options.rangeMb), partitionBytes: mib(options.partitionMb) };
  const report = await applyDecisionFile(store, keys, { name: path.basename(options.decisions), bytes }, codeVersion(), sizing);
  await store.write(keys.report, [Buffer.from(`${JSON.stringify(report, null, 2)}\n`, 'utf8')]);
  if (report.status === 'REJECTED') {
    for (const problem of report.problems) process.stderr.write(`${report.file}${problem.line === null ? '' : `:${problem.line}`}: ${problem.message}\n`);
    throw new DecisionFileRejected(`${report.file} rejected: ${report.problems.length} problem(s), nothing applied (see ${path.join(dir, keys.report)})`);
  }
  reportApplied(report, path.join(dir, 'final'));
  return report;
}
