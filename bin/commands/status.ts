/** `clearance status [RUN_ID]`: runs from the ledger (embedded state kept with --keep-state, or a deployed stack). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as path from 'node:path';
import { existsSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { RunLedger, RunRecord } from '../../lambdas/adapters/ledger';
import { S3ObjectStore } from '../../lambdas/adapters/s3-object-store';
import { markInterruptedRuns } from './interrupted-runs';
import { synthTemplate } from './synth-template';

export interface StatusOptions {
  keepState: string;
  aws?: boolean;
  table?: string;
  county?: string;
  limit: number;
}

function duration(run: RunRecord): string {
  if (!run.endedAt) return '-';
  return `${((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s`;
}

export function formatRuns(runs: RunRecord[]): string {
  const header = ['RUN', 'COUNTY', 'STATUS', 'STARTED', 'ROWS', 'REJECTED', 'DISMISSALS', 'REDUCTIONS', 'DURATION'];
  const rows = runs.map((run) => [run.runId, run.county, run.status, run.startedAt.slice(0, 19), String(run.rowsRead), String(run.rowsRejected),
    String(run.dismissals), String(run.reductions), duration(run)]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export async function statusCommand(runId: string | undefined, options: StatusOptions): Promise<void> {
  let ledger: RunLedger;
  let stop = async () => undefined as void;
  if (options.aws) {
    if (!options.table) throw Object.assign(new Error('--aws needs --table (the stack output LedgerTableName)'), { name: 'UsageError' });
    ledger = new RunLedger(DynamoDBDocumentClient.from(new DynamoDBClient({})), options.table);
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
      process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
      return;
    }
    const runs = await ledger.listRuns({ ...(options.county ? { county: options.county } : {}), limit: options.limit });
    process.stdout.write(runs.length === 0 ? 'no runs\n' : `${formatRuns(runs)}\n`);
  } finally {
    await stop();
  }
}
