/**
 * `clearance review apply --run <runId> --decisions FILE [--keep-state DIR]`: the review on the embedded stack, by
 * the cloud's own path (docs/review.md, "In the cloud"). The decision file is uploaded to
 * reviews/<COUNTY>/<runId>/<name>.csv in the kept state's bucket; that upload starts the Finalize state machine,
 * whose report, final lists and ledger record are the deployed stack's. The final lists and the review state are
 * then copied to <out>/<runId>/results/, beside the run's copied results.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { collectBytes } from '../../lambdas/domain/pipeline/object-store';
import { REVIEW_UPLOAD_PREFIX, ReviewReport, reviewKeys } from '../../lambdas/domain/review/apply';
import { runPrefixes } from '../../lambdas/workflow-contract';
import { DecisionFileRejected, RunFailed, UsageError } from '../../lambdas/domain/errors';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './private-files';
import { reportApplied } from './review-report';
import { downloadPath } from './run';
import { keptStateDir, openKeptState } from './status';

export interface ReviewRunOptions {
  run: string;
  decisions: string;
  keepState: string;
  out: string;
}

/** How long Finalize may take on the embedded stack before the command gives up waiting (it reads the run whole). */
const FINALIZE_WAIT_MS = 30 * 60_000;

export async function reviewApplyOnStackCommand(options: ReviewRunOptions): Promise<ReviewReport> {
  const name = path.basename(options.decisions);
  if (!name.toLowerCase().endsWith('.csv')) {
    throw new UsageError(`--decisions: ${name} is not a .csv file (Finalize takes reviews/<COUNTY>/<runId>/<name>.csv only)`);
  }
  const stateDir = keptStateDir(options.keepState);
  const bytes = await fs.readFile(options.decisions);
  const state = await openKeptState(stateDir, 'clearance review apply');
  try {
    const run = await state.ledger.getRun(options.run);
    if (run === undefined) {
      throw new UsageError(`--run: no run ${options.run} in ${stateDir} (clearance status --keep-state ${options.keepState} lists them)`);
    }
    const key = `${REVIEW_UPLOAD_PREFIX}${run.county}/${run.runId}/${name}`;
    await state.store.write(key, [bytes]);
    const started = await state.stack.executionStartedBy(key, { timeoutMs: 30_000 });
    const ended = await state.stack.waitForExecution(started.executionArn, { timeoutMs: FINALIZE_WAIT_MS });
    const { resultsPrefix, reportsPrefix } = runPrefixes(run.runId, run.county);
    const keys = reviewKeys(resultsPrefix, `${reportsPrefix}summary.json`);
    // Finalize writes the report before it ends, applied or rejected; any other ending is a fault of the stack.
    const rejected = ended.status === 'FAILED' && ended.error === DecisionFileRejected.errorName;
    if (ended.status !== 'SUCCEEDED' && !rejected) {
      throw new RunFailed(`Finalize ended ${ended.status}: ${ended.error ?? ''} ${ended.cause ?? ''}`.trim());
    }
    const report = JSON.parse((await collectBytes(state.store.read(keys.report))).toString('utf8')) as ReviewReport;
    const outDir = path.join(options.out, run.runId, 'results');
    await copyOut(state, resultsPrefix, [`${resultsPrefix}final/`, `${resultsPrefix}reviews/`], outDir);
    if (report.status === 'REJECTED') {
      for (const problem of report.problems) process.stderr.write(`${report.file}${problem.line === null ? '' : `:${problem.line}`}: ${problem.message}\n`);
      throw new DecisionFileRejected(
        `${report.file} rejected: ${report.problems.length} problem(s), nothing applied (see ${path.join(outDir, 'reviews', 'review_report.json')})`,
      );
    }
    reportApplied(report, path.join(outDir, 'final'));
    return report;
  } finally {
    await state.close();
  }
}

/** Copies the objects under `prefixes` (below `base`) to `outDir`, owner-only, as `clearance run` copies results. */
async function copyOut(state: Awaited<ReturnType<typeof openKeptState>>, base: string, prefixes: readonly string[], outDir: string): Promise<void> {
  await fs.mkdir(outDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  for (const prefix of prefixes) {
    for (const key of await state.store.list(prefix)) {
      const file = downloadPath(outDir, base, key);
      await fs.mkdir(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
      await state.stack.exportObject(key, file);
      await fs.chmod(file, PRIVATE_FILE_MODE);
    }
  }
}
