import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ENDED_EXECUTION_STATUSES, EXECUTION_STATUS_CHANGE } from '../lambdas/domain/defaults';
import { LAMBDA_SERVICE_ERRORS, TASK_TIMEOUT_ERRORS, TRANSIENT_ERRORS } from '../lambdas/domain/errors';
import { ClearanceFunction } from './clearance-function';
import { acknowledgeWildcardResources } from './nag';
import { announceRun, RUN_FAILED } from './run-events';
import { DataPrefix } from './storage';


export interface ClearanceOperationsProps {
  /** The workflow's state machine, whose ended executions are reconciled. */
  readonly stateMachine: sfn.IStateMachine;
  readonly dataBucket: s3.IBucket;
  readonly ledger: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;

  /**
   * Where status-change events go that could not start the reconciler (after EventBridge's retries).
   *
   * @default - none: such events are dropped after 24 hours of retries
   */
  readonly deadLetterQueue?: sqs.IQueue;

  /**
   * A run in progress whose ledger item has not changed for this long counts as stale (StaleRuns alarm). Whole
   * minutes, at least 30; keep it above the longest phase (a Classify or Assemble task runs up to 15 minutes).
   *
   * @default Duration.hours(3)
   */
  readonly staleRunAfter?: Duration;

  /**
   * How often the ledger is checked for stale runs.
   *
   * @default Duration.minutes(15)
   */
  readonly watchInterval?: Duration;

  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * What keeps the ledger true when the workflow itself cannot. The reconciler: a rule on the workflow's "Execution
 * Status Change" events (FAILED, TIMED_OUT, ABORTED) starts a small state machine whose function marks the run FAILED
 * with an error.json when its execution ended without Mark failed. The watch-runs function, run on a schedule, counts
 * runs whose ledger item stopped changing (metric StaleRuns).
 */
export class ClearanceOperations extends Construct {
  public readonly reconcileFunction: ClearanceFunction;
  public readonly reconcileStateMachine: sfn.StateMachine;
  public readonly reconcileLogGroup: logs.LogGroup;
  public readonly executionEndedRule: events.Rule;
  public readonly watchRunsFunction: ClearanceFunction;
  public readonly watchRunsRule: events.Rule;
  /** The staleness threshold, as given to watch-runs. */
  public readonly staleRunAfter: Duration;

  constructor(scope: Construct, id: string, props: ClearanceOperationsProps) {
    super(scope, id);
    this.staleRunAfter = props.staleRunAfter ?? Duration.hours(3);
    const staleMinutes = this.staleRunAfter.toSeconds() / 60;
    if (!Number.isInteger(staleMinutes) || staleMinutes < 30) {
      throw new Error(`staleRunAfter must be whole minutes, at least 30, got ${this.staleRunAfter.toHumanString()}`);
    }
    const watchInterval = props.watchInterval ?? Duration.minutes(15);
    const intervalMinutes = watchInterval.toSeconds() / 60;
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || intervalMinutes >= staleMinutes) {
      throw new Error(`watchInterval must be whole minutes, at least 1 and below staleRunAfter, got ${watchInterval.toHumanString()}`);
    }
    const logSettings: FunctionLogSettings = { logRetention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS, logRemovalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN };
    const environment = { DATA_BUCKET: props.dataBucket.bucketName, LEDGER_TABLE: props.ledger.tableName };

    this.reconcileFunction = this.createReconcileFunction(props, environment, logSettings);
    this.reconcileLogGroup = new logs.LogGroup(this, 'ReconcileLogGroup', { encryptionKey: props.encryptionKey, retention: logSettings.logRetention, removalPolicy: logSettings.logRemovalPolicy });
    this.reconcileStateMachine = this.createReconcileStateMachine(this.reconcileFunction, this.reconcileLogGroup);
    this.executionEndedRule = new events.Rule(this, 'ExecutionEndedRule', {
      description: 'Starts the reconciler for each record-clearance execution that ends FAILED, TIMED_OUT or ABORTED',
      eventPattern: {
        source: ['aws.states'],
        detailType: [EXECUTION_STATUS_CHANGE],
        detail: { stateMachineArn: [props.stateMachine.stateMachineArn], status: [...ENDED_EXECUTION_STATUSES] },
      },
    });
    this.executionEndedRule.addTarget(
      new targets.SfnStateMachine(this.reconcileStateMachine, {
        ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
        maxEventAge: Duration.hours(24),
        retryAttempts: 185,
      }),
    );

    this.watchRunsFunction = this.createWatchRunsFunction(props, { ...environment, STALE_AFTER_MINUTES: String(staleMinutes) }, logSettings);
    this.watchRunsRule = new events.Rule(this, 'WatchRunsSchedule', {
      description: 'Counts record-clearance runs whose ledger item stopped changing (metric StaleRuns)',
      schedule: events.Schedule.rate(watchInterval),
    });
    this.watchRunsRule.addTarget(new targets.LambdaFunction(this.watchRunsFunction.function, { retryAttempts: 2 }));
  }

  /** The reconcile function: writes error.json under reports/ and updates the ledger item of the run it closes. */
  private createReconcileFunction(props: ClearanceOperationsProps, environment: Record<string, string>, logSettings: FunctionLogSettings): ClearanceFunction {
    const { dataBucket, ledger, encryptionKey } = props;
    const region = Stack.of(this).region;
    const fn = new ClearanceFunction(this, 'ReconcileFunction', { phase: 'reconcile', encryptionKey, environment, ...logSettings });
    const reportObjects = dataBucket.arnForObjects(`${DataPrefix.reports}*`);
    const reconcileRole = fn.role;
    reconcileRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [reportObjects] }));
    reconcileRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], resources: [ledger.tableArn] }));
    reconcileRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
      }),
    );
    acknowledgeWildcardResources(reconcileRole, [reportObjects], 'The reconciler writes reports/<COUNTY>/<runId>/error.json of the run it closes, and nothing else.');
    return fn;
  }

  /** Reconcile run, then announce the run failed when the function marked it so. */
  private createReconcileStateMachine(reconcileFunction: ClearanceFunction, logGroup: logs.LogGroup): sfn.StateMachine {
    const reconcile = new tasks.LambdaInvoke(this, 'ReconcileRun', {
      stateName: 'Reconcile run',
      lambdaFunction: reconcileFunction.version,
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath: '$.reconcile',
      taskTimeout: sfn.Timeout.duration(reconcileFunction.timeout.plus(Duration.minutes(1))),
    });
    reconcile.addRetry({
      errors: [...LAMBDA_SERVICE_ERRORS, ...TRANSIENT_ERRORS, ...TASK_TIMEOUT_ERRORS],
      interval: Duration.seconds(2),
      maxAttempts: 6,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    const reconciled = new sfn.Succeed(this, 'Reconciled', { stateName: 'Reconciled' });
    const stateMachine = new sfn.StateMachine(this, 'ReconcileStateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(
        reconcile.next(
          new sfn.Choice(this, 'RunMarked', { stateName: 'Run marked failed?' })
            .when(
              sfn.Condition.isPresent('$.reconcile.announcement'),
              announceRun(this, 'AnnounceRunFailed', 'Announce run failed', RUN_FAILED, sfn.TaskInput.fromJsonPathAt('$.reconcile.announcement')).next(reconciled),
            )
            .otherwise(reconciled),
        ),
      ),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(1),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeWildcardResources(
      stateMachine.role,
      [`${reconcileFunction.versionArn}:*`],
      'LambdaInvoke grants the published version of the reconcile function and its qualifiers (<version arn>:*); the function is this stack\'s own.',
    );
    Validations.of(stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Added by CDK for log delivery (logs:*LogDelivery, Put/DescribeResourcePolicies, DescribeLogGroups) and X-Ray; these actions support no resource-level permissions.',
    });
    return stateMachine;
  }

  /** The watch-runs function: scans the ledger for runs in progress (read only). */
  private createWatchRunsFunction(props: ClearanceOperationsProps, environment: Record<string, string>, logSettings: FunctionLogSettings): ClearanceFunction {
    const { ledger, encryptionKey } = props;
    const fn = new ClearanceFunction(this, 'WatchRunsFunction', { phase: 'watch-runs', encryptionKey, environment, ...logSettings });
    // Scan (filtered on the status) is how it finds every run in progress: the table holds one small item per run.
    fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [ledger.tableArn] }));
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Stack.of(this).region}.amazonaws.com` } },
      }),
    );
    return fn;
  }
}

/** Log retention and removal of the operations functions' log groups. */
interface FunctionLogSettings {
  readonly logRetention: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
}

