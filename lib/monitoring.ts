import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from './clearance-function';

/** The custom metrics the handlers emit (namespace RecordClearance, dimension service=record-clearance). */
export const CUSTOM_METRICS = ['RowsRead', 'RowsClassified', 'RowsRejected'] as const;
export type CustomMetricName = (typeof CUSTOM_METRICS)[number];

/** Every alarm of the stack is named `<stack name>-<purpose>`: the topic and key policies name them all with one pattern. */
export function alarmName(scope: Construct, purpose: string): string {
  return `${Stack.of(scope).stackName}-${purpose}`;
}

/** ARN pattern of the stack's alarms (`arn:<partition>:cloudwatch:<region>:<account>:alarm:<stack name>-*`). */
export function alarmArnPattern(scope: Construct): string {
  const stack = Stack.of(scope);
  return stack.formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: `${stack.stackName}-*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
}

/**
 * Conditions that limit what the CloudWatch service principal does on this stack's behalf to this account's alarms
 * of this stack (the confused-deputy guard of the topic and key policies).
 */
export function stackAlarmConditions(scope: Construct): Record<string, Record<string, string>> {
  return {
    StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    ArnLike: { 'aws:SourceArn': alarmArnPattern(scope) },
  };
}

export interface ClearanceMonitoringProps {
  /** The workflow's state machine. */
  readonly stateMachine: sfn.IStateMachine;

  /**
   * Key that encrypts the alarm topic. CloudWatch alarms must be allowed to use it
   * (`cloudwatch.amazonaws.com`: kms:Decrypt, kms:GenerateDataKey*), as ClearanceStorage's key is.
   */
  readonly encryptionKey: kms.IKey;

  /**
   * Queue of upload events that never started an execution; any message in it raises an alarm.
   *
   * @default - no alarm on undelivered uploads
   */
  readonly uploadDeadLetterQueue?: sqs.IQueue;

  /**
   * Alarm when RowsRejected / RowsRead over `alarmPeriod` is above this ratio, 0-1.
   *
   * @default 0.01
   */
  readonly rejectRatioAlarmThreshold?: number;

  /**
   * Period over which alarm metrics are summed.
   *
   * @default Duration.minutes(5)
   */
  readonly alarmPeriod?: Duration;

  /**
   * E-mail addresses subscribed to the alarm topic (each must confirm the subscription).
   *
   * @default - no subscriptions
   */
  readonly alarmEmails?: readonly string[];
}

/** SNS alarm topic, CloudWatch dashboard and the alarms of the workflow. */
export class ClearanceMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly executionsFailedAlarm: cloudwatch.Alarm;
  public readonly executionsTimedOutAlarm: cloudwatch.Alarm;
  public readonly rejectRatioAlarm: cloudwatch.Alarm;
  public readonly undeliveredUploadsAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ClearanceMonitoringProps) {
    super(scope, id);
    const threshold = props.rejectRatioAlarmThreshold ?? 0.01;
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      throw new Error(`rejectRatioAlarmThreshold must be from 0 to 1, got ${threshold}`);
    }
    const period = props.alarmPeriod ?? Duration.minutes(5);
    const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
    for (const email of props.alarmEmails ?? []) {
      if (!emailPattern.test(email)) throw new Error(`alarmEmails has an invalid address ${JSON.stringify(email)}`);
    }

    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.encryptionKey, enforceSSL: true });
    for (const email of props.alarmEmails ?? []) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without this statement
    // nothing may publish, and alarm notifications are refused.
    this.alarmTopic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: stackAlarmConditions(this),
      }),
    );
    const alarmAction = new cwActions.SnsAction(this.alarmTopic);

    const { stateMachine } = props;
    const started = stateMachine.metricStarted({ period, statistic: 'Sum' });
    const succeeded = stateMachine.metricSucceeded({ period, statistic: 'Sum' });
    const failed = stateMachine.metricFailed({ period, statistic: 'Sum' });
    const timedOut = stateMachine.metricTimedOut({ period, statistic: 'Sum' });
    const executionTime = stateMachine.metricTime({ period, statistic: 'Average' });
    const rows = (name: CustomMetricName): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: { service: SERVICE_NAME },
        statistic: 'Sum',
        period,
      });
    const rejectRatio = new cloudwatch.MathExpression({
      // A period without rejections may publish no RowsRejected datapoint: count it as zero.
      expression: 'FILL(rejected, 0) / read',
      usingMetrics: { rejected: rows('RowsRejected'), read: rows('RowsRead') },
      label: 'Rejected / read rows',
      period,
    });

    this.executionsFailedAlarm = failed.createAlarm(this, 'ExecutionsFailedAlarm', {
      alarmName: alarmName(this, 'ExecutionsFailed'),
      alarmDescription: 'A record-clearance run failed: see reports/<COUNTY>/<runId>/error.json and the ledger.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A timed-out execution never reaches Mark failed and is not counted as failed.
    this.executionsTimedOutAlarm = timedOut.createAlarm(this, 'ExecutionsTimedOutAlarm', {
      alarmName: alarmName(this, 'ExecutionsTimedOut'),
      alarmDescription: 'A record-clearance run hit the execution timeout; its ledger item was not closed.',
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.rejectRatioAlarm = rejectRatio.createAlarm(this, 'RejectRatioAlarm', {
      alarmName: alarmName(this, 'RejectRatio'),
      alarmDescription: `More than ${threshold} of the rows read were rejected: check the extract and rejects.csv.`,
      threshold,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.executionsFailedAlarm, this.executionsTimedOutAlarm, this.rejectRatioAlarm];
    if (props.uploadDeadLetterQueue) {
      this.undeliveredUploadsAlarm = props.uploadDeadLetterQueue
        .metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })
        .createAlarm(this, 'UndeliveredUploadsAlarm', {
          alarmName: alarmName(this, 'UndeliveredUploads'),
          alarmDescription: 'An upload event could not start the workflow: the upload was not processed.',
          threshold: 1,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      alarms.push(this.undeliveredUploadsAlarm);
    }
    for (const alarm of alarms) alarm.addAlarmAction(alarmAction);

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Executions',
            left: [started, succeeded, failed, timedOut],
            width: 12,
          }),
          new cloudwatch.GraphWidget({ title: 'Execution time (average)', left: [executionTime], width: 12 }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Rows',
            left: CUSTOM_METRICS.map(rows),
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Reject ratio',
            left: [rejectRatio],
            leftAnnotations: [{ value: threshold, label: 'Alarm threshold' }],
            width: 12,
          }),
        ],
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24 })],
      ],
    });
  }
}
