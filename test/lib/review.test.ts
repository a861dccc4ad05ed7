/**
 * The review construct (lib/review.ts) in the stack with `review: true`: the Finalize state graph, the decision
 * upload rule, Finalize's least privilege, the run's phases kept away from reviews/, cdk-nag; and the default stack
 * without it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CLEARANCE_PHASES } from '../../lib/clearance-function';
import { ClearanceStack } from '../../lib/clearance-stack';
import { AslGraph, allows, canonicalArnOf, CfnTemplate, logicalId, resolveString, roleStatements, synthStack, TEST_ENV, testApp } from './template-helpers';

const { stack, json } = synthStack({ review: true });
const review = stack.review!;
const bucketArn = canonicalArnOf(json, stack.storage.dataBucket);
const object = (prefix: string): string => `${bucketArn}/${prefix}LA/run-1/file.csv`;

function definitionOf(template: CfnTemplate, id: string): AslGraph {
  return JSON.parse(resolveString(template.Resources[id].Properties?.DefinitionString)) as AslGraph;
}

test('Finalize: one task, rejected files end the execution failed, applied or repeated ones succeed', () => {
  const graph = definitionOf(json, logicalId(review.stateMachine));
  expect(graph.StartAt).toBe('Finalize');
  const finalize = graph.States.Finalize as Record<string, unknown>;
  expect(finalize).toMatchObject({ Type: 'Task', ResultPath: '$.finalize', Next: 'Rejected?' });
  expect((finalize.Retry as unknown[]).length).toBe(2);
  expect(graph.States['Rejected?']).toMatchObject({
    Type: 'Choice',
    Choices: [{ Variable: '$.finalize.status', StringEquals: 'REJECTED', Next: 'Decision file rejected' }],
    Default: 'Review applied',
  });
  expect(graph.States['Decision file rejected']).toMatchObject({ Type: 'Fail', Error: 'DecisionFileRejected' });
  expect(json.Outputs?.FinalizeStateMachineArn).toBeDefined();
});

test('decision files under reviews/ start Finalize; extracts under incoming/ still start the run', () => {
  const rules = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Events::Rule');
  const patterns = rules.map((r) => JSON.stringify(r.Properties?.EventPattern ?? null));
  expect(patterns.filter((p) => p.includes('"prefix":"reviews/"'))).toHaveLength(1);
  expect(patterns.filter((p) => p.includes('"prefix":"incoming/"'))).toHaveLength(1);
  const reviewRule = json.Resources[logicalId(review.uploadRule)];
  const [target] = reviewRule.Properties?.Targets as Array<{ Arn: unknown; DeadLetterConfig?: unknown }>;
  expect(target.Arn).toEqual({ Ref: logicalId(review.stateMachine) });
  expect(target.DeadLetterConfig).toBeDefined();
});

test('Finalize reads results/, reports/ and reviews/, writes results/ only, and only updates the ledger', () => {
  const statements = roleStatements(json, logicalId(review.function.role));
  const expected: Record<string, [boolean, boolean]> = {
    'incoming/': [false, false], 'policies/': [false, false], 'runs/': [false, false],
    'results/': [true, true], 'reports/': [true, false], 'reviews/': [true, false],
  };
  for (const [prefix, [read, write]] of Object.entries(expected)) {
    expect([prefix, allows(statements, 's3:GetObject', object(prefix)), allows(statements, 's3:PutObject', object(prefix))]).toEqual([prefix, read, write]);
  }
  expect(allows(statements, 's3:DeleteObject', object('results/'))).toBe(false);
  const tableArn = canonicalArnOf(json, stack.storage.ledger);
  expect(allows(statements, 'dynamodb:UpdateItem', tableArn)).toBe(true);
  for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:GetItem']) expect([action, allows(statements, action, tableArn)]).toEqual([action, false]);
});

test.each(CLEARANCE_PHASES)('the %s phase of a run cannot read or write decision files', (phase) => {
  const statements = roleStatements(json, logicalId(stack.workflow.functions[phase].role));
  expect([allows(statements, 's3:GetObject', object('reviews/')), allows(statements, 's3:PutObject', object('reviews/'))]).toEqual([false, false]);
});

test('without review: true the stack has the run state machine only', () => {
  const { json: plain } = synthStack();
  // The run's workflow and the operations' reconciler, no Finalize.
  const machines = Object.entries(plain.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').map(([id]) => id);
  expect(machines.filter((id) => id.startsWith('Review'))).toEqual([]);
  expect(machines.filter((id) => id.startsWith('Workflow'))).toHaveLength(1);
  expect(plain.Outputs?.FinalizeStateMachineArn).toBeUndefined();
});

test('cdk-nag AwsSolutions: no unacknowledged finding with the review on', () => {
  const app = testApp();
  new ClearanceStack(app, 'NagReview', { env: TEST_ENV, review: true });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: { violations?: { ruleName: string; severity: string }[] }[];
  };
  expect(report.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => `${v.severity} ${v.ruleName}`))).toEqual([]);
});
