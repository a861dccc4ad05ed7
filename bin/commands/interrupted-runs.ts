/**
 * Runs left unfinished by a local process that died. On one machine the state machine executes inside the
 * `clearance` process, so when that process is killed (or crashes) its executions die with it and nothing will
 * ever move their runs on: the ledger would show them PLANNING...ASSEMBLING forever. A kept state directory is
 * opened by one process at a time (its lock, state-lock.ts), so whatever run is still in progress in it when a
 * process opens it was left by a process that is gone. Such a run is closed as Mark failed
 * would close it: FAILED `Interrupted` in the ledger and reports/<COUNTY>/<runId>/error.json. What it published
 * stays as it is: only whole objects, and no summary.json (Assemble publishes that last).
 *
 * On AWS nothing of the kind is needed: an execution outlives any one Lambda, and Step Functions retries or
 * catches the failures of its tasks.
 */
import { RunLedger, RunRecord } from '../../lambdas/adapters/ledger';
import { ObjectStore, writeJson } from '../../lambdas/domain/pipeline/object-store';
import { errorReportKey } from '../../lambdas/workflow-contract';

export const INTERRUPTED_ERROR = 'Interrupted';

const FINISHED: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED']);

/** Marks every unfinished run of the ledger FAILED `Interrupted`; returns them. Call before starting any run. */
export async function markInterruptedRuns(ledger: RunLedger, store: ObjectStore, now: () => Date = () => new Date()): Promise<RunRecord[]> {
  const runs = await ledger.listRuns({ limit: Number.MAX_SAFE_INTEGER });
  const interrupted = runs.filter((run) => !FINISHED.has(run.status));
  for (const run of interrupted) {
    const message =
      `interrupted in ${run.status}: the local process running it stopped before the run finished; ` +
      'nothing was published but whole outputs, and no summary.json; upload the extract again (clearance run) to rerun it';
    // The report first: a process dying in between leaves the run unfinished, to be closed by the next one.
    if (run.county) {
      await writeJson(store, errorReportKey(run.county, run.runId), {
        runId: run.runId,
        county: run.county,
        status: 'FAILED',
        error: { name: INTERRUPTED_ERROR, message },
        failedAt: now().toISOString(),
      });
    }
    await ledger.markFailed(run.runId, { county: run.county, errorName: INTERRUPTED_ERROR, errorMessage: message });
  }
  return interrupted;
}
