/** `clearance status [RUN_ID]`: runs from the ledger (embedded state kept with --keep-state, or a deployed stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { IN_PROGRESS_STATUSES, RunLedger, RunRecord } from '../../lambdas/adapters/ledger';
import { deployedStackClients, describeRunExecution, executionAgrees, ExecutionState, regionOfArn } from './aws-stack';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { markInterruptedRuns } from './interrupted-runs';
import { restrictTree } from './private-files';
import { acquireStateLock, lockHolder } from './state-lock';
import { synthTemplate } from './synth-template';
import type { EmbeddedStack } from '../../local/embedded-stack';
import { InputError, StateInUseError, UsageError } from '../../lambdas/domain/errors';

export interface StatusOptions {
  keepState: string;
  aws?: boolean;
  table?: string;
  /** With --aws: the stack's region comes from it (and the executions are looked up). */
  stateMachineArn?: string;
  county?: string;
  limit: number;
}

function duration(run: RunRecord): string {
  if (!run.endedAt) return '-';
  return `${((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`;
}

/**
 * The runs as a table. With `executions` (run id → the execution's state where it disagrees with the ledger), an
 * EXECUTION column shows it, e.g. `ABORTED` for a run the ledger still has in CLASSIFYING.
 */
export function formatRuns(runs: RunRecord[], executions?: ReadonlyMap<string, ExecutionState>): string {
  const header = ['RUN', 'COUNTY', 'STATUS', 'STARTED', 'ROWS', 'REJECTED', 'DISMISSALS', 'REDUCTIONS', 'DURATION', ...(executions ? ['EXECUTION'] : [])];
  const rows = runs.map((run) => [run.runId, run.county, run.status, run.startedAt.slice(0, 19), String(run.rowsRead), String(run.rowsRejected),
    String(run.dismissals), String(run.reductions), duration(run), ...(executions ? [executions.get(run.runId)?.status ?? ''] : [])]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** A kept state folder opened by this process alone (its lock taken): the ledger, the bucket and the stack. */
export interface KeptState {
  ledger: RunLedger;
  store: S3ObjectStore;
  stack: EmbeddedStack;
  close(): Promise<void>;
}

/** Where `clearance run --keep-state` keeps its state, checked: an existing folder. */
export function keptStateDir(typed: string): string {
  const stateDir = path.resolve(typed);
  if (!existsSync(stateDir)) {
    throw new UsageError(`no embedded state at ${stateDir}: runs are kept only with \`clearance run --keep-state ${typed}\``);
  }
  return stateDir;
}

/**
 * Opens a kept state folder for `command`: takes its lock (StateInUseError when another process holds it), starts
 * the stand-ins on it and closes the runs a dead process left unfinished (no process holds them now).
 */
export async function openKeptState(stateDir: string, command: string): Promise<KeptState> {
  const lock = await acquireStateLock(stateDir, command);
  try {
    await restrictTree(stateDir);
    const { startEmbeddedStack } = await import('../../local/embedded-stack');
    const stack = await startEmbeddedStack({ template: synthTemplate(), keepStateDir: stateDir, workers: 1, functionLogs: 'discard' });
    const ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
    const store = new S3ObjectStore(new S3Client(stack.s3Config), stack.bucketName());
    const close = async () => {
      await stack.stop();
      await lock.release();
    };
    await markInterruptedRuns(ledger, store).catch(async (error: unknown) => {
      await close();
      throw error;
    });
    return { ledger, store, stack, close };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** How long `status` waits for a process that holds the state to publish its ledger (a stack starting). */
const HOLDER_WAIT_MS = 10_000;

/** The ledger of the live process holding `stateDir`, read through that process; undefined when none holds it. */
async function ledgerOfHolder(stateDir: string): Promise<RunLedger | undefined> {
  const deadline = Date.now() + HOLDER_WAIT_MS;
  for (;;) {
    const holder = await lockHolder(stateDir);
    if (!holder) return undefined;
    if (holder.ledger) {
      process.stderr.write(`${stateDir} is in use by process ${holder.pid} (${holder.command}) since ${holder.since}: its ledger is read through that process\n`);
      const { endpoint, region, credentials, tableName } = holder.ledger;
      return new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint, region, credentials })), tableName);
    }
    if (Date.now() > deadline) throw new StateInUseError(stateDir, holder);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Prints one run or the latest runs; with `aws` (a deployed stack), each open run's execution beside the ledger. */
async function printRuns(
  ledger: RunLedger,
  runId: string | undefined,
  options: StatusOptions,
  aws?: ReturnType<typeof deployedStackClients>,
): Promise<void> {
  if (runId) {
    const run = await ledger.getRun(runId);
    if (!run) throw new InputError(`no run ${JSON.stringify(runId)} in the ledger`);
    // On a deployed stack the execution behind the run is shown too, and a disagreement is said out loud.
    const execution = aws ? await describeRunExecution(aws.sfn, run) : undefined;
    process.stdout.write(`${JSON.stringify(execution ? { ...run, execution } : run, null, 2)}\n`);
    if (execution && !executionAgrees(run, execution)) {
      process.stderr.write(`the ledger says ${run.status} but execution ${run.executionId} is ${execution.status}\n`);
    }
    return;
  }
  const runs = await ledger.listRuns({ ...(options.county ? { county: options.county } : {}), limit: options.limit });
  if (runs.length === 0) {
    process.stdout.write('no runs\n');
    return;
  }
  let disagreements: Map<string, ExecutionState> | undefined;
  if (aws) {
    // Only runs the ledger has in progress are looked up: an open run whose execution has ended is what goes wrong.
    disagreements = new Map();
    for (const run of runs.filter((candidate) => IN_PROGRESS_STATUSES.includes(candidate.status))) {
      const execution = await describeRunExecution(aws.sfn, run);
      if (execution && !executionAgrees(run, execution)) disagreements.set(run.runId, execution);
    }
  }
  process.stdout.write(`${formatRuns(runs, disagreements)}\n`);
}

export async function statusCommand(runId: string | undefined, options: StatusOptions): Promise<void> {
  if (options.aws) {
    if (!options.table || !options.stateMachineArn) {
      throw new UsageError('--aws needs --table and --state-machine-arn (the stack outputs LedgerTableName, StateMachineArn)');
    }
    const aws = deployedStackClients(regionOfArn(options.stateMachineArn, '--state-machine-arn'), options.table);
    try {
      return await printRuns(aws.ledger, runId, options, aws);
    } finally {
      aws.destroy();
    }
  }
  const stateDir = keptStateDir(options.keepState);
  const running = await ledgerOfHolder(stateDir);
  if (running) {
    try {
      return await printRuns(running, runId, options);
    } catch (error) {
      // The run ended (and its stand-ins with it) while we asked: the state is free to open now.
      if (error instanceof InputError || (await lockHolder(stateDir))) throw error;
    } finally {
      running.client.destroy();
    }
  }
  const state = await openKeptState(stateDir, 'clearance status');
  try {
    await printRuns(state.ledger, runId, options);
  } finally {
    await state.close();
  }
}
