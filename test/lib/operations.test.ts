import { allows, canonicalArnOf, logicalId, resolve, roleStatements, stateMachineDefinition, synthStack, versionLogicalId } from './template-helpers';

const { stack, template, json } = synthStack();
const ops = stack.operations;
const ruleProps = (rule: object) => json.Resources[logicalId(rule as never)].Properties as Record<string, unknown>;

describe('reconciler', () => {
  test('a rule sends the workflow\'s FAILED, TIMED_OUT and ABORTED status changes to the reconciler state machine', () => {
    const props = ruleProps(ops.executionEndedRule);
    expect(props.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [{ Ref: logicalId(stack.workflow.stateMachine) }], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    const [target] = props.Targets as Record<string, unknown>[];
    expect(target).toMatchObject({
      Arn: { Ref: logicalId(ops.reconcileStateMachine) },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.workflow.uploadDeadLetterQueue), 'Arn'] } },
      RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
    });
  });

  test('the reconciler state machine invokes the reconcile function with the whole event, retrying transient errors', () => {
    const graph = stateMachineDefinition(json, 'OperationsReconcileStateMachine');
    expect(graph.StartAt).toBe('Reconcile run');
    const task = graph.States['Reconcile run'] as Record<string, unknown>;
    // Invoked directly (payload-response-only) with the whole state, the status-change event; this deploy's version.
    expect(task).toMatchObject({ Type: 'Task', Resource: `\${${versionLogicalId(json, ops.reconcileFunction.function)}}`, ResultPath: '$.reconcile' });
    expect(task.Parameters).toBeUndefined();
    expect((task.Retry as { ErrorEquals: string[] }[])[0].ErrorEquals).toEqual(expect.arrayContaining(['RetryableError', 'Lambda.TooManyRequestsException']));
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { IncludeExecutionData: false, Level: 'ALL' },
    });
  });

  test('the reconcile function writes only reports/, reads and updates the ledger, and never deletes or scans', () => {
    const statements = roleStatements(json, logicalId(ops.reconcileFunction.role));
    const bucket = canonicalArnOf(json, stack.storage.dataBucket);
    const table = canonicalArnOf(json, stack.storage.ledger);
    expect(allows(statements, 's3:PutObject', `${bucket}/reports/LOS ANGELES/run/error.json`)).toBe(true);
    for (const prefix of ['results', 'incoming', 'policies', 'runs']) expect(allows(statements, 's3:PutObject', `${bucket}/${prefix}/x`)).toBe(false);
    expect(allows(statements, 's3:GetObject', `${bucket}/results/x`)).toBe(false);
    expect(allows(statements, 'dynamodb:UpdateItem', table)).toBe(true);
    expect(allows(statements, 'dynamodb:GetItem', table)).toBe(true);
    for (const action of ['dynamodb:Scan', 'dynamodb:DeleteItem', 's3:DeleteObject']) expect(allows(statements, action, table) || allows(statements, action, `${bucket}/reports/x`)).toBe(false);
  });
});

describe('stale-run watch', () => {
  test('runs every 15 minutes and may scan the ledger, nothing else of the data', () => {
    expect(ruleProps(ops.watchRunsRule)).toMatchObject({
      ScheduleExpression: 'rate(15 minutes)',
      Targets: [expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(ops.watchRunsFunction.function), 'Arn'] } })],
    });
    const env = (json.Resources[logicalId(ops.watchRunsFunction.function)].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(resolve(env.STALE_AFTER_MINUTES)).toBe('180');
    const statements = roleStatements(json, logicalId(ops.watchRunsFunction.role));
    const table = canonicalArnOf(json, stack.storage.ledger);
    expect(allows(statements, 'dynamodb:Scan', table)).toBe(true);
    expect(allows(statements, 'dynamodb:UpdateItem', table)).toBe(false);
    expect(statements.some((s) => s.actions.some((action) => action.startsWith('s3:')))).toBe(false);
  });

  test('the staleness threshold and interval are validated props', () => {
    const custom = synthStack({ operations: { staleRunAfter: { toSeconds: () => 7200, toHumanString: () => '2 hours' } as never } });
    const env = (custom.json.Resources[logicalId(custom.stack.operations.watchRunsFunction.function)].Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.STALE_AFTER_MINUTES).toBe('120');
  });
});
