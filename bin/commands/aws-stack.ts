/**
 * The deployed stack as `clearance run --aws` and `clearance status --aws` see it: clients in the stack's region (taken
 * from its ARNs, not from the profile), and the Step Functions execution behind a ledger item. The SDK reads the
 * credentials and any endpoint override (AWS_ENDPOINT_URL_S3, _DYNAMODB, _SFN: how the tests aim these commands at the
 * embedded stack) itself.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createS3Client } from '../../lambdas/adapters/aws-clients';
import { IN_PROGRESS_STATUSES, RunLedger, RunRecord } from '../../lambdas/adapters/ledger';
import type { S3Client } from '@aws-sdk/client-s3';
import { hasErrorName, UsageError } from '../../lambdas/domain/errors';

/** The region of an ARN (`arn:<partition>:<service>:<region>:...`), or a UsageError naming the value. */
export function regionOfArn(arn: string, what: string): string {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(parts[3])) {
    throw new UsageError(`${what} ${JSON.stringify(arn)} is not an ARN with a region (arn:aws:states:<region>:<account>:...)`);
  }
  return parts[3];
}

export interface DeployedStackClients {
  region: string;
  s3: S3Client;
  ledger: RunLedger;
  sfn: SFNClient;
  destroy(): void;
}

/** Clients of the deployed stack in `region`. */
export function deployedStackClients(region: string, table: string): DeployedStackClients {
  const s3 = createS3Client({ ...process.env, AWS_REGION: region });
  const dynamodb = new DynamoDBClient({ region });
  const sfn = new SFNClient({ region });
  return {
    region,
    s3,
    ledger: new RunLedger(DynamoDBDocumentClient.from(dynamodb), table),
    sfn,
    destroy() {
      s3.destroy();
      dynamodb.destroy();
      sfn.destroy();
    },
  };
}

export interface ExecutionState {
  status: string;
  stopDate?: string;
  error?: string;
  cause?: string;
}

/** The status of the execution that claimed a run; undefined when the run names none or it no longer exists. */
export async function describeRunExecution(sfn: SFNClient, run: RunRecord): Promise<ExecutionState | undefined> {
  if (!run.executionId) return undefined;
  try {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn: run.executionId }));
    return {
      status: described.status ?? 'UNKNOWN',
      ...(described.stopDate ? { stopDate: described.stopDate.toISOString() } : {}),
      ...(described.error ? { error: described.error } : {}),
      ...(described.cause ? { cause: described.cause } : {}),
    };
  } catch (error) {
    // Executions are kept 90 days after they end.
    if (hasErrorName(error, 'ExecutionDoesNotExist')) return undefined;
    throw error;
  }
}

/** Whether the ledger and the execution tell the same story: in progress and running, or both ended the same way. */
export function executionAgrees(run: RunRecord, execution: ExecutionState): boolean {
  if (IN_PROGRESS_STATUSES.includes(run.status)) return execution.status === 'RUNNING';
  if (run.status === 'SUCCEEDED') return execution.status === 'SUCCEEDED';
  return ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(execution.status);
}
