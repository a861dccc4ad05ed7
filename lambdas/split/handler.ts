/**
 * Split: one byte range of one input file → one range object of rows routed to partitions (runs/<runId>/split/...),
 * rejects recorded. Invoked once more after the Split map with `{ runId, indexSlices: true }`: the ranges' slice
 * boundaries gathered into the slice index that the Classify tasks read (slice-index.ts).
 */
import { splitRange } from '../domain/pipeline/split';
import { indexSlices } from '../domain/pipeline/slice-index';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { addCount, instrumented } from '../adapters/observability';
import { IndexTaskResult, indexEventSchema, loadRunPlan, parseInput, splitEventSchema, SplitTaskResult } from '../workflow-contract';
import { InputError } from '../domain/errors';

const { store, ledger } = handlerResources(loadHandlerConfig());

export const handler = instrumented('split', async (event, invocation): Promise<SplitTaskResult | IndexTaskResult> => {
  if (event !== null && typeof event === 'object' && 'indexSlices' in event) {
    const { runId } = parseInput(indexEventSchema, event, 'index event');
    invocation.tag({ runId });
    const plan = await loadRunPlan(store, runId);
    return { rangesIndexed: await indexSlices(store, plan) };
  }
  const { runId, range } = parseInput(splitEventSchema, event, 'split event');
  invocation.tag({ runId, rangeIndex: range.index });
  const plan = await loadRunPlan(store, runId);
  const planned = plan.ranges[range.index];
  if (planned === undefined || planned.fileIndex !== range.fileIndex || planned.start !== range.start || planned.end !== range.end) {
    throw new InputError(`split event: range ${JSON.stringify(range)} is not range ${range.index} of run ${runId}'s plan`);
  }
  const result = await splitRange(store, plan, planned);
  const { rowsRead, rowsRejected } = result.statistics;
  const progress = await ledger.recordRangeDone(runId, range.index, { rowsRead, rowsRejected });
  // A retried range was counted the first time: count its metrics once too.
  if (progress.counted) {
    addCount('RowsRead', rowsRead);
    addCount('RowsRejected', rowsRejected);
  }
  return { rangeIndex: range.index, rowsRead, rowsRejected };
});
