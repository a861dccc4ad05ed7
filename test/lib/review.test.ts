/**
 * The review construct (lib/review.ts), always in the stack: the Finalize state graph, the decision upload rule,
 * Finalize's least privilege, the run's phases kept away from reviews/. cdk-nag runs on the whole stack in
 * clearance-stack.test.ts.
 */
import { CLEARANCE_PHASES } from '../../lib/clearance-function';
import { AslGraph, allows, canonicalArnOf, CfnTemplate, logicalId, resolveString, roleStatements, synthStack } from './template-helpers';

const { stack, json } = synthStack();
const review = stack.review;
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

test('Finalize reads results/, reports/ and reviews/, writes results/ and of reports/ only summary.json and report.html, and only updates the ledger', () => {
  const statements = roleStatements(json, logicalId(review.function.role));
  const expected: Record<string, [boolean, boolean]> = {
    'incoming/': [false, false], 'policies/': [false, false], 'runs/': [false, false],
    'results/': [true, true], 'reports/': [true, false], 'reviews/': [true, false],
  };
  for (const [prefix, [read, write]] of Object.entries(expected)) {
    expect([prefix, allows(statements, 's3:GetObject', object(prefix)), allows(statements, 's3:PutObject', object(prefix))]).toEqual([prefix, read, write]);
  }
  const report = (name: string) => `${bucketArn}/reports/LA/run-1/${name}`;
  expect(['summary.json', 'report.html', 'statistics.csv', 'rejects.csv'].map((name) => [name, allows(statements, 's3:PutObject', report(name))])).toEqual([
    ['summary.json', true], ['report.html', true], ['statistics.csv', false], ['rejects.csv', false],
  ]);
  expect(allows(statements, 's3:DeleteObject', object('results/'))).toBe(false);
  const tableArn = canonicalArnOf(json, stack.storage.ledger);
  expect(allows(statements, 'dynamodb:UpdateItem', tableArn)).toBe(true);
  for (const action of ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Scan', 'dynamodb:GetItem']) expect([action, allows(statements, action, tableArn)]).toEqual([action, false]);
});

test.each(CLEARANCE_PHASES)('the %s phase of a run cannot read or write decision files', (phase) => {
  const statements = roleStatements(json, logicalId(stack.workflow.functions[phase].role));
  expect([allows(statements, 's3:GetObject', object('reviews/')), allows(statements, 's3:PutObject', object('reviews/'))]).toEqual([false, false]);
});

test('the stack has its three state machines: the run, the reconciler and Finalize, each named by its output', () => {
  const machines = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine').map(([id]) => id);
  expect(machines).toHaveLength(3);
  expect(machines.filter((id) => id.startsWith('ReviewStateMachine'))).toEqual([logicalId(review.stateMachine)]);
  expect(machines.filter((id) => id.startsWith('WorkflowStateMachine'))).toEqual([logicalId(stack.workflow.stateMachine)]);
  expect(json.Outputs?.FinalizeStateMachineArn?.Value).toEqual({ Ref: logicalId(review.stateMachine) });
  expect(json.Outputs?.StateMachineArn?.Value).toEqual({ Ref: logicalId(stack.workflow.stateMachine) });
});
