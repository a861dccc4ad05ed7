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
import { ClearanceFunction, FINALIZE_SIZING } from './clearance-function';
import { acknowledgeWildcardResources } from './nag';
import { codeVersion } from './code-version';
import { DataPrefix } from './storage';
import { LAMBDA_SERVICE_ERRORS, TRANSIENT_ERRORS } from '../lambdas/domain/errors';
import { DEFAULT_REVIEW_MAP_CONCURRENCY } from '../lambdas/domain/defaults';

/** Where reviewers upload decision files: `reviews/<COUNTY>/<runId>/<name>.csv` (lambdas/domain/review/apply.ts). */
export const REVIEWS_PREFIX = 'reviews/';

/**
 * What Finalize may touch: it reads the run's review list and final state under results/, its summary under
 * reports/ and the decision file under reviews/; it writes final/ and the review state under results/, and of
 * reports/ only the two files that carry the review state (summary.json, report.html: counts, no personal data).
 */
export const FINALIZE_ACCESS = {
  read: [DataPrefix.results, DataPrefix.reports, REVIEWS_PREFIX],
  write: [DataPrefix.results],
  writeReports: ['summary.json', 'report.html'],
  /** Under a run's results/: the work objects of a round (review/fan-out.ts roundWorkPrefix), deleted after its commit. */
  work: 'reviews/work/',
} as const;

export interface ClearanceReviewProps {
  /** The data bucket (EventBridge notifications on). */
  readonly dataBucket: s3.IBucket;
  /** The run ledger: Finalize records each run's review counts there. */
  readonly ledger: dynamodb.ITable;
  /** The customer managed key of the bucket and ledger; also encrypts the log groups. */
  readonly encryptionKey: kms.IKey;

  /**
   * Retention of the state machine's and function's log groups.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * What happens to the log groups when they leave the stack.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The prosecutor's review in the cloud (docs/review.md): an upload to reviews/<COUNTY>/<runId>/<name>.csv starts the
 * Finalize state machine (its own, beside the run's), whose one task checks the file whole and applies it as the
 * run's next review round. A rejected file ends the execution in `Decision file rejected`, the report under
 * results/<COUNTY>/<runId>/reviews/.
 */
export class ClearanceReview extends Construct {
  public readonly function: ClearanceFunction;
  public readonly stateMachine: sfn.StateMachine;
  public readonly stateMachineLogGroup: logs.LogGroup;
  public readonly uploadRule: events.Rule;
  public readonly uploadDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: ClearanceReviewProps) {
    super(scope, id);
    const { dataBucket, ledger, encryptionKey } = props;
    const logRetention = props.logRetention ?? logs.RetentionDays.THREE_MONTHS;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;

    this.function = new ClearanceFunction(this, 'FinalizeFunction', {
      phase: 'finalize',
      encryptionKey,
      environment: { DATA_BUCKET: dataBucket.bucketName, LEDGER_TABLE: ledger.tableName, CLEARANCE_CODE_VERSION: codeVersion() },
      logRetention,
      logRemovalPolicy,
    });
    this.grantFinalizeAccess(props);

    const definition = this.defineStates();
    this.stateMachineLogGroup = new logs.LogGroup(this, 'StateMachineLogGroup', { encryptionKey, retention: logRetention, removalPolicy: logRemovalPolicy });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.hours(1),
      tracingEnabled: true,
      // No execution data in the logs: the event names the decision file, the result carries counts.
      logs: { destination: this.stateMachineLogGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeWildcardResources(
      this.stateMachine.role,
      [`${this.function.versionArn}:*`],
      'LambdaInvoke grants the published version of the Finalize function and its qualifiers (<version arn>:*); the function is this construct\'s own.',
    );
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'Added by CDK for log delivery and X-Ray; these actions support no resource-level permissions.',
    });

    this.uploadDeadLetterQueue = new sqs.Queue(this, 'UploadDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.uploadDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the dead-letter queue of the decision-upload rule target; it has no consumer to fail.',
    });
    this.uploadRule = new events.Rule(this, 'UploadRule', {
      description: 'Starts Finalize for each decision file created under reviews/ in the data bucket',
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created'],
        detail: { bucket: { name: [dataBucket.bucketName] }, object: { key: events.Match.prefix(REVIEWS_PREFIX) } },
      },
    });
    this.uploadRule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, { deadLetterQueue: this.uploadDeadLetterQueue, maxEventAge: Duration.hours(24), retryAttempts: 185 }),
    );
  }

  /** One step of the Finalize function (lambdas/finalize/handler.ts), retried as the run's tasks are. */
  private step(id: string, stateName: string, payload: Record<string, unknown>, resultPath: string): tasks.LambdaInvoke {
    const task = new tasks.LambdaInvoke(this, id, {
      stateName,
      // The published version, as the run's tasks: a deploy during a review leaves the running execution's code as it was.
      lambdaFunction: this.function.version,
      payload: sfn.TaskInput.fromObject(payload),
      payloadResponseOnly: true,
      retryOnServiceExceptions: false,
      resultPath,
      taskTimeout: sfn.Timeout.duration(FINALIZE_SIZING.timeout.plus(Duration.minutes(1))),
    });
    task.addRetry({ errors: [...LAMBDA_SERVICE_ERRORS], interval: Duration.seconds(2), maxAttempts: 6, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
    task.addRetry({ errors: [...TRANSIENT_ERRORS], interval: Duration.seconds(1), maxAttempts: 3, backoffRate: 2 });
    return task;
  }

  /** An inline map of Finalize steps over the numbers at `itemsPath` (the plan's ranges or partitions). */
  private stepMap(id: string, stateName: string, itemsPath: string, step: 'route' | 'apply', itemField: 'range' | 'partition'): sfn.Map {
    const map = new sfn.Map(this, id, {
      stateName,
      itemsPath,
      itemSelector: { step, workPrefix: sfn.JsonPath.stringAt('$.finalize.workPrefix'), [itemField]: sfn.JsonPath.numberAt('$$.Map.Item.Value') },
      maxConcurrency: DEFAULT_REVIEW_MAP_CONCURRENCY,
      resultPath: sfn.JsonPath.DISCARD,
    });
    map.itemProcessor(this.step(`${id}Task`, `${stateName} task`, { 'step.$': '$.step', 'workPrefix.$': '$.workPrefix', [`${itemField}.$`]: `$.${itemField}` }, '$.result'));
    return map;
  }

  /**
   * Plan, then (a planned round) Route per range and Apply per partition, then Commit (lambdas/domain/review/fan-out.ts).
   * A rejected file ends in `Decision file rejected`; an applied, already applied or ignored one in `Review applied`.
   */
  private defineStates(): sfn.IChainable {
    const plan = this.step('Plan', 'Plan round', { step: 'plan', event: sfn.JsonPath.entirePayload }, '$.finalize');
    const route = this.stepMap('Route', 'Route', '$.finalize.ranges', 'route', 'range');
    const apply = this.stepMap('Apply', 'Apply', '$.finalize.partitions', 'apply', 'partition');
    const commit = this.step('Commit', 'Commit round', { step: 'commit', workPrefix: sfn.JsonPath.stringAt('$.finalize.workPrefix') }, '$.finalize');
    const rejected = new sfn.Fail(this, 'Rejected', {
      stateName: 'Decision file rejected',
      error: 'DecisionFileRejected',
      cause: 'The decision file has problems and was not applied; see results/<COUNTY>/<runId>/reviews/review_report.json.',
    });
    const done = new sfn.Succeed(this, 'Done', { stateName: 'Review applied' });
    const outcome = new sfn.Choice(this, 'Outcome', { stateName: 'Rejected?' })
      .when(sfn.Condition.stringEquals('$.finalize.status', 'REJECTED'), rejected)
      .otherwise(done);
    return plan.next(
      new sfn.Choice(this, 'Planned', { stateName: 'Planned?' })
        .when(sfn.Condition.stringEquals('$.finalize.status', 'PLANNED'), route.next(apply).next(commit).next(outcome))
        .otherwise(outcome),
    );
  }

  /** Object access per prefix, the ledger update, and KMS through S3 and DynamoDB only. */
  private grantFinalizeAccess(props: ClearanceReviewProps): void {
    const { dataBucket, ledger, encryptionKey } = props;
    const role = this.function.role;
    const region = Stack.of(this).region;
    const readable = FINALIZE_ACCESS.read.map((prefix) => dataBucket.arnForObjects(`${prefix}*`));
    const writable = [
      ...FINALIZE_ACCESS.write.map((prefix) => dataBucket.arnForObjects(`${prefix}*`)),
      ...FINALIZE_ACCESS.writeReports.map((name) => dataBucket.arnForObjects(`${DataPrefix.reports}*/${name}`)),
    ];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: readable }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [dataBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': FINALIZE_ACCESS.read.map((prefix) => `${prefix}*`) } },
      }),
    );
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: writable }));
    // A round's work objects (routed lines, candidate lists) are removed once it is committed; nothing else.
    const work = dataBucket.arnForObjects(`${DataPrefix.results}*/${FINALIZE_ACCESS.work}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [work] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:UpdateItem'], resources: [ledger.tableArn] }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': [`s3.${region}.amazonaws.com`, `dynamodb.${region}.amazonaws.com`] } },
      }),
    );
    acknowledgeWildcardResources(
      role,
      [...readable, ...writable, work],
      'Objects are addressed per county and run under fixed prefixes; Finalize reaches only results/, reports/ (read) and reviews/ (read), and writes under results/ and the summary.json and report.html of reports/ only.',
    );
  }
}

