import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ClearanceFunction } from './clearance-function';

export interface ClearanceOperationsProps {
  /** The workflow's state machine, whose ended executions are reconciled. */
  readonly stateMachine: sfn.IStateMachine;
  readonly dataBucket: s3.IBucket;
  readonly ledger: dynamodb.ITable;
  readonly encryptionKey: kms.IKey;

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
 * What keeps the ledger true when the workflow itself cannot: the watch-runs function, run on a schedule, counts runs
 * whose ledger item stopped changing (metric StaleRuns).
 */
export class ClearanceOperations extends Construct {
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
    const { dataBucket, ledger, encryptionKey } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;
    const region = Stack.of(this).region;
    const environment = { DATA_BUCKET: dataBucket.bucketName, LEDGER_TABLE: ledger.tableName };

    this.watchRunsFunction = new ClearanceFunction(this, 'WatchRunsFunction', {
      phase: 'watch-runs',
      encryptionKey,
      environment: { ...environment, STALE_AFTER_MINUTES: String(staleMinutes) },
      logRetention,
      logRemovalPolicy,
    });
    // Scan (filtered on the status) is how it finds every run in progress: the table holds one small item per run.
    this.watchRunsFunction.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [ledger.tableArn] }));
    this.watchRunsFunction.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
    this.watchRunsRule = new events.Rule(this, 'WatchRunsSchedule', {
      description: 'Counts record-clearance runs whose ledger item stopped changing (metric StaleRuns)',
      schedule: events.Schedule.rate(watchInterval),
    });
    this.watchRunsRule.addTarget(new targets.LambdaFunction(this.watchRunsFunction.function, { retryAttempts: 2 }));
  }
}
