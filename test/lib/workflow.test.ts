import { Duration } from 'aws-cdk-lib';
import { CLEARANCE_PHASES, ClearancePhase } from '../../lib/clearance-function';
import { ClearanceStackProps } from '../../lib/clearance-stack';
import {
  AslGraph,
  AslState,
  CfnTemplate,
  allKeys,
  allStates,
  allows,
  arnOf,
  canonicalArnOf,
  logicalId,
  mainChain,
  resolve,
  roleLogicalIds,
  roleStatements,
  stateMachineDefinition,
  synthStack,
  versionLogicalId,
} from './template-helpers';

const LAMBDA_SERVICE_RETRY = {
  ErrorEquals: [
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};
const TRANSIENT_RETRY = { ErrorEquals: ['RetryableError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };
const CATCH_TO_MARK_FAILED = [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Mark failed' }];

const { stack, json } = synthStack();
const graph = stateMachineDefinition(json);
const states = allStates(graph);
const bucketRef = `\${${logicalId(stack.storage.dataBucket)}}`;
// Policies are matched against canonical ARNs (GetAtt and formatted spellings made equal).
const bucketArn = canonicalArnOf(json, stack.storage.dataBucket);
/** Tasks invoke the version each deploy publishes (a Ref to the AWS::Lambda::Version), not the function. */
const functionArn = (phase: ClearancePhase): string => `\${${versionLogicalId(json, stack.workflow.functions[phase].function)}}`;
const functionTimeoutSeconds = (template: CfnTemplate, versionArnString: string): number => {
  const versionId = /^\$\{(.+)\}$/.exec(versionArnString)?.[1];
  const version = versionId === undefined ? undefined : template.Resources[versionId];
  if (!version || version.Type !== 'AWS::Lambda::Version') throw new Error(`not a function version: ${versionArnString}`);
  const functionId = (version.Properties!.FunctionName as { Ref: string }).Ref;
  return template.Resources[functionId].Properties!.Timeout as number;
};
const state = (name: string): AslState => {
  const found = states.get(name);
  if (!found) throw new Error(`no state named ${name}`);
  return found;
};

describe('state graph', () => {
  test('the happy path is Plan, the duplicate check, Split, Classify, Assemble, the completion event, Run succeeded', () => {
    expect(mainChain(graph, (_name, choice) => choice.Default as string)).toEqual([
      'Plan',
      'Duplicate or ignored?',
      'Split',
      'Index slices',
      'Classify',
      'Compared with a previous run?',
      'Assemble slices',
      'Assemble',
      'Announce run succeeded',
      'Run succeeded',
    ]);
    expect(state('Run succeeded').Type).toBe('Succeed');
  });

  test('a run with a previous run to compare with routes the decisions, the register when Plan says so, compares, then assembles', () => {
    const compared = (_name: string, choice: AslState) => (choice.Choices as Array<{ Next: string }>)[0].Next;
    const throughChoices = (name: string, choice: AslState) => (name === 'Duplicate or ignored?' ? (choice.Default as string) : compared(name, choice));
    expect(mainChain(graph, throughChoices)).toEqual([
      'Plan', 'Duplicate or ignored?', 'Split', 'Index slices', 'Classify',
      'Compared with a previous run?', 'Route decisions', 'Register to route?', 'Route', 'Compare',
      'Assemble slices', 'Assemble', 'Announce run succeeded', 'Run succeeded',
    ]);
    expect(state('Compared with a previous run?').Choices).toEqual([{ Variable: '$.plan.compare', BooleanEquals: true, Next: 'Route decisions' }]);
    expect(state('Register to route?')).toMatchObject({ Choices: [{ Variable: '$.plan.routeCount', NumericGreaterThan: 0, Next: 'Route' }], Default: 'Compare' });
    expect(state('Route decisions')).toMatchObject({
      Type: 'Task', Resource: functionArn('compare'), Parameters: { 'runId.$': '$.plan.runId', routeDecisions: true }, ResultPath: null, Next: 'Register to route?',
    });
    for (const [name, keyPath, selector, child] of [
      ['Route', '$.plan.routePartsKey', { 'runId.$': '$.plan.runId', 'routePart.$': '$$.Map.Item.Value.part' }, 'Route register part'],
      ['Compare', '$.plan.partitionsKey', { 'runId.$': '$.plan.runId', 'partition.$': '$$.Map.Item.Value.partition' }, 'Compare partition'],
    ] as const) {
      const map = state(name);
      expect([name, map.ItemReader, map.ItemSelector, map.MaxConcurrencyPath, map.ResultPath]).toEqual([
        name, { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: bucketRef, 'Key.$': keyPath } },
        selector, '$.plan.classifyConcurrency', null,
      ]);
      expect(map.ResultWriter).toEqual({ Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: bucketRef, Prefix: `runs/map-results/${name.toLowerCase()}` } });
      expect((map.ItemProcessor as AslGraph).States[child]).toMatchObject({ Type: 'Task', Resource: functionArn('compare'), End: true });
    }
  });

  test('a duplicate or ignored upload ends in Nothing to do', () => {
    const choice = state('Duplicate or ignored?');
    expect(choice.Type).toBe('Choice');
    expect(choice.Choices).toEqual([
      {
        Or: [
          { Variable: '$.plan.duplicate', BooleanEquals: true },
          { Variable: '$.plan.ignored', BooleanEquals: true },
        ],
        Next: 'Nothing to do',
      },
    ]);
    expect(state('Nothing to do').Type).toBe('Succeed');
  });

  test('Plan gets the whole event with the execution id, and stores its answer at $.plan', () => {
    expect(state('Plan')).toMatchObject({ Type: 'Task', Resource: functionArn('plan'), ResultPath: '$.plan' });
    expect(state('Plan').Parameters).toEqual({ 'event.$': '$', 'executionId.$': '$$.Execution.Id' });
  });

  test.each([
    ['Split', '$.plan.rangesKey', { 'runId.$': '$.plan.runId', 'range.$': '$$.Map.Item.Value' }, 'Split range', 'split', '$.splitMap'],
    [
      'Classify',
      '$.plan.partitionsKey',
      { 'runId.$': '$.plan.runId', 'partition.$': '$$.Map.Item.Value.partition' },
      'Classify partition',
      'classify',
      '$.classifyMap',
    ],
    [
      'Assemble slices',
      '$.plan.slicesKey',
      { 'runId.$': '$.plan.runId', 'slice.$': '$$.Map.Item.Value.slice' },
      'Assemble slice',
      'assemble',
      null,
    ],
  ] as const)('%s is a distributed map over the S3 JSON manifest at %s', (name, keyPath, itemSelector, child, phase, resultPath) => {
    const map = state(name);
    expect(map.Type).toBe('Map');
    const processor = map.ItemProcessor as AslGraph & { ProcessorConfig: unknown };
    expect(processor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(map.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: bucketRef, 'Key.$': keyPath },
    });
    expect(map.ItemSelector).toEqual(itemSelector);
    // Plan derives the concurrency from the S3 request budget (domain/pipeline/limits.ts), up to the configured ceiling.
    expect(map.MaxConcurrency).toBeUndefined();
    expect(map.MaxConcurrencyPath).toBe(name === 'Split' ? '$.plan.splitConcurrency' : '$.plan.classifyConcurrency');
    // 0 % is the default: CDK leaves the field out, which Step Functions reads as 0.
    expect(map.ToleratedFailurePercentage ?? 0).toBe(0);
    expect(map.ResultWriter).toEqual({
      Resource: 'arn:aws:states:::s3:putObject',
      Parameters: { Bucket: bucketRef, Prefix: `runs/map-results/${phase}` },
    });
    expect(map.ResultPath).toBe(resultPath);
    expect(processor.StartAt).toBe(child);
    expect(Object.keys(processor.States).sort()).toEqual([child, `Record ${child} timeout`, `${child} timed out`].sort());
    expect(processor.States[child]).toMatchObject({ Type: 'Task', Resource: functionArn(phase), End: true });
    // A timed-out child is not retried: its cause, naming itself and what to change, goes to the ledger (the map's own
    // failure does not say which task timed out), and it fails at once with that cause.
    expect(processor.States[child].Catch).toEqual([{ ErrorEquals: ['States.Timeout', 'Sandbox.Timedout', 'Lambda.Unknown'], ResultPath: null, Next: `Record ${child} timeout` }]);
    const cause = expect.stringContaining(`${child} ran past its timeout`);
    expect(processor.States[`Record ${child} timeout`]).toMatchObject({
      Type: 'Task',
      Resource: functionArn('mark-failed'),
      Parameters: { 'runId.$': '$.runId', timedOut: cause },
      ResultPath: null,
      Next: `${child} timed out`,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: `${child} timed out` }],
    });
    expect(processor.States[`${child} timed out`]).toMatchObject({ Type: 'Fail', Error: 'TaskTimedOut', Cause: cause });
  });

  test('Assemble gets only the run id and ends the run', () => {
    expect(state('Assemble')).toMatchObject({
      Type: 'Task',
      Resource: functionArn('assemble'),
      Parameters: { 'runId.$': '$.plan.runId' },
      ResultPath: '$.assemble',
      Next: 'Announce run succeeded',
    });
  });

  test('a finished run puts Clearance Run Succeeded on the default bus, built from Plan\'s and Assemble\'s results', () => {
    const announce = state('Announce run succeeded');
    expect(announce).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::events:putEvents', ResultPath: null, Next: 'Run succeeded' });
    expect(announce.Catch).toBeUndefined(); // a lost event fails the execution, visibly
    expect(announce.Parameters).toEqual({
      Entries: [
        {
          Source: 'record-clearance',
          DetailType: 'Clearance Run Succeeded',
          Detail: {
            'runId.$': '$.plan.runId',
            'county.$': '$.plan.county',
            status: 'SUCCEEDED',
            counts: { 'rowsRead.$': '$.assemble.rowsRead', 'rowsRejected.$': '$.assemble.rowsRejected', 'rowsWritten.$': '$.assemble.rowsWritten', 'people.$': '$.assemble.people' },
            reports: { 'prefix.$': "States.Format('reports/{}/{}/', $.plan.county, $.plan.runId)", 'summaryKey.$': '$.assemble.summaryKey' },
            'resultsPrefix.$': "States.Format('results/{}/{}/', $.plan.county, $.plan.runId)",
          },
        },
      ],
    });
  });

  test('a recorded failure puts Clearance Run Failed with the detail Mark failed built, and still ends in Run failed', () => {
    expect(state('Failure recorded?')).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.markFailed.announcement', IsPresent: true, Next: 'Announce run failed' }],
      Default: 'Run failed',
    });
    expect(state('Announce run failed')).toMatchObject({
      Resource: 'arn:aws:states:::events:putEvents',
      Parameters: { Entries: [{ Source: 'record-clearance', DetailType: 'Clearance Run Failed', 'Detail.$': '$.markFailed.announcement' }] },
      Next: 'Run failed',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.announceError', Next: 'Run failed' }],
    });
  });

  test('every top-level step catches everything into $.error and goes to Mark failed', () => {
    for (const name of ['Split', 'Classify', 'Route', 'Compare', 'Assemble slices']) {
      expect([name, state(name).Catch]).toEqual([name, CATCH_TO_MARK_FAILED]);
    }
    // A top-level task's timeout goes to Mark failed too, with an error that names the task and what to change.
    for (const name of ['Plan', 'Index slices', 'Route decisions', 'Assemble']) {
      expect([name, state(name).Catch]).toEqual([
        name,
        [{ ErrorEquals: ['States.Timeout', 'Sandbox.Timedout', 'Lambda.Unknown'], ResultPath: null, Next: `${name} timed out` }, ...CATCH_TO_MARK_FAILED],
      ]);
      expect(state(`${name} timed out`)).toMatchObject({
        Type: 'Pass',
        Result: { Error: 'TaskTimedOut', Cause: expect.stringContaining(`${name} ran past its timeout`) },
        ResultPath: '$.error',
        Next: 'Mark failed',
      });
    }
  });

  test('Mark failed gets the whole state and always ends in Run failed', () => {
    const markFailed = state('Mark failed');
    expect(markFailed).toMatchObject({ Type: 'Task', Resource: functionArn('mark-failed'), Next: 'Failure recorded?' });
    expect(markFailed.Parameters).toBeUndefined();
    expect(markFailed.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.markFailedError', Next: 'Run failed' }]);
    expect(state('Run failed')).toMatchObject({ Type: 'Fail', Error: 'RunFailed' });
  });

  test('the children of the maps catch only timeouts, into a Fail: a failed item must count against the tolerance', () => {
    for (const name of ['Split range', 'Classify partition', 'Assemble slice', 'Route register part', 'Compare partition']) {
      expect(state(name).Catch).toEqual([{ ErrorEquals: ['States.Timeout', 'Sandbox.Timedout', 'Lambda.Unknown'], ResultPath: null, Next: `Record ${name} timeout` }]);
      expect(state(`${name} timed out`).Type).toBe('Fail');
    }
  });

  test('every task retries Lambda service errors with jitter, then transient errors, and has an explicit timeout', () => {
    const tasks = [...states.entries()].filter(([, s]) => s.Type === 'Task' && s.Resource !== 'arn:aws:states:::events:putEvents');
    expect(tasks.map(([name]) => name).sort()).toEqual(
      [
        'Assemble', 'Assemble slice', 'Classify partition', 'Compare partition', 'Index slices', 'Mark failed', 'Plan', 'Route decisions', 'Route register part', 'Split range',
        'Record Assemble slice timeout', 'Record Classify partition timeout', 'Record Compare partition timeout', 'Record Route register part timeout', 'Record Split range timeout',
      ].sort(),
    );
    for (const [name, task] of tasks) {
      expect([name, task.Retry]).toEqual([name, [LAMBDA_SERVICE_RETRY, TRANSIENT_RETRY]]);
      const timeout = task.TimeoutSeconds as number;
      const lambdaTimeout = functionTimeoutSeconds(json, task.Resource as string);
      expect([name, timeout]).toEqual([name, lambdaTimeout + 60]);
      expect(timeout).toBeLessThanOrEqual(2_147_483);
    }
  });

  test('JSONPath only: no QueryLanguage, Assign, Arguments or Output anywhere', () => {
    const keys = allKeys(graph);
    for (const forbidden of ['QueryLanguage', 'Assign', 'Arguments', 'Output']) expect(keys).not.toContain(forbidden);
  });

  test('the execution times out after 24 hours by default', () => {
    expect(graph.TimeoutSeconds).toBe(86_400);
  });
});

describe('function versions', () => {
  test('every phase publishes a version at deploy, kept after the next deploy, and every task invokes it', () => {
    for (const phase of CLEARANCE_PHASES) {
      const fn = stack.workflow.functions[phase].function;
      const versionId = versionLogicalId(json, fn);
      expect(json.Resources[versionId]).toMatchObject({ Type: 'AWS::Lambda::Version', Properties: { FunctionName: { Ref: logicalId(fn) } } });
      // Retained: an execution started before a deploy still invokes it afterwards.
      expect((json.Resources[versionId] as { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    }
    const invoked = [...states.values()].filter((s) => s.Type === 'Task' && s.Resource !== 'arn:aws:states:::events:putEvents').map((s) => s.Resource);
    expect(new Set(invoked)).toEqual(new Set(CLEARANCE_PHASES.map((phase) => functionArn(phase))));
  });

  test('a code change publishes a new version and points the definition at it (the old one stays for running executions)', () => {
    const changed = synthStack({ workflow: { functionSizing: { classify: { memorySize: 4096 } } } });
    const before = versionLogicalId(json, stack.workflow.functions.classify.function);
    const after = versionLogicalId(changed.json, changed.stack.workflow.functions.classify.function);
    expect(after).not.toBe(before);
    expect(JSON.stringify(stateMachineDefinition(changed.json))).toContain(`\${${after}}`);
    expect(versionLogicalId(changed.json, changed.stack.workflow.functions.plan.function)).toBe(versionLogicalId(json, stack.workflow.functions.plan.function));
  });
});

describe('state machine', () => {
  const machineId = logicalId(stack.workflow.stateMachine);
  const machine = json.Resources[machineId].Properties!;

  test('Standard, X-Ray tracing, logs ALL without execution data to the encrypted log group', () => {
    expect(machine.StateMachineType).toBe('STANDARD');
    expect(machine.TracingConfiguration).toEqual({ Enabled: true });
    expect(resolve(machine.LoggingConfiguration)).toEqual({
      Level: 'ALL',
      IncludeExecutionData: false,
      Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(stack.workflow.stateMachineLogGroup) } }],
    });
    expect(resolve(json.Resources[logicalId(stack.workflow.stateMachineLogGroup)].Properties!.KmsKeyId)).toBe(
      arnOf(stack.storage.key),
    );
  });
});

describe('functions', () => {
  test.each(CLEARANCE_PHASES)('%s: Node.js 24 on arm64, contract environment', (phase) => {
    const props = json.Resources[logicalId(stack.workflow.functions[phase].function)].Properties!;
    expect(props.Runtime).toBe('nodejs24.x');
    expect(props.Architectures).toEqual(['arm64']);
    const variables = resolve((props.Environment as { Variables: unknown }).Variables) as Record<string, string>;
    expect(variables).toMatchObject({
      CLEARANCE_PHASE: phase,
      DATA_BUCKET: bucketRef,
      LEDGER_TABLE: `\${${logicalId(stack.storage.ledger)}}`,
      POWERTOOLS_SERVICE_NAME: 'record-clearance',
      POWERTOOLS_METRICS_NAMESPACE: 'RecordClearance',
    });
    const planOnly = ['MAX_PARTITIONS', 'TARGET_RANGE_BYTES', 'MAX_REJECT_RATIO'];
    for (const name of planOnly) expect([name, name in variables]).toEqual([name, phase === 'plan']);
  });

  test('Plan gets the partitioning and reject settings', () => {
    const props = json.Resources[logicalId(stack.workflow.functions.plan.function)].Properties!;
    expect((props.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      MAX_PARTITIONS: '1000',
      TARGET_RANGE_BYTES: String(64 * 1024 * 1024),
      MAX_REJECT_RATIO: '0.05',
      // The reference-format CSVs stay as the reference tool writes them unless excelSafe is set.
      EXCEL_SAFE: 'false',
    });
    // No task lanes unless asked for (the embedded stack sets its worker count).
    expect('TASK_LANES' in (props.Environment as { Variables: Record<string, string> }).Variables).toBe(false);
    const laned = synthStack({ workflow: { taskLanes: 2 } });
    const planVariables = (laned.json.Resources[logicalId(laned.stack.workflow.functions.plan.function)].Properties!.Environment as { Variables: Record<string, string> }).Variables;
    expect(planVariables.TASK_LANES).toBe('2');
    const safe = synthStack({ workflow: { excelSafe: true } });
    const safeVariables = (safe.json.Resources[logicalId(safe.stack.workflow.functions.plan.function)].Properties!.Environment as { Variables: Record<string, string> }).Variables;
    expect(safeVariables.EXCEL_SAFE).toBe('true');
  });
});

describe('EventBridge rule', () => {
  const ruleProps = json.Resources[logicalId(stack.workflow.uploadRule)].Properties!;

  test('matches Object Created events of the data bucket under incoming/ only', () => {
    expect(resolve(ruleProps.EventPattern)).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [bucketRef] }, object: { key: [{ prefix: 'incoming/' }] } },
    });
  });

  test('starts the state machine with a role that can only start it, and dead-letters what it cannot deliver', () => {
    const targets = ruleProps.Targets as Record<string, unknown>[];
    expect(targets).toHaveLength(1);
    const target = resolve(targets[0]) as Record<string, unknown>;
    expect(target.Arn).toBe(`\${${logicalId(stack.workflow.stateMachine)}}`);
    expect(target.DeadLetterConfig).toEqual({ Arn: arnOf(stack.workflow.uploadDeadLetterQueue) });
    expect(target.Input).toBeUndefined(); // the whole event is the execution input
    const roleId = /^\$\{(.+)\.Arn\}$/.exec(target.RoleArn as string)![1];
    expect(roleStatements(json, roleId)).toEqual([
      { effect: 'Allow', actions: ['states:StartExecution'], resources: [`\${${logicalId(stack.workflow.stateMachine)}}`], condition: undefined },
    ]);
  });
});

describe('least privilege', () => {
  const PREFIXES = ['incoming/', 'policies/', 'runs/', 'results/', 'reports/', 'analytics/'] as const;
  // Written out from the workflow contract, not derived from lib/: this is what the test guards.
  const EXPECTED: Record<ClearancePhase, { read: string[]; write: string[]; ledgerRead: boolean }> = {
    plan: { read: ['incoming/', 'policies/'], write: ['runs/'], ledgerRead: true },
    // Plan copies the upload into runs/<runId>/input/: no later phase reads incoming/.
    split: { read: ['runs/'], write: ['runs/'], ledgerRead: false },
    classify: { read: ['runs/'], write: ['runs/'], ledgerRead: false },
    // Of results/, Compare reads the registers and the decision records only (test below).
    compare: { read: ['runs/'], write: ['runs/'], ledgerRead: false },
    // Assemble reads analytics/ for its county's latest pointer only (docs/analytics.md).
    assemble: { read: ['runs/', 'analytics/'], write: ['runs/', 'results/', 'reports/', 'analytics/'], ledgerRead: true },
    'mark-failed': { read: ['runs/'], write: ['reports/'], ledgerRead: true },
  };
  const object = (prefix: string): string => `${bucketArn}/${prefix}LA/run-1/file.csv`;
  const roleOf = (phase: ClearancePhase): string => logicalId(stack.workflow.functions[phase].role);
  const tableArn = canonicalArnOf(json, stack.storage.ledger);

  test.each(CLEARANCE_PHASES)('%s reads and writes exactly its prefixes', (phase) => {
    const statements = roleStatements(json, roleOf(phase));
    for (const prefix of PREFIXES) {
      expect([phase, 'read', prefix, allows(statements, 's3:GetObject', object(prefix))]).toEqual([
        phase,
        'read',
        prefix,
        EXPECTED[phase].read.includes(prefix),
      ]);
      expect([phase, 'write', prefix, allows(statements, 's3:PutObject', object(prefix))]).toEqual([
        phase,
        'write',
        prefix,
        EXPECTED[phase].write.includes(prefix),
      ]);
    }
  });

  test.each(CLEARANCE_PHASES)('%s uses the ledger as the contract says, and never deletes or scans', (phase) => {
    const statements = roleStatements(json, roleOf(phase));
    expect(allows(statements, 'dynamodb:UpdateItem', tableArn)).toBe(true);
    expect(allows(statements, 'dynamodb:PutItem', tableArn)).toBe(true);
    expect(allows(statements, 'dynamodb:GetItem', tableArn)).toBe(EXPECTED[phase].ledgerRead);
    expect(allows(statements, 'dynamodb:Query', `${tableArn}/index/byCounty`)).toBe(EXPECTED[phase].ledgerRead);
    expect(allows(statements, 'dynamodb:DeleteItem', tableArn)).toBe(false);
    expect(allows(statements, 'dynamodb:Scan', tableArn)).toBe(false);
  });

  test('of the run\'s roles none can read results/ (personal data) and only Assemble can write there; Finalize (the review) does both', () => {
    const roles = roleLogicalIds(json);
    expect(roles.length).toBeGreaterThanOrEqual(7);
    const finalize = logicalId(stack.review.function.role);
    expect(roles).toContain(finalize);
    for (const roleId of roles) {
      const statements = roleStatements(json, roleId);
      expect([roleId, allows(statements, 's3:GetObject', object('results/'))]).toEqual([roleId, roleId === finalize]);
      expect([roleId, allows(statements, 's3:PutObject', object('results/'))]).toEqual([roleId, roleId === roleOf('assemble') || roleId === finalize]);
    }
  });

  test('of results/, Plan reads the registers\' manifests and Compare their parts and the previous runs\' decision records, nothing else', () => {
    const plan = roleStatements(json, roleOf('plan'));
    const compare = roleStatements(json, roleOf('compare'));
    const manifest = `${bucketArn}/results/LA/register/run-1/manifest.json`;
    const part = `${bucketArn}/results/LA/register/run-1/part-000000.jsonl`;
    const decisions = `${bucketArn}/results/LA/run-1/final/decisions.jsonl`;
    expect([allows(plan, 's3:GetObject', manifest), allows(plan, 's3:GetObject', part), allows(plan, 's3:GetObject', decisions)]).toEqual([true, false, false]);
    expect([allows(compare, 's3:GetObject', part), allows(compare, 's3:GetObject', decisions)]).toEqual([true, true]);
    for (const other of ['results/LA/run-1/review_list.csv', 'results/LA/run-1/final/court_motions.csv', 'results/LA/run-1/changes.csv']) {
      expect([other, allows(compare, 's3:GetObject', `${bucketArn}/${other}`), allows(plan, 's3:GetObject', `${bucketArn}/${other}`)]).toEqual([other, false, false]);
    }
    for (const role of [plan, compare]) expect(allows(role, 's3:PutObject', part)).toBe(false);
  });

  test('no role can delete objects or use s3:* (lifecycle rules do the cleaning)', () => {
    for (const roleId of roleLogicalIds(json)) {
      const statements = roleStatements(json, roleId);
      for (const prefix of PREFIXES) {
        expect([roleId, allows(statements, 's3:DeleteObject', object(prefix))]).toEqual([roleId, false]);
      }
      expect(statements.filter((s) => s.actions.includes('s3:*'))).toEqual([]);
    }
  });

  test('the state machine reads map manifests under runs/ and writes only map results', () => {
    const statements = roleStatements(json, logicalId(stack.workflow.stateMachine.role));
    expect(allows(statements, 's3:GetObject', `${bucketArn}/runs/abc/ranges.json`)).toBe(true);
    expect(allows(statements, 's3:PutObject', `${bucketArn}/runs/map-results/split/x/manifest.json`)).toBe(true);
    expect(allows(statements, 's3:PutObject', `${bucketArn}/runs/abc/ranges.json`)).toBe(false);
    for (const prefix of ['incoming/', 'policies/', 'results/', 'reports/']) {
      expect([prefix, allows(statements, 's3:GetObject', object(prefix))]).toEqual([prefix, false]);
      expect([prefix, allows(statements, 's3:PutObject', object(prefix))]).toEqual([prefix, false]);
    }
    for (const phase of CLEARANCE_PHASES) {
      // Only the version this deploy published: an execution cannot drift onto $LATEST.
      const version = `\${${versionLogicalId(json, stack.workflow.functions[phase].function)}}`;
      expect([phase, allows(statements, 'lambda:InvokeFunction', version)]).toEqual([phase, true]);
      const unqualified = canonicalArnOf(json, stack.workflow.functions[phase].function);
      expect([phase, allows(statements, 'lambda:InvokeFunction', unqualified)]).toEqual([phase, false]);
    }
    expect(allows(statements, 'lambda:InvokeFunction', 'arn:aws:lambda:us-west-2:123456789012:function:other')).toBe(false);
    expect(allows(statements, 'states:StartExecution', `\${${logicalId(stack.workflow.stateMachine)}}`)).toBe(true);
  });

  test('KMS use is limited to the data key and to S3/DynamoDB calls', () => {
    const keyArn = canonicalArnOf(json, stack.storage.key);
    for (const roleId of [...CLEARANCE_PHASES.map(roleOf), logicalId(stack.workflow.stateMachine.role)]) {
      const kmsStatements = roleStatements(json, roleId).filter((s) => s.actions.some((a) => a.startsWith('kms:')));
      expect(kmsStatements.length).toBe(1);
      expect(kmsStatements[0].resources).toEqual([keyArn]);
      expect(JSON.stringify(kmsStatements[0].condition)).toContain('kms:ViaService');
    }
  });
});

describe('workflow props', () => {
  test('concurrency, failure tolerance and function timeouts are configurable', () => {
    const { json: custom } = synthStack({
      workflow: {
        splitConcurrency: 7,
        classifyConcurrency: 9,
        failureTolerancePercent: 5,
        functionSizing: { classify: { timeout: Duration.minutes(10) } },
        taskTimeoutMargin: Duration.seconds(30),
      },
    });
    const customStates = allStates(stateMachineDefinition(custom));
    expect(customStates.get('Split')).toMatchObject({ ToleratedFailurePercentage: 5 });
    expect(customStates.get('Classify')).toMatchObject({ ToleratedFailurePercentage: 5 });
    // The ceilings of the concurrency Plan derives from the request budget.
    const planEnvironment = Object.values(custom.Resources).find(
      (resource) => resource.Type === 'AWS::Lambda::Function' && (resource.Properties as { Environment?: { Variables?: Record<string, unknown> } }).Environment?.Variables?.MAX_PARTITIONS !== undefined,
    )!.Properties as { Environment: { Variables: Record<string, unknown> } };
    expect(planEnvironment.Environment.Variables).toMatchObject({ MAX_SPLIT_CONCURRENCY: '7', MAX_CLASSIFY_CONCURRENCY: '9', PREFIX_REQUEST_BUDGET: '2000' });
    expect(customStates.get('Classify partition')!.TimeoutSeconds).toBe(630);
    expect(customStates.get('Split range')!.TimeoutSeconds).toBe(930);
  });

  test.each<[string, ClearanceStackProps['workflow'], RegExp]>([
    ['a tolerance above 100', { failureTolerancePercent: 101 }, /failureTolerancePercent must be from 0 to 100, got 101/],
    ['a negative tolerance', { failureTolerancePercent: -1 }, /failureTolerancePercent must be from 0 to 100, got -1/],
    ['zero concurrency', { splitConcurrency: 0 }, /splitConcurrency must be an integer from 1 to 10000, got 0/],
    ['fractional concurrency', { classifyConcurrency: 2.5 }, /classifyConcurrency must be an integer from 1 to 10000, got 2.5/],
    ['concurrency above the map limit', { splitConcurrency: 10_001 }, /got 10001/],
    ['a reject ratio above 1', { maxRejectRatio: 1.5 }, /maxRejectRatio must be from 0 to 1, got 1.5/],
    ['tiny ranges', { targetRangeBytes: 1000 }, /targetRangeBytes must be an integer of at least 1048576 \(1 MiB\), got 1000/],
    ['no partitions', { maxPartitions: 0 }, /maxPartitions must be a positive integer, got 0/],
    ['zero task lanes', { taskLanes: 0 }, /taskLanes must be a whole number >= 1, got 0/],
    [
      'an unknown phase in functionSizing',
      { functionSizing: { merge: { memorySize: 512 } } as never },
      /functionSizing has an unknown phase "merge"/,
    ],
  ])('rejects %s at synth time', (_case, workflow, message) => {
    expect(() => synthStack({ workflow })).toThrow(message);
  });
});
