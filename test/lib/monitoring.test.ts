import { Match } from 'aws-cdk-lib/assertions';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, allStates, logicalId, resolve, resolveString, stateMachineDefinition, synthStack } from './template-helpers';

const { stack, template, json } = synthStack();
const topicRef = { Ref: logicalId(stack.monitoring.alarmTopic) };
const machineRef = { Ref: logicalId(stack.workflow.stateMachine) };
const alarmProps = (alarm: object): Record<string, unknown> =>
  json.Resources[logicalId(alarm as never)].Properties as Record<string, unknown>;

describe('alarm topic', () => {
  test('is encrypted with the customer key', () => {
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [logicalId(stack.storage.key), 'Arn'] },
    });
  });

  test('denies publishing without TLS', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [topicRef],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  // CloudWatch may act only for this account's alarms of this stack (aws:SourceAccount / aws:SourceArn).
  const alarmConditions = {
    StringEquals: { 'aws:SourceAccount': '123456789012' },
    ArnLike: { 'aws:SourceArn': 'arn:aws:cloudwatch:us-west-2:123456789012:alarm:Test-*' },
  };
  const topicPolicyStatements = (): Record<string, unknown>[] => {
    const policies = Object.values(json.Resources).filter((r) => r.Type === 'AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties!.Topics).toEqual([topicRef]);
    return resolve((policies[0].Properties!.PolicyDocument as { Statement: unknown[] }).Statement) as Record<string, unknown>[];
  };

  test('lets CloudWatch alarms of this stack publish (the policy replaces SNS\'s default one)', () => {
    const allows = topicPolicyStatements().filter((statement) => statement.Effect === 'Allow');
    expect(allows).toEqual([
      {
        Sid: 'AllowCloudWatchAlarmsOfThisStack',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: `\${${logicalId(stack.monitoring.alarmTopic)}}`,
        Condition: alarmConditions,
      },
    ]);
  });

  test('every alarm is named so that the topic and key policies cover it', () => {
    const alarms = Object.values(json.Resources).filter((r: CfnResource) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) expect(alarm.Properties!.AlarmName).toMatch(/^Test-[A-Za-z]+$/);
  });

  test('the key lets CloudWatch alarms of this stack publish to the encrypted topic', () => {
    const keys = Object.values(json.Resources).filter((r) => r.Type === 'AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    const statements = resolve((keys[0].Properties!.KeyPolicy as { Statement: unknown[] }).Statement) as Record<string, unknown>[];
    const cloudWatch = statements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' }));
    expect(cloudWatch).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey*'], Condition: alarmConditions }),
    ]);
  });

  test('has no subscription unless e-mails are given', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const withEmails = synthStack({ monitoring: { alarmEmails: ['ops@county.example', 'da@county.example'] } });
    withEmails.template.resourceCountIs('AWS::SNS::Subscription', 2);
    withEmails.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@county.example' });
  });
});

describe('alarms', () => {
  test('ExecutionsFailed >= 1 on this state machine notifies the topic', () => {
    expect(alarmProps(stack.monitoring.executionsFailedAlarm)).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: machineRef }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicRef],
    });
  });

  test('ExecutionsTimedOut >= 1 notifies the topic too (a timeout is not counted as a failure)', () => {
    expect(alarmProps(stack.monitoring.executionsTimedOutAlarm)).toMatchObject({
      MetricName: 'ExecutionsTimedOut',
      Threshold: 1,
      AlarmActions: [topicRef],
    });
  });

  test('the reject ratio is RowsRejected / RowsRead of record-clearance, alarming above 0.01', () => {
    const props = alarmProps(stack.monitoring.rejectRatioAlarm);
    expect(props).toMatchObject({
      Threshold: 0.01,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [topicRef],
      TreatMissingData: 'notBreaching',
    });
    const metrics = props.Metrics as { Id: string; Expression?: string; MetricStat?: unknown; ReturnData: boolean }[];
    const expression = metrics.find((m) => m.Expression !== undefined)!;
    expect(expression.Expression).toBe('FILL(rejected, 0) / read');
    expect(expression.ReturnData).toBe(true);
    const metricOf = (id: string): unknown => metrics.find((m) => m.Id === id)?.MetricStat;
    for (const [id, name] of [
      ['rejected', 'RowsRejected'],
      ['read', 'RowsRead'],
    ]) {
      expect(metricOf(id)).toEqual({
        Metric: { Namespace: 'RecordClearance', MetricName: name, Dimensions: [{ Name: 'service', Value: 'record-clearance' }] },
        Period: 300,
        Stat: 'Sum',
      });
    }
  });

  test('the reject-ratio threshold is a prop, validated', () => {
    const custom = synthStack({ monitoring: { rejectRatioAlarmThreshold: 0.2 } });
    expect(custom.json.Resources[logicalId(custom.stack.monitoring.rejectRatioAlarm)].Properties).toMatchObject({ Threshold: 0.2 });
    expect(() => synthStack({ monitoring: { rejectRatioAlarmThreshold: 2 } })).toThrow(
      /rejectRatioAlarmThreshold must be from 0 to 1, got 2/,
    );
    expect(() => synthStack({ monitoring: { alarmEmails: ['not-an-address'] } })).toThrow(
      /alarmEmails has an invalid address "not-an-address"/,
    );
  });

  test('an undelivered upload event raises an alarm', () => {
    expect(alarmProps(stack.monitoring.undeliveredUploadsAlarm!)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack.workflow.uploadDeadLetterQueue), 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [topicRef],
    });
  });

  test('ExecutionsAborted and ExecutionThrottled >= 1 of this state machine notify the topic', () => {
    for (const [alarm, metric] of [
      [stack.monitoring.executionsAbortedAlarm, 'ExecutionsAborted'],
      [stack.monitoring.executionsThrottledAlarm, 'ExecutionThrottled'],
    ] as const) {
      expect(alarmProps(alarm)).toMatchObject({
        Namespace: 'AWS/States',
        MetricName: metric,
        Dimensions: [{ Name: 'StateMachineArn', Value: machineRef }],
        Statistic: 'Sum',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [topicRef],
      });
    }
  });

  test('a failed reconciler execution notifies the topic', () => {
    expect(alarmProps(stack.monitoring.reconcileFailedAlarm!)).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: logicalId(stack.operations.reconcileStateMachine) } }],
      Threshold: 1,
      AlarmActions: [topicRef],
    });
  });

  test('StaleRuns (published by watch-runs) at 1 or more over an hour notifies the topic', () => {
    expect(alarmProps(stack.monitoring.staleRunsAlarm)).toMatchObject({
      Namespace: 'RecordClearance',
      MetricName: 'StaleRuns',
      Dimensions: [{ Name: 'service', Value: 'record-clearance' }],
      Statistic: 'Maximum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topicRef],
    });
  });

  const functions = [...Object.values(stack.workflow.functions), stack.operations.reconcileFunction, stack.operations.watchRunsFunction];
  test.each(functions.map((fn) => [fn.phase, fn] as const))('%s: errors >= 1, throttles >= 1, maximum duration above 70%% of its timeout', (_phase, fn) => {
    const alarms = stack.monitoring.functionAlarms[fn.phase];
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: logicalId(fn.function) } }];
    expect(alarmProps(alarms.errors)).toMatchObject({
      Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions, Statistic: 'Sum', Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [topicRef],
    });
    expect(alarmProps(alarms.throttles)).toMatchObject({
      Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: dimensions, Statistic: 'Sum', Threshold: 1, AlarmActions: [topicRef],
    });
    const timeoutSeconds = json.Resources[logicalId(fn.function)].Properties!.Timeout as number;
    expect(alarmProps(alarms.duration)).toMatchObject({
      Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: dimensions, Statistic: 'Maximum',
      Threshold: Math.round(timeoutSeconds * 1000 * 0.7), ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [topicRef],
    });
  });

  test('the classify duration alarm fires above 630 s of its 900 s timeout, and the ratio is a validated prop', () => {
    expect(alarmProps(stack.monitoring.functionAlarms.classify.duration).Threshold).toBe(630_000);
    const custom = synthStack({ monitoring: { durationAlarmRatio: 0.5 } });
    expect(custom.json.Resources[logicalId(custom.stack.monitoring.functionAlarms.plan.duration)].Properties).toMatchObject({ Threshold: 150_000 });
    expect(() => synthStack({ monitoring: { durationAlarmRatio: 1 } })).toThrow(/durationAlarmRatio must be above 0 and below 1, got 1/);
  });

  test('every alarm in the stack notifies the topic, and each has a runbook section', () => {
    const alarms = Object.values(json.Resources).filter((r: CfnResource) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(stack.monitoring.alarms.length);
    const runbook = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...runbook.matchAll(/^### .*?\(`?([A-Za-z]+)`?\)|^<a id="([a-z]+)"><\/a>/gm)].map((m) => (m[1] ?? m[2]).toLowerCase()));
    for (const alarm of alarms) {
      expect(alarm.Properties!.AlarmActions).toEqual([topicRef]);
      const section = /Runbook: docs\/operations\.md#([a-z]+)/.exec(String(alarm.Properties!.AlarmDescription))?.[1];
      expect([alarm.Properties!.AlarmName, section && anchors.has(section)]).toEqual([alarm.Properties!.AlarmName, true]);
    }
  });
});

describe('dashboard', () => {
  const body = JSON.parse(
    resolveString(json.Resources[logicalId(stack.monitoring.dashboard)].Properties!.DashboardBody),
  ) as { widgets: { properties: { title: string; metrics?: unknown[][] } }[] };
  const widget = (title: string) => {
    const found = body.widgets.find((w) => w.properties.title === title);
    if (!found) throw new Error(`no widget ${title}`);
    return found.properties;
  };
  const metricNames = (title: string): string[] =>
    (widget(title).metrics ?? []).filter((m) => typeof m[1] === 'string').map((m) => m[1] as string);

  test('shows executions started, succeeded, failed, timed out, aborted and throttled of this state machine', () => {
    expect(metricNames('Executions')).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled']);
    const machineArn = resolve(machineRef);
    for (const metric of widget('Executions').metrics!) expect(metric).toEqual(expect.arrayContaining(['StateMachineArn', machineArn]));
  });

  test.each(['Split', 'Classify'])('shows the child executions of the %s map runs (state machine ARN <arn>/<label>)', (label) => {
    const metrics = widget(`Map run ${label}: child executions`).metrics!;
    expect(metrics.map((m) => m[1])).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsAborted', 'ExecutionsTimedOut']);
    for (const metric of metrics) expect(metric).toEqual(expect.arrayContaining(['StateMachineArn', `${resolve(machineRef) as string}/${label}`]));
    const states = allStates(stateMachineDefinition(json));
    expect(states.get(label)!.Label).toBe(label);
  });

  test('shows each function\'s invocations, errors, throttles and longest duration as a share of its timeout', () => {
    const functionNames = [...Object.values(stack.workflow.functions), stack.operations.reconcileFunction, stack.operations.watchRunsFunction, stack.analytics.rollupFunction].map((fn) => resolve({ Ref: logicalId(fn.function) }));
    for (const [title, metric] of [['Function invocations', 'Invocations'], ['Function errors', 'Errors'], ['Function throttles', 'Throttles']]) {
      const metrics = widget(title).metrics!;
      expect(metrics.map((m) => [m[1], m[3]])).toEqual(functionNames.map((name) => [metric, name]));
    }
    const share = widget('Function duration (maximum, % of timeout)') as { metrics: unknown[][]; annotations?: { horizontal: { value: number }[] } };
    const expressions = share.metrics.map((m) => (m[0] as { expression?: string }).expression).filter(Boolean);
    expect(expressions).toHaveLength(functionNames.length);
    expect(expressions).toContain('100 * duration2 / 900000');
    expect(share.annotations?.horizontal[0].value).toBe(70);
  });

  test('shows execution time', () => {
    expect(metricNames('Execution time (average)')).toEqual(['ExecutionTime']);
  });

  test('shows the custom row metrics with the service dimension', () => {
    const metrics = widget('Rows').metrics!;
    expect(metrics.map((m) => m.slice(0, 4))).toEqual([
      ['RecordClearance', 'RowsRead', 'service', 'record-clearance'],
      ['RecordClearance', 'RowsClassified', 'service', 'record-clearance'],
      ['RecordClearance', 'RowsRejected', 'service', 'record-clearance'],
    ]);
  });

  test('shows the reject ratio against the alarm threshold', () => {
    const ratio = widget('Reject ratio') as { metrics: unknown[][]; annotations?: { horizontal: { value: number }[] } };
    expect(ratio.metrics[0][0]).toEqual(expect.objectContaining({ expression: 'FILL(rejected, 0) / read' }));
    expect(ratio.annotations?.horizontal[0].value).toBe(0.01);
  });
});
