import { Match } from 'aws-cdk-lib/assertions';
import { CfnResource, logicalId, resolve, resolveString, synthStack } from './template-helpers';

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

  test('every alarm in the stack notifies the topic', () => {
    const alarms = Object.values(json.Resources).filter((r: CfnResource) => r.Type === 'AWS::CloudWatch::Alarm');
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarm.Properties!.AlarmActions).toEqual([topicRef]);
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

  test('shows executions started, succeeded, failed and timed out of this state machine', () => {
    expect(metricNames('Executions')).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    const machineArn = resolve(machineRef);
    for (const metric of widget('Executions').metrics!) expect(metric).toEqual(expect.arrayContaining(['StateMachineArn', machineArn]));
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
