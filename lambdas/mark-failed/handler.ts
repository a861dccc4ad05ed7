/**
 * Mark failed: the Catch of every phase lands here with the whole state (the upload event, `plan` when Plan
 * returned, `error` from Catch). Records FAILED with the error in the ledger and writes
 * reports/<COUNTY>/<runId>/error.json. Any part of the state may be missing; I/O failures are thrown (retried:
the ledger update and error.json are idempotent).
 */
import { writeJson } from '../domain/pipeline/object-store';
import { hasErrorName, MAP_FAILED_ERROR, TaskTimedOut } from '../domain/errors';
import { handlerResources } from '../adapters/aws-clients';
import { loadHandlerConfig } from '../adapters/config';
import { describeError, instrumented, logger } from '../adapters/observability';
import {
  errorOf,
  errorReportKey,
  markFailedStateSchema,
  MarkFailedResult,
  objectCreatedEventSchema,
  parseUploadKey,
  runFailedDetail,
  runIdFor,
  timedOutTaskSchema,
  uploadOf,
} from '../workflow-contract';

const { store, ledger } = handlerResources(loadHandlerConfig());

/** The run and county of the upload event in the state, when it is one that Plan would run. */
function runOfEvent(state: unknown): { runId: string; county: string } | undefined {
  const event = objectCreatedEventSchema.safeParse(state);
  if (!event.success) return undefined;
  const key = parseUploadKey(event.data.detail.object.key);
  if (key.kind === 'ignored') return undefined;
  try {
    return { runId: runIdFor(uploadOf(event.data), key.county), county: key.county };
  } catch {
    return undefined;
  }
}


export const handler = instrumented('mark-failed', async (state, invocation): Promise<MarkFailedResult> => {
  const timedOut = timedOutTaskSchema.safeParse(state);
  if (timedOut.success) {
    // A map child's timeout branch: its cause is kept for the Mark failed that ends the run.
    invocation.tag({ runId: timedOut.data.runId });
    await ledger.recordTimedOutTask(timedOut.data.runId, timedOut.data.timedOut);
    return { recorded: true, runId: timedOut.data.runId, errorName: TaskTimedOut.errorName };
  }
  const parsed = markFailedStateSchema.parse(state);
  let error = errorOf(parsed.error);
  const fromEvent = runOfEvent(state);
  const runId = parsed.plan?.runId || fromEvent?.runId;
  if (!runId) {
    logger.warn('the failed state names no run; nothing recorded', { errorName: error.name });
    return { recorded: false, errorName: error.name };
  }
  invocation.tag({ runId });
  // Plan records the county (decoded from the key) when it claims the run: prefer it to the raw event key's. A map's
  // failure stands for a child's recorded timeout when the map says only that its tolerance was exceeded.
  const mapFailed = hasErrorName(error, MAP_FAILED_ERROR);
  const recorded = parsed.plan?.county && !mapFailed ? undefined : await ledger.getRun(runId);
  if (mapFailed && recorded?.timedOutTask !== undefined) error = { name: TaskTimedOut.errorName, message: recorded.timedOutTask };
  const county = parsed.plan?.county || recorded?.county || fromEvent?.county;
  // Without a plan, this execution may have failed before claiming a run that another execution of the same event
  // owns (a repeated event): that run is left alone.
  const marked = await ledger.markFailed(runId, { county, errorName: error.name, errorMessage: error.message }, { unlessOwnedElsewhere: !parsed.plan?.runId });
  if (!marked) {
    logger.warn('the run belongs to another execution of the same event; not marked', { errorName: error.name });
    return { recorded: false, runId, errorName: error.name };
  }
  const errorKey = county ? errorReportKey(county, runId) : undefined;
  if (errorKey !== undefined) {
    const report = { runId, county, status: 'FAILED', error: { name: error.name, message: error.message }, failedAt: new Date().toISOString() };
    await writeJson(store, errorKey, report).catch((failure: unknown) => {
      logger.error('could not write error.json', { errorName: describeError(failure).name });
      throw failure;
    });
  }
  // The counts so far, for the completion event (nothing personal: see lambdas/run-events.ts).
  const announcement = county ? runFailedDetail((await ledger.getRun(runId)) ?? { runId, rowsRead: 0, rowsRejected: 0, rowsWritten: 0, people: 0 }, county, error.name) : undefined;
  return {
    recorded: true,
    runId,
    ...(county ? { county } : {}),
    errorName: error.name,
    ...(errorKey ? { errorKey } : {}),
    ...(announcement ? { announcement } : {}),
  };
});
