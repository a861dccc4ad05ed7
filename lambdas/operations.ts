/**
 * What the operations functions receive and decide: the "Step Functions Execution Status Change" event the reconciler
 * gets, which ended executions leave their run open, and which runs in progress have stopped changing. No I/O here.
 */
import * as z from 'zod';
import type { RunRecord } from './adapters/ledger';
import { ENDED_EXECUTION_STATUSES, EXECUTION_STATUS_CHANGE } from './domain/defaults';
import { objectCreatedEventSchema, parseUploadKey, runIdFor, uploadOf } from './workflow-contract';


/** The EventBridge event Step Functions sends when an execution changes status (the fields the reconciler reads). */
export const executionStatusChangeSchema = z.object({
  'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
  source: z.literal('aws.states'),
  detail: z.object({
    executionArn: z.string().min(1),
    stateMachineArn: z.string().min(1),
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']),
    /** The execution's input as JSON text; null when it was too large to include. */
    input: z.string().nullable().optional(),
    error: z.string().nullable().optional(),
    cause: z.string().nullable().optional(),
  }),
});
export type ExecutionStatusChange = z.output<typeof executionStatusChangeSchema>;

/** What an ended execution means for its run: the run (from the upload event it was started with) and the error. */
export interface EndedExecution {
  runId: string;
  county: string;
  executionArn: string;
  errorName: string;
  errorMessage: string;
}

const ERROR_NAMES: Record<string, string> = { TIMED_OUT: 'ExecutionTimedOut', ABORTED: 'ExecutionAborted', FAILED: 'ExecutionFailed' };

/**
 * The run an ended execution was working on, or why there is nothing to reconcile: a status that is not an end, an
 * input that is not an upload event Plan would run (the run id is derived from it exactly as Plan derives it).
 */
export function endedExecution(event: ExecutionStatusChange): EndedExecution | { ignored: string } {
  const { detail } = event;
  if (!(ENDED_EXECUTION_STATUSES as readonly string[]).includes(detail.status)) return { ignored: `status ${detail.status} is not an end` };
  let input: unknown;
  try {
    input = JSON.parse(detail.input ?? 'null');
  } catch {
    return { ignored: 'the execution input is not JSON' };
  }
  const upload = objectCreatedEventSchema.safeParse(input);
  if (!upload.success) return { ignored: 'the execution input is not an upload event' };
  const key = parseUploadKey(upload.data.detail.object.key);
  if (key.kind === 'ignored') return { ignored: `the upload starts no run (${key.reason})` };
  let runId: string;
  try {
    runId = runIdFor(uploadOf(upload.data), key.county);
  } catch {
    return { ignored: 'the upload event names no object version' };
  }
  const errorName = detail.status === 'FAILED' && detail.error ? detail.error : ERROR_NAMES[detail.status];
  const what = detail.status === 'FAILED' ? `failed${detail.error ? ` (${detail.error})` : ''}` : detail.status === 'TIMED_OUT' ? 'timed out' : 'was stopped';
  const cause = detail.cause ? `: ${detail.cause}` : '';
  const executionName = detail.executionArn.slice(detail.executionArn.lastIndexOf(':') + 1);
  return {
    runId,
    county: key.county,
    executionArn: detail.executionArn,
    errorName,
    errorMessage: `execution ${executionName} ${what} before recording the end of the run${cause}`.slice(0, 2000),
  };
}

/** Runs in progress whose ledger item has not changed for `staleAfterMs` at `now`, oldest change first. */
export function staleRuns(runs: readonly RunRecord[], now: Date, staleAfterMs: number): RunRecord[] {
  const cutoff = now.getTime() - staleAfterMs;
  return runs.filter((run) => Date.parse(run.updatedAt) <= cutoff).sort((a, b) => Date.parse(a.updatedAt) - Date.parse(b.updatedAt));
}

export interface ReconcileResult {
  /** True when the run was marked FAILED (and error.json written) by this call. */
  reconciled: boolean;
  runId?: string;
  county?: string;
  errorName?: string;
  /** reports/<COUNTY>/<runId>/error.json, when reconciled. */
  errorKey?: string;
  /** Why nothing was reconciled. */
  reason?: string;
  /** The `Clearance Run Failed` event detail the reconciler puts on the bus, when reconciled. */
  announcement?: import('./run-events').RunFailedDetail;
}
