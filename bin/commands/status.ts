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
import { synthTemplate } from './synth-template';

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

export async function statusCommand(runId: string | undefined, options: StatusOptions): Promise<void> {
  let ledger: RunLedger;
  let stop = async () => undefined as void;
  let aws: ReturnType<typeof deployedStackClients> | undefined;
  if (options.aws) {
    if (!options.table || !options.stateMachineArn) {
      throw Object.assign(new Error('--aws needs --table and --state-machine-arn (the stack outputs LedgerTableName, StateMachineArn)'), { name: 'UsageError' });
    }
    aws = deployedStackClients(regionOfArn(options.stateMachineArn, '--state-machine-arn'), options.table);
    ledger = aws.ledger;
    stop = async () => aws?.destroy();
  } else {
    const stateDir = path.resolve(options.keepState);
    if (!existsSync(stateDir)) {
      throw Object.assign(new Error(`no embedded state at ${stateDir}: runs are kept only with \`clearance run --keep-state ${options.keepState}\``), { name: 'UsageError' });
    }
    const { startEmbeddedStack } = await import('../../local/embedded-stack');
    const stack = await startEmbeddedStack({ template: synthTemplate(), keepStateDir: stateDir, workers: 1, functionLogs: 'discard' });
    ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient(stack.dynamoDbConfig)), stack.tableName());
    stop = () => stack.stop();
    // No process holds this state now (its lock is ours): a run still in progress in it will never finish.
    await markInterruptedRuns(ledger, new S3ObjectStore(new S3Client(stack.s3Config), stack.bucketName())).catch(async (error: unknown) => {
      await stack.stop();
      throw error;
    });
  }
  try {
    if (runId) {
      const run = await ledger.getRun(runId);
      if (!run) throw Object.assign(new Error(`no run ${JSON.stringify(runId)} in the ledger`), { name: 'InputError' });
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
  } finally {
    await stop();
  }
}
