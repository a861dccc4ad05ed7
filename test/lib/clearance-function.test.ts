import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ClearanceFunction, ClearanceFunctionProps, ClearancePhase, PHASE_SIZING } from '../../lib/clearance-function';
import { CfnTemplate, TEST_ENV, canonicalArnOf, logicalId, roleStatements, testApp } from './template-helpers';

function synthFunction(props: Partial<ClearanceFunctionProps> = {}) {
  const stack = new Stack(testApp(), 'FunctionTest', { env: TEST_ENV });
  const key = new kms.Key(stack, 'Key');
  const fn = new ClearanceFunction(stack, 'Fn', { phase: 'split', encryptionKey: key, ...props });
  const template = Template.fromStack(stack);
  return { stack, key, fn, template, json: template.toJSON() as CfnTemplate };
}

describe('ClearanceFunction', () => {
  const { key, fn, template, json } = synthFunction({ environment: { DATA_BUCKET: 'bucket', LEDGER_TABLE: 'table' } });
  const functionProps = json.Resources[logicalId(fn.function)].Properties!;

  test('runs on Node.js 24 on arm64 (never the deprecated nodejs20.x)', () => {
    expect(functionProps.Runtime).toBe('nodejs24.x');
    expect(functionProps.Runtime).not.toBe('nodejs20.x');
    expect(functionProps.Architectures).toEqual(['arm64']);
  });

  test('X-Ray tracing is active and no reserved concurrency is set', () => {
    expect(functionProps.TracingConfig).toEqual({ Mode: 'Active' });
    expect(functionProps.ReservedConcurrentExecutions).toBeUndefined();
  });

  test('the phase sizing defaults apply', () => {
    expect(functionProps.MemorySize).toBe(PHASE_SIZING.split.memorySize);
    expect(functionProps.Timeout).toBe(PHASE_SIZING.split.timeout.toSeconds());
  });

  test('the environment carries the phase, the Powertools settings and the caller variables', () => {
    expect((functionProps.Environment as { Variables: Record<string, string> }).Variables).toEqual({
      DATA_BUCKET: 'bucket',
      LEDGER_TABLE: 'table',
      CLEARANCE_PHASE: 'split',
      POWERTOOLS_SERVICE_NAME: 'record-clearance',
      POWERTOOLS_METRICS_NAMESPACE: 'RecordClearance',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  test('the log group is KMS-encrypted with the given key, has a retention and is the function\'s log group', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      KmsKeyId: { 'Fn::GetAtt': [logicalId(key), 'Arn'] },
      RetentionInDays: 90,
    });
    expect(functionProps.LoggingConfig).toEqual({ LogGroup: { Ref: logicalId(fn.logGroup) } });
  });

  test('the role has no managed policy and writes only its own log group (plus X-Ray)', () => {
    const roleId = logicalId(fn.role);
    expect(json.Resources[roleId].Properties!.ManagedPolicyArns).toBeUndefined();
    const statements = roleStatements(json, roleId);
    expect(statements.map((s) => [s.actions.sort(), s.resources])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], [canonicalArnOf(json, fn.logGroup)]],
      [['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], ['*']],
    ]);
  });

  test('the caller can override memory, timeout and log retention', () => {
    const custom = synthFunction({ memorySize: 4096, timeout: Duration.minutes(10), logRetention: logs.RetentionDays.ONE_YEAR });
    custom.template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 4096, Timeout: 600 });
    custom.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  test('the house variables cannot be overridden by the caller', () => {
    const custom = synthFunction({ phase: 'plan', environment: { CLEARANCE_PHASE: 'classify' } });
    custom.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CLEARANCE_PHASE: 'plan' }) },
    });
  });

  test.each<[string, Partial<ClearanceFunctionProps>, RegExp]>([
    ['too little memory', { memorySize: 64 }, /memorySize of split must be an integer from 128 to 10240 MB, got 64/],
    ['too much memory', { memorySize: 20_000 }, /got 20000/],
    ['a timeout above 15 minutes', { timeout: Duration.minutes(16) }, /timeout of split must be from 1 second to 15 minutes, got 16 minutes/],
    ['an unknown phase', { phase: 'merge' as ClearancePhase }, /phase must be one of plan, split, classify, compare, assemble, mark-failed, finalize, reconcile, watch-runs, rollup, got "merge"/],
  ])('rejects %s at synth time', (_case, props, message) => {
    expect(() => synthFunction(props)).toThrow(message);
  });
});
