/**
 * Assemble: the partitions merged back into input order (results/), summary.json and rejects (reports/, results/),
 * and the run closed in the ledger with the summary's counts. A RunError (too many rejects, unknown county, ...)
 * propagates with its name after summary.json is written; Catch sends it to Mark failed.
 */
import { DETERMINATION } from '../domain/decision';
import { assembleRun } from '../domain/pipeline/assemble';
import { assembleSlice } from '../domain/pipeline/output-slices';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { RunRecord } from '../adapters/ledger';
import { instrumented } from '../adapters/observability';
import { assembleEventSchema, AssembleSliceTaskResult, AssembleTaskResult, loadRunPlan, parseInput } from '../workflow-contract';

const { store, ledger } = handlerResources(loadHandlerConfig());

/** Seconds per phase from the ledger's timestamps (a phase ends when the next one may start). */
export function phaseTimings(run: RunRecord | undefined, assembleStartedAt: Date): Record<string, number> {
  const timings: Record<string, number> = {};
  if (run === undefined) return timings;
  const seconds = (from: string | undefined, to: string | undefined) =>
    from === undefined || to === undefined ? undefined : Math.max(0, (Date.parse(to) - Date.parse(from)) / 1000);
  const phases: Array<[string, string | undefined, string | undefined]> = [
    ['plan', run.startedAt, run.planEndedAt],
    ['split', run.planEndedAt, run.splitEndedAt],
    ['classify', run.splitEndedAt ?? run.planEndedAt, run.classifyEndedAt ?? assembleStartedAt.toISOString()],
  ];
  for (const [phase, from, to] of phases) {
    const value = seconds(from, to);
    if (value !== undefined) timings[phase] = value;
  }
  return timings;
}

export const handler = instrumented('assemble', async (event, invocation): Promise<AssembleTaskResult | AssembleSliceTaskResult> => {
  const { runId, slice } = parseInput(assembleEventSchema, event, 'assemble event');
  invocation.tag({ runId });
  if (slice !== undefined) {
    // One output slice, a child of the Assemble map: its parts of every output (output-slices.ts).
    const result = await assembleSlice(store, await loadRunPlan(store, runId), slice);
    return { slice, rowsWritten: result.rowsPerFile.reduce((sum, rows) => sum + rows, 0) };
  }
  return publish(runId);
});

/** Publish: the slices' parts joined, the checks, reports and summary, the run closed in the ledger. */
async function publish(runId: string): Promise<AssembleTaskResult> {
  const plan = await loadRunPlan(store, runId);
  const run = await ledger.getRun(runId);
  const startedAt = new Date();
  await ledger.updateRun(runId, 'ASSEMBLING', { assembleStartedAt: startedAt.toISOString() });

  // The Assemble map ran the slices before this task.
  const { summary, outputs } = await assembleRun(store, plan, phaseTimings(run, startedAt), { runSlices: async () => undefined });
  await ledger.updateRun(runId, 'SUCCEEDED', {
    endedAt: new Date().toISOString(),
    summaryKey: outputs.summary,
    rowsRead: summary.rowsRead,
    rowsRejected: summary.rowsRejected,
    rowsWritten: summary.rowsWritten,
    people: summary.people,
    dismissals: summary.convictionsByDetermination[DETERMINATION.dismissal] ?? 0,
    reductions: summary.convictionsByDetermination[DETERMINATION.reduction] ?? 0,
    statistics: {
      convictions: summary.convictions,
      blankLines: summary.blankLines,
      peopleWithRejectedRows: summary.peopleWithRejectedRows,
      subjectsWithProp64Conviction: summary.subjectsWithProp64ConvictionCountInCounty,
      subjectsWithSomeRelief: summary.subjectsWithSomeReliefCount,
      prop64FelonyConvictions: summary.prop64FelonyConvictionsCountInCounty,
      prop64NonFelonyConvictions: summary.prop64NonFelonyConvictionsCountInCounty,
      convictionsByDetermination: summary.convictionsByDetermination,
    },
  });
  return {
    runId,
    county: plan.county,
    status: 'SUCCEEDED',
    rowsRead: summary.rowsRead,
    rowsRejected: summary.rowsRejected,
    rowsWritten: summary.rowsWritten,
    people: summary.people,
    summaryKey: outputs.summary,
  };
}
