import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ClearanceStack } from '../../lib/clearance-stack';
import { TEST_ENV, allStates, logicalId, stateMachineDefinition, synthStack, testApp } from './template-helpers';

interface ValidationReport {
  pluginReports: { pluginName?: string; violations?: { ruleName: string; severity: string }[] }[];
}

/** Synthesizes the app with cdk-nag's AWS Solutions pack, as bin/app.ts does. */
function synthWithNag(app: App): { report: ValidationReport } {
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const reportFile = path.join(assembly.directory, 'validation-report.json');
  return { report: JSON.parse(fs.readFileSync(reportFile, 'utf8')) as ValidationReport };
}

describe('ClearanceStack', () => {
  const { stack, json } = synthStack();

  test('outputs the bucket name, table name, state machine ARNs (the run\'s, Finalize\'s), alarm topic ARN and the analytics names', () => {
    expect(json.Outputs).toEqual({
      DataBucketName: expect.objectContaining({ Value: { Ref: logicalId(stack.storage.dataBucket) } }),
      LedgerTableName: expect.objectContaining({ Value: { Ref: logicalId(stack.storage.ledger) } }),
      StateMachineArn: expect.objectContaining({ Value: { Ref: logicalId(stack.workflow.stateMachine) } }),
      FinalizeStateMachineArn: expect.objectContaining({ Value: { Ref: logicalId(stack.review.stateMachine) } }),
      AlarmTopicArn: expect.objectContaining({ Value: { Ref: logicalId(stack.monitoring.alarmTopic) } }),
      AnalystReaderPolicyArn: expect.objectContaining({ Value: { Ref: logicalId(stack.analytics.readerPolicy) } }),
      AnalyticsDatabaseName: expect.objectContaining({ Value: 'test_analytics' }),
      AnalyticsWorkGroupName: expect.objectContaining({ Value: { Ref: logicalId(stack.analytics.workGroup) } }),
    });
  });

  test('names no physical resources but the alarms and the Athena workgroup, which carry the stack name (the topic and key policies match on it)', () => {
    const physicalNameKeys = ['BucketName', 'TableName', 'FunctionName', 'StateMachineName', 'TopicName', 'QueueName', 'RoleName', 'LogGroupName', 'Name', 'DashboardName'];
    for (const [id, resource] of Object.entries(json.Resources)) {
      // Their FunctionName refers to a function; they name none.
      if (resource.Type === 'AWS::Lambda::Permission' || resource.Type === 'AWS::Lambda::Version') continue;
      // A workgroup must have a name (CloudFormation requires it).
      if (resource.Type === 'AWS::Athena::WorkGroup') {
        expect(resource.Properties?.Name).toBe(`${stack.stackName}-analytics`);
        continue;
      }
      for (const key of physicalNameKeys) expect([id, key, resource.Properties?.[key]]).toEqual([id, key, undefined]);
      if (resource.Type === 'AWS::CloudWatch::Alarm') expect(resource.Properties?.AlarmName).toMatch(new RegExp(`^${stack.stackName}-`));
    }
  });

  test('renders the same template when the app context lacks the feature flags it depends on', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bare = synthStack({}, app);
    const states = allStates(stateMachineDefinition(bare.json));
    expect(states.get('Split')!.ResultWriter).toBeDefined();
    expect(states.get('Classify')!.ResultWriter).toBeDefined();
    expect(bare.json.Resources[logicalId(bare.stack.storage.dataBucket)].Properties!.LoggingConfiguration).toBeDefined();
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('the stack has no unacknowledged finding, error or warning', () => {
    const app = testApp();
    new ClearanceStack(app, 'Nag', { env: TEST_ENV });
    const { report } = synthWithNag(app); // throws on any error-level finding
    const violations = report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => `${v.severity} ${v.ruleName}`));
    expect(violations).toEqual([]);
  });

  test('with county policies too, no unacknowledged finding', () => {
    const app = testApp();
    new ClearanceStack(app, 'NagCounties', { env: TEST_ENV, storage: { counties: ['LOS ANGELES', 'SAN DIEGO'] } });
    const { report } = synthWithNag(app);
    const violations = report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => `${v.severity} ${v.ruleName}`));
    expect(violations).toEqual([]);
  });

  test('a new wildcard permission is reported (the check is live)', () => {
    const app = testApp();
    const stack = new ClearanceStack(app, 'NagControl', { env: TEST_ENV });
    stack.workflow.functions.classify.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [stack.storage.dataBucket.arnForObjects('results/*')] }),
    );
    expect(() => synthWithNag(app)).toThrow(/AwsSolutions-IAM5\[Resource::<.*\.Arn>\/results\/\*\]/);
  });
});
