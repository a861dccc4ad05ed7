/** Classify: one partition of people → classified rows and partial statistics (runs/<runId>/classify/...). */
import { DETERMINATION } from '../domain/decision';
import { classifyPartition } from '../domain/pipeline/classify-partition';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { addCount, instrumented } from '../adapters/observability';
import { classifyEventSchema, ClassifyTaskResult, loadRunPlan, parseInput } from '../workflow-contract';
import { InputError } from '../domain/errors';

const { store, ledger } = handlerResources(loadHandlerConfig());

function total(counts: Record<string, number> | undefined): number {
  return Object.values(counts ?? {}).reduce((sum, n) => sum + n, 0);
}

export const handler = instrumented('classify', async (event, invocation): Promise<ClassifyTaskResult> => {
  const { runId, partition } = parseInput(classifyEventSchema, event, 'classify event');
  invocation.tag({ runId, partition });
  const plan = await loadRunPlan(store, runId);
  if (partition >= plan.partitionCount) {
    throw new InputError(`classify event: partition ${partition} is out of range; run ${runId} has ${plan.partitionCount}`);
  }
  const statistics = await classifyPartition(store, plan, partition);
  const byDetermination = statistics.convictionsByDeterminationAndReason;
  const progress = await ledger.recordPartitionDone(runId, partition, {
    rowsWritten: statistics.rowsWritten,
    people: statistics.people,
    dismissals: total(byDetermination[DETERMINATION.dismissal]),
    reductions: total(byDetermination[DETERMINATION.reduction]),
  });
  if (progress.counted) addCount('RowsClassified', statistics.rowsWritten);
  return { partition, rowsClassified: statistics.rowsWritten, people: statistics.people };
});
