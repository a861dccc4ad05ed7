import { Duration } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { RUN_EVENT_SOURCE, RUN_FAILED, RUN_SUCCEEDED } from '../lambdas/run-events';

export { RUN_EVENT_SOURCE, RUN_FAILED, RUN_SUCCEEDED };

/**
 * A task putting one completion event (docs/events.md) on the account's default bus, leaving the state as it was.
 * PutEvents is retried with backoff; the caller decides what a lasting failure means.
 */
export function announceRun(scope: Construct, id: string, stateName: string, detailType: typeof RUN_SUCCEEDED | typeof RUN_FAILED, detail: sfn.TaskInput): tasks.EventBridgePutEvents {
  const task = new tasks.EventBridgePutEvents(scope, id, {
    stateName,
    entries: [{ detail, detailType, source: RUN_EVENT_SOURCE }],
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addRetry({ errors: [sfn.Errors.ALL], interval: Duration.seconds(2), maxAttempts: 4, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
  return task;
}

/**
 * The `Clearance Run Succeeded` detail, from the state after Assemble: Plan's run id and county, Assemble's counts and
 * summary key (lambdas/run-events.ts: runSucceededDetailSchema).
 */
export function runSucceededDetail(): sfn.TaskInput {
  const runId = sfn.JsonPath.stringAt('$.plan.runId');
  const county = sfn.JsonPath.stringAt('$.plan.county');
  return sfn.TaskInput.fromObject({
    runId,
    county,
    status: 'SUCCEEDED',
    counts: {
      rowsRead: sfn.JsonPath.numberAt('$.assemble.rowsRead'),
      rowsRejected: sfn.JsonPath.numberAt('$.assemble.rowsRejected'),
      rowsWritten: sfn.JsonPath.numberAt('$.assemble.rowsWritten'),
      people: sfn.JsonPath.numberAt('$.assemble.people'),
    },
    reports: { prefix: sfn.JsonPath.format('reports/{}/{}/', county, runId), summaryKey: sfn.JsonPath.stringAt('$.assemble.summaryKey') },
    resultsPrefix: sfn.JsonPath.format('results/{}/{}/', county, runId),
  });
}
