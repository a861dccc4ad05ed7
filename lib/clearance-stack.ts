import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ClearanceAnalytics, ClearanceAnalyticsProps } from './analytics';
import { ClearanceMonitoring, ClearanceMonitoringProps } from './monitoring';
import { ClearanceOperations, ClearanceOperationsProps } from './operations';
import { ClearanceReview } from './review';
import { ClearanceStorage, ClearanceStorageProps } from './storage';
import { ClearanceWorkflow, ClearanceWorkflowProps } from './workflow';

/**
 * Feature flags the stack depends on, turned on for its own subtree so that every synth (CLI,
 * tests, the local runtime) renders the same template, whatever cdk.json says:
 * - without ResultWriterV2 the Distributed Map result writers are silently dropped;
 * - without the bucket-policy flag, server access logging falls back to ACLs, which the
 *   BucketOwnerEnforced buckets refuse.
 */
export const REQUIRED_FEATURE_FLAGS = {
  '@aws-cdk/aws-stepfunctions:useDistributedMapResultWriterV2': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
} as const;

export interface ClearanceStackProps extends StackProps {
  /**
   * Bucket, key and ledger settings.
   *
   * @default - ClearanceStorage defaults (new rotating key, 30-day raw and 7-day work retention, RETAIN)
   */
  readonly storage?: ClearanceStorageProps;

  /**
   * Workflow settings; the bucket, ledger and key come from the storage.
   *
   * @default - ClearanceWorkflow defaults (concurrency 100/100, 0% tolerated failures, 24 h executions)
   */
  readonly workflow?: Omit<ClearanceWorkflowProps, 'dataBucket' | 'ledger' | 'encryptionKey'>;

  /**
   * Alarm and dashboard settings; the state machine, key and dead-letter queue come from the stack.
   *
   * @default - ClearanceMonitoring defaults (reject-ratio alarm above 0.01, no e-mail subscriptions)
   */
  readonly monitoring?: Omit<
    ClearanceMonitoringProps,
    'stateMachine' | 'encryptionKey' | 'uploadDeadLetterQueue' | 'functions' | 'mapRunLabels' | 'reconcileStateMachine'
  >;

  /**
   * Reconciler and stale-run watch settings; the state machine, bucket, ledger and key come from the stack.
   *
   * @default - ClearanceOperations defaults (stale after 3 hours, checked every 15 minutes)
   */
  readonly operations?: Omit<ClearanceOperationsProps, 'stateMachine' | 'dataBucket' | 'ledger' | 'encryptionKey' | 'deadLetterQueue'>;

  /**
   * Glue database, Athena workgroup and reader policy names (lib/analytics.ts, docs/analytics.md).
   *
   * @default - ClearanceAnalytics defaults (`<stack>_analytics`, `<stack>-analytics`, 10 GiB per query)
   */
  readonly analytics?: Omit<ClearanceAnalyticsProps, 'dataBucket' | 'encryptionKey'>;
}

/** record-clearance: storage, the Step Functions workflow and its monitoring, in one stack. */
export class ClearanceStack extends Stack {
  public readonly storage: ClearanceStorage;
  public readonly workflow: ClearanceWorkflow;
  public readonly operations: ClearanceOperations;
  public readonly monitoring: ClearanceMonitoring;
  /** The prosecutor's review (lib/review.ts): Finalize, started by decision files uploaded to reviews/<COUNTY>/<runId>/. */
  public readonly review: ClearanceReview;
  public readonly analytics: ClearanceAnalytics;

  constructor(scope: Construct, id: string, props: ClearanceStackProps = {}) {
    super(scope, id, props);
    for (const [flag, value] of Object.entries(REQUIRED_FEATURE_FLAGS)) this.node.setContext(flag, value);

    this.storage = new ClearanceStorage(this, 'Storage', props.storage);
    this.workflow = new ClearanceWorkflow(this, 'Workflow', {
      ...props.workflow,
      dataBucket: this.storage.dataBucket,
      ledger: this.storage.ledger,
      encryptionKey: this.storage.key,
    });
    this.operations = new ClearanceOperations(this, 'Operations', {
      logRetention: props.workflow?.logRetention,
      logRemovalPolicy: props.workflow?.logRemovalPolicy,
      ...props.operations,
      stateMachine: this.workflow.stateMachine,
      dataBucket: this.storage.dataBucket,
      ledger: this.storage.ledger,
      encryptionKey: this.storage.key,
      deadLetterQueue: this.workflow.uploadDeadLetterQueue,
    });
    this.analytics = new ClearanceAnalytics(this, 'Analytics', {
      logRetention: props.workflow?.logRetention,
      logRemovalPolicy: props.workflow?.logRemovalPolicy,
      ...props.analytics,
      dataBucket: this.storage.dataBucket,
      encryptionKey: this.storage.key,
    });
    this.monitoring = new ClearanceMonitoring(this, 'Monitoring', {
      ...props.monitoring,
      stateMachine: this.workflow.stateMachine,
      encryptionKey: this.storage.key,
      uploadDeadLetterQueue: this.workflow.uploadDeadLetterQueue,
      functions: [...Object.values(this.workflow.functions), this.operations.reconcileFunction, this.operations.watchRunsFunction, this.analytics.rollupFunction],
      mapRunLabels: this.workflow.mapRunLabels,
      reconcileStateMachine: this.operations.reconcileStateMachine,
    });

    new CfnOutput(this, 'AnalystReaderPolicyArn', {
      description: 'Managed policy for analysts: Athena workgroup, analytics/ and reports/ only (docs/analytics.md)',
      value: this.analytics.readerPolicy.managedPolicyArn,
    });
    new CfnOutput(this, 'AnalyticsDatabaseName', {
      description: 'Glue database of the analytics tables runs, statistics, determinations, latest (docs/analytics.md)',
      value: this.analytics.databaseName,
    });
    new CfnOutput(this, 'AnalyticsWorkGroupName', {
      description: 'Athena workgroup over the Glue database of analytics/ (docs/analytics.md)',
      value: this.analytics.workGroup.ref,
    });

    this.review = new ClearanceReview(this, 'Review', {
      logRetention: props.workflow?.logRetention,
      logRemovalPolicy: props.workflow?.logRemovalPolicy,
      dataBucket: this.storage.dataBucket,
      ledger: this.storage.ledger,
      encryptionKey: this.storage.key,
    });
    new CfnOutput(this, 'FinalizeStateMachineArn', {
      description: 'Standard state machine started by each decision file uploaded to reviews/<COUNTY>/<runId>/',
      value: this.review.stateMachine.stateMachineArn,
    });

    new CfnOutput(this, 'DataBucketName', {
      description: 'Upload extracts to incoming/<COUNTY>/; results/ and reports/ hold the outputs',
      value: this.storage.dataBucket.bucketName,
    });
    new CfnOutput(this, 'LedgerTableName', {
      description: 'DynamoDB run ledger (pk RUN#<runId>; GSI byCounty)',
      value: this.storage.ledger.tableName,
    });
    new CfnOutput(this, 'StateMachineArn', {
      description: 'Standard state machine started by each upload',
      value: this.workflow.stateMachine.stateMachineArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic of the workflow alarms',
      value: this.monitoring.alarmTopic.topicArn,
    });
  }
}
