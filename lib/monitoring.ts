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
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/domain/defaults';
import { ClearanceFunction } from './clearance-function';

/** The custom metrics the handlers emit (namespace RecordClearance, dimension service=record-clearance). */
export const CUSTOM_METRICS = ['RowsRead', 'RowsClassified', 'RowsRejected', 'StaleRuns', 'RunsReconciled'] as const;
/** The row counts among them (the Rows widget). */
const ROW_METRICS = ['RowsRead', 'RowsClassified', 'RowsRejected'] as const;
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

  /**
   * Functions alarmed on one by one: errors, throttles, and a maximum duration above `durationAlarmRatio` of the
   * function's timeout. Also graphed on the dashboard.
   *
   * @default - none
   */
  readonly functions?: readonly ClearanceFunction[];

  /**
   * Share of a function's timeout above which its maximum duration raises an alarm, above 0 and below 1: the early
   * warning before a task hits its timeout (15 minutes at most for a Lambda function).
   *
   * @default 0.7
   */
  readonly durationAlarmRatio?: number;

  /**
   * Labels of the workflow's Distributed Maps: their child executions' metrics (state machine ARN `<arn>/<label>`)
   * are graphed per map.
   *
   * @default - no map-run widgets
   */
  readonly mapRunLabels?: readonly string[];

  /**
   * Period of the StaleRuns alarm: watch-runs publishes the count on its schedule (every 15 minutes by default),
   * so the period must hold at least one datapoint.
   *
   * @default Duration.hours(1)
   */
  readonly staleRunsPeriod?: Duration;

  /**
   * The reconciler's state machine: any failed execution of it raises an alarm (a run may then stay open).
   *
   * @default - no alarm
   */
  readonly reconcileStateMachine?: sfn.IStateMachine;
}

/** Errors, throttles and duration alarms of one function. */
export interface FunctionAlarms {
  readonly errors: cloudwatch.Alarm;
  readonly throttles: cloudwatch.Alarm;
  readonly duration: cloudwatch.Alarm;
}

/** SNS alarm topic, CloudWatch dashboard and the alarms of the workflow (see docs/operations.md, one section each). */
export class ClearanceMonitoring extends Construct {
  public readonly alarmTopic: sns.Topic;
  public readonly dashboard: cloudwatch.Dashboard;
  public readonly executionsFailedAlarm: cloudwatch.Alarm;
  public readonly executionsTimedOutAlarm: cloudwatch.Alarm;
  public readonly executionsAbortedAlarm: cloudwatch.Alarm;
  public readonly executionsThrottledAlarm: cloudwatch.Alarm;
  public readonly rejectRatioAlarm: cloudwatch.Alarm;
  public readonly staleRunsAlarm: cloudwatch.Alarm;
  public readonly undeliveredUploadsAlarm?: cloudwatch.Alarm;
  public readonly reconcileFailedAlarm?: cloudwatch.Alarm;
  /** Per function, by its phase (`plan`, ..., `watch-runs`). */
  public readonly functionAlarms: Readonly<Record<string, FunctionAlarms>>;
  /** Every alarm of the stack. */
  public readonly alarms: readonly cloudwatch.Alarm[];

  private readonly alarmAction: cwActions.SnsAction;
  private readonly alarmList: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: ClearanceMonitoringProps) {
    super(scope, id);
    const settings = monitoringSettings(props);
    this.alarmTopic = this.createAlarmTopic(props);
    this.alarmAction = new cwActions.SnsAction(this.alarmTopic);
    const metrics = workflowMetrics(props.stateMachine, settings);

    this.executionsFailedAlarm = this.alarmAtLeast(metrics.failed, 'ExecutionsFailed', 1, 'A record-clearance run failed: see reports/<COUNTY>/<runId>/error.json and the ledger.');
    // A timed-out or aborted execution never reaches Mark failed and is not counted as failed.
    this.executionsTimedOutAlarm = this.alarmAtLeast(metrics.timedOut, 'ExecutionsTimedOut', 1, 'A record-clearance run hit the execution timeout; the reconciler marks its run FAILED.');
    this.executionsAbortedAlarm = this.alarmAtLeast(metrics.aborted, 'ExecutionsAborted', 1, 'A record-clearance execution was stopped; the reconciler marks its run FAILED.');
    this.executionsThrottledAlarm = this.alarmAtLeast(metrics.throttled, 'ExecutionsThrottled', 1, 'Step Functions throttled the workflow (state transitions or StartExecution).');
    this.rejectRatioAlarm = this.alarmAtLeast(
      metrics.rejectRatio,
      'RejectRatio',
      settings.threshold,
      `More than ${settings.threshold} of the rows read were rejected: check the extract and rejects.csv.`,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.staleRunsAlarm = this.alarmAtLeast(metrics.staleRuns, 'StaleRuns', 1, 'A run in progress has not changed in the ledger for hours: see the watch-runs log for its id.');
    if (props.uploadDeadLetterQueue) {
      this.undeliveredUploadsAlarm = this.alarmAtLeast(
        props.uploadDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: settings.period, statistic: 'Maximum' }),
        'UndeliveredUploads',
        1,
        'An upload event could not start the workflow: the upload was not processed.',
      );
    }
    if (props.reconcileStateMachine) {
      this.reconcileFailedAlarm = this.alarmAtLeast(
        props.reconcileStateMachine.metricFailed({ period: settings.period, statistic: 'Sum' }),
        'ReconcileFailed',
        1,
        'The reconciler could not close the ledger item of an ended execution: that run may stay open.',
      );
    }
    const functionAlarms: Record<string, FunctionAlarms> = {};
    for (const fn of props.functions ?? []) functionAlarms[fn.phase] = this.alarmsOfFunction(fn, settings);
    this.functionAlarms = functionAlarms;
    this.alarms = this.alarmList;
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { widgets: dashboardRows(props, settings, metrics, this.alarmList) });
  }

  private createAlarmTopic(props: ClearanceMonitoringProps): sns.Topic {
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: props.encryptionKey, enforceSSL: true });
    for (const email of props.alarmEmails ?? []) {
      topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: without this statement
    // nothing may publish, and alarm notifications are refused.
    topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsOfThisStack',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [topic.topicArn],
        conditions: stackAlarmConditions(this),
      }),
    );
    return topic;
  }

  /** An alarm at `threshold` or above, missing data not breaching, notifying the topic. */
  private alarmAtLeast(
    metric: cloudwatch.Metric | cloudwatch.MathExpression,
    purpose: string,
    alarmThreshold: number,
    description: string,
    comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    runbookSection = purpose.toLowerCase(),
  ): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, `${purpose}Alarm`, {
      metric,
      alarmName: alarmName(this, purpose),
      alarmDescription: `${description} Runbook: docs/operations.md#${runbookSection}`,
      threshold: alarmThreshold,
      comparisonOperator: comparison,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    this.alarmList.push(alarm);
    return alarm;
  }

  private alarmsOfFunction(fn: ClearanceFunction, { period, durationRatio }: MonitoringSettings): FunctionAlarms {
    const name = pascalCase(fn.phase);
    const timeoutMs = fn.timeout.toMilliseconds();
    return {
      errors: this.alarmAtLeast(
        fn.function.metricErrors({ period, statistic: 'Sum' }),
        `${name}Errors`,
        1,
        `The ${fn.phase} function returned errors (retried or caught by the workflow).`,
        undefined,
        'functionerrors',
      ),
      throttles: this.alarmAtLeast(
        fn.function.metricThrottles({ period, statistic: 'Sum' }),
        `${name}Throttles`,
        1,
        `Lambda throttled the ${fn.phase} function: the account's concurrency is exhausted.`,
        undefined,
        'functionthrottles',
      ),
      duration: this.alarmAtLeast(
        fn.function.metricDuration({ period, statistic: 'Maximum' }),
        `${name}Duration`,
        Math.round(timeoutMs * durationRatio),
        `An invocation of ${fn.phase} took more than ${Math.round(durationRatio * 100)}% of its ${fn.timeout.toHumanString()} timeout.`,
        cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        'functionduration',
      ),
    };
  }
}

/** The props' thresholds and periods, with their defaults, checked. */
interface MonitoringSettings {
  readonly threshold: number;
  readonly durationRatio: number;
  readonly period: Duration;
  readonly staleRunsPeriod: Duration;
}

function monitoringSettings(props: ClearanceMonitoringProps): MonitoringSettings {
  const threshold = props.rejectRatioAlarmThreshold ?? 0.01;
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
    throw new Error(`rejectRatioAlarmThreshold must be from 0 to 1, got ${threshold}`);
  }
  const durationRatio = props.durationAlarmRatio ?? 0.7;
  if (!Number.isFinite(durationRatio) || durationRatio <= 0 || durationRatio >= 1) {
    throw new Error(`durationAlarmRatio must be above 0 and below 1, got ${durationRatio}`);
  }
  const emailPattern = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
  for (const email of props.alarmEmails ?? []) {
    if (!emailPattern.test(email)) throw new Error(`alarmEmails has an invalid address ${JSON.stringify(email)}`);
  }
  return { threshold, durationRatio, period: props.alarmPeriod ?? Duration.minutes(5), staleRunsPeriod: props.staleRunsPeriod ?? Duration.hours(1) };
}

function customMetric(name: CustomMetricName, statistic: string, period: Duration): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic,
    period,
  });
}

/** The state machine's execution metrics and the custom ones the alarms and the dashboard share. */
function workflowMetrics(stateMachine: sfn.IStateMachine, { period, staleRunsPeriod }: MonitoringSettings) {
  return {
    started: stateMachine.metricStarted({ period, statistic: 'Sum' }),
    succeeded: stateMachine.metricSucceeded({ period, statistic: 'Sum' }),
    failed: stateMachine.metricFailed({ period, statistic: 'Sum' }),
    timedOut: stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
    aborted: stateMachine.metricAborted({ period, statistic: 'Sum' }),
    throttled: stateMachine.metricThrottled({ period, statistic: 'Sum' }),
    executionTime: stateMachine.metricTime({ period, statistic: 'Average' }),
    rejectRatio: new cloudwatch.MathExpression({
      // A period without rejections may publish no RowsRejected datapoint: count it as zero.
      expression: 'FILL(rejected, 0) / read',
      usingMetrics: { rejected: customMetric('RowsRejected', 'Sum', period), read: customMetric('RowsRead', 'Sum', period) },
      label: 'Rejected / read rows',
      period,
    }),
    staleRuns: customMetric('StaleRuns', 'Maximum', staleRunsPeriod),
  };
}

type WorkflowMetrics = ReturnType<typeof workflowMetrics>;

function dashboardRows(props: ClearanceMonitoringProps, settings: MonitoringSettings, metrics: WorkflowMetrics, alarms: cloudwatch.Alarm[]): cloudwatch.IWidget[][] {
  const { period, threshold } = settings;
  const { started, succeeded, failed, timedOut, aborted, throttled, executionTime } = metrics;
  const rows: cloudwatch.IWidget[][] = [
    [
      new cloudwatch.GraphWidget({ title: 'Executions', left: [started, succeeded, failed, timedOut, aborted, throttled], width: 12 }),
      new cloudwatch.GraphWidget({ title: 'Execution time (average)', left: [executionTime], width: 12 }),
    ],
  ];
  for (const label of props.mapRunLabels ?? []) rows.push(mapRunRow(props.stateMachine, label, period));
  rows.push(...functionRows(props.functions ?? [], settings));
  rows.push(
    [
      new cloudwatch.GraphWidget({ title: 'Rows', left: ROW_METRICS.map((name) => customMetric(name, 'Sum', period)), width: 12 }),
      new cloudwatch.GraphWidget({
        title: 'Reject ratio',
        left: [metrics.rejectRatio],
        leftAnnotations: [{ value: threshold, label: 'Alarm threshold' }],
        width: 12,
      }),
    ],
    [
      new cloudwatch.GraphWidget({ title: 'Stale and reconciled runs', left: [metrics.staleRuns, customMetric('RunsReconciled', 'Sum', period)], width: 12 }),
      ...(props.uploadDeadLetterQueue
        ? [
            new cloudwatch.GraphWidget({
              title: 'Undelivered uploads (dead-letter queue)',
              left: [props.uploadDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' })],
              width: 12,
            }),
          ]
        : []),
    ],
    [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms, width: 24, height: Math.max(6, Math.ceil(alarms.length / 4) + 2) })],
  );
  return rows;
}

/** A Distributed Map's child executions: their state machine ARN is `<arn>/<label>`. */
function mapRunRow(stateMachine: sfn.IStateMachine, label: string, period: Duration): cloudwatch.IWidget[] {
  const mapRunMetric = (metricName: string, statistic = 'Sum'): cloudwatch.Metric =>
    new cloudwatch.Metric({
      namespace: 'AWS/States',
      metricName,
      dimensionsMap: { StateMachineArn: `${stateMachine.stateMachineArn}/${label}` },
      statistic,
      period,
      label: `${label} ${metricName}`,
    });
  return [
    new cloudwatch.GraphWidget({
      title: `Map run ${label}: child executions`,
      left: ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsAborted', 'ExecutionsTimedOut'].map((name) => mapRunMetric(name)),
      width: 12,
    }),
    new cloudwatch.GraphWidget({ title: `Map run ${label}: child execution time (maximum)`, left: [mapRunMetric('ExecutionTime', 'Maximum')], width: 12 }),
  ];
}

/** The functions' invocations, errors, throttles, duration (as a share of the timeout) and concurrency. */
function functionRows(functions: readonly ClearanceFunction[], { period, durationRatio }: MonitoringSettings): cloudwatch.IWidget[][] {
  if (functions.length === 0) return [];
  const byFunction = (metricOf: (fn: ClearanceFunction) => cloudwatch.IMetric): cloudwatch.IMetric[] => functions.map((fn) => metricOf(fn));
  // Each function's longest invocation as a share of its timeout, so one graph and one line show every function.
  const durationShare = functions.map(
    (fn, index) =>
      new cloudwatch.MathExpression({
        expression: `100 * duration${index} / ${fn.timeout.toMilliseconds()}`,
        usingMetrics: { [`duration${index}`]: fn.function.metricDuration({ period, statistic: 'Maximum' }) },
        label: fn.phase,
        period,
      }),
  );
  return [
    [
      new cloudwatch.GraphWidget({ title: 'Function invocations', left: byFunction((fn) => fn.function.metricInvocations({ period, statistic: 'Sum', label: fn.phase })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Function errors', left: byFunction((fn) => fn.function.metricErrors({ period, statistic: 'Sum', label: fn.phase })), width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Function throttles', left: byFunction((fn) => fn.function.metricThrottles({ period, statistic: 'Sum', label: fn.phase })), width: 8 }),
    ],
    [
      new cloudwatch.GraphWidget({
        title: 'Function duration (maximum, % of timeout)',
        left: durationShare,
        leftAnnotations: [{ value: durationRatio * 100, label: 'Alarm threshold' }],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Function concurrency (maximum)',
        left: byFunction((fn) => fn.function.metric('ConcurrentExecutions', { period, statistic: 'Maximum', label: fn.phase })),
        width: 12,
      }),
    ],
  ];
}

/** `mark-failed` → `MarkFailed` (alarm names). */
function pascalCase(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
