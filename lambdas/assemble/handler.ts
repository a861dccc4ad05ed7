/**
 * Assemble: the partitions merged back into input order (results/), summary.json and rejects (reports/, results/),
 * and the run closed in the ledger with the summary's counts. A RunError (too many rejects, unknown county, ...)
 * propagates with its name after summary.json is written; Catch sends it to Mark failed.
 */
import { DETERMINATION } from '../domain/decision';
import { assembleRun } from '../domain/pipeline/assemble';
import { RunPlan } from '../domain/pipeline/plan';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { RunRecord } from '../adapters/ledger';
import { instrumented } from '../adapters/observability';
import { assembleEventSchema, AssembleTaskResult, loadRunPlan, parseInput } from '../workflow-contract';
import { isMergeThread, MergeThread, mergeOnTwoThreads, serveMergeThread, startMergeThread } from './merge-threads';

const { store, ledger } = handlerResources(loadHandlerConfig());

// This module is also the entry of Assemble's second merge thread.
if (isMergeThread()) serveMergeThread(store);
/** The merges run on two threads where this module is JavaScript a thread can load (not under ts-jest). */
const threadedMerges = __filename.endsWith('.js');

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

export const handler = instrumented('assemble', async (event, invocation): Promise<AssembleTaskResult> => {
  const { runId } = parseInput(assembleEventSchema, event, 'assemble event');
  invocation.tag({ runId });
  const thread = threadedMerges ? startMergeThread(__filename) : undefined;
  try {
    return await assemble(runId, thread);
  } finally {
    await thread?.stop();
  }
});

async function assemble(runId: string, thread: MergeThread | undefined): Promise<AssembleTaskResult> {
  const plan = await loadRunPlan(store, runId);
  const run = await ledger.getRun(runId);
  const startedAt = new Date();
  await ledger.updateRun(runId, 'ASSEMBLING', { assembleStartedAt: startedAt.toISOString() });

  const mergeOptions = thread ? { merge: (runPlan: RunPlan) => mergeOnTwoThreads(thread, store, runPlan) } : {};
  const { summary, outputs } = await assembleRun(store, plan, phaseTimings(run, startedAt), mergeOptions);
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
