/**
 * Reconcile: the input is the "Step Functions Execution Status Change" event of a workflow execution that ended
 * FAILED, TIMED_OUT or ABORTED. When that execution claimed a run that is still in progress (Mark failed never ran:
 * a timeout, a stop, a failure outside the Catch path), the run is marked FAILED and error.json written, as Mark failed
 * would have. A run already ended, or owned by another execution of the same upload, is left alone. Idempotent: a
 * repeated event finds the run FAILED by this execution and only rewrites error.json.
 */
import { writeJson } from '../domain/pipeline/object-store';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { addCount, instrumented, logger } from '../adapters/observability';
import { errorReportKey, parseInput, runFailedDetail } from '../workflow-contract';
import { endedExecution, executionStatusChangeSchema, ReconcileResult } from '../operations';

const { store, ledger } = handlerResources(loadHandlerConfig());

export const handler = instrumented('reconcile', async (event, invocation): Promise<ReconcileResult> => {
  const change = parseInput(executionStatusChangeSchema, event, 'execution status change event');
  const ended = endedExecution(change);
  if ('ignored' in ended) {
    logger.info('nothing to reconcile', { reason: ended.ignored });
    return { reconciled: false, reason: ended.ignored };
  }
  const { runId, executionArn, errorName, errorMessage } = ended;
  invocation.tag({ runId });
  let run = await ledger.markExecutionEnded(runId, executionArn, { errorName, errorMessage });
  if (run === undefined) {
    const current = await ledger.getRun(runId);
    // Marked by an earlier delivery of this event whose error.json may not have been written: write it again.
    const markedByThis = current?.status === 'FAILED' && current.executionId === executionArn && current.errorName === errorName;
    if (!current || !markedByThis) {
      const reason = !current
        ? 'the run has no ledger item'
        : current.executionId !== executionArn
          ? 'the run belongs to another execution of the same upload'
          : `the run has already ended ${current.status}`;
      logger.info('nothing to reconcile', { reason });
      return { reconciled: false, runId, reason };
    }
    run = current;
  }
  const county = run.county || ended.county;
  const errorKey = errorReportKey(county, runId);
  const failedAt = run.endedAt ?? new Date().toISOString();
  await writeJson(store, errorKey, { runId, county, status: 'FAILED', error: { name: errorName, message: errorMessage }, failedAt });
  addCount('RunsReconciled', 1);
  logger.warn('run marked FAILED for its ended execution', { errorName, executionStatus: change.detail.status });
  return { reconciled: true, runId, county, errorName, errorKey, announcement: runFailedDetail(run, county, errorName) };
});
