import fs from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { prepareStateMachine, type AslRuntime } from '../../local/asl-runner';
import { localAwsConfig, startStandIns } from '../../local/stand-ins';
import {
  TemplateResolutionError,
  createLocalResources,
  functionNameFromReference,
  loadTemplate,
  localBucketName,
  type CloudFormationTemplate,
  type LocalTemplate,
} from '../../local/template';
import { synthTestStack } from './fixtures/test-stack';

const projectRoot = path.resolve(__dirname, '..', '..');

function runtimeFor(local: LocalTemplate): AslRuntime {
  return { findFunction: local.findFunction, invokeLambda: async () => null, mapItemStore: { getText: async () => '[]', putText: async () => 0 }, putEvents: (entries) => entries.map(() => 'event-id') };
}

/** Every Ref / Fn:: left anywhere in a value. */
function unresolved(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/"(Ref|Fn::[A-Za-z]+)"/g)].map((match) => match[1]);
}

describe('template resolution of a CDK stack built in the test', () => {
  let template: CloudFormationTemplate;
  let local: LocalTemplate;

  beforeAll(() => {
    template = synthTestStack();
    local = loadTemplate(template);
  });

  it('maps buckets to sanitised lower-case logical IDs and finds the one sending events to EventBridge', () => {
    const [dataId] = Object.keys(template.Resources!).filter((id) => id.startsWith('DataBucket') && template.Resources![id].Type === 'AWS::S3::Bucket');
    expect(local.buckets[dataId]).toEqual({ logicalId: dataId, name: dataId.toLowerCase(), eventBridgeEnabled: true });
    const logs = Object.values(local.buckets).find((bucket) => bucket.logicalId.startsWith('AccessLogs'));
    expect(logs?.eventBridgeEnabled).toBe(false);
  });

  it('reads the table key schema, GSI and billing mode (TableV2 → AWS::DynamoDB::GlobalTable)', () => {
    const [table] = Object.values(local.tables);
    expect(table.name).toBe(table.logicalId);
    expect(table.keySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table.billingMode).toBe('PAY_PER_REQUEST');
    expect(table.globalSecondaryIndexes).toEqual([
      {
        IndexName: 'byCounty',
        KeySchema: [
          { AttributeName: 'county', KeyType: 'HASH' },
          { AttributeName: 'startedAt', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
  });

  it('resolves function environments, timeouts, memory and phases', () => {
    const plan = Object.values(local.functions).find((fn) => fn.phase === 'workflow-plan')!;
    const dataBucket = Object.values(local.buckets).find((bucket) => bucket.eventBridgeEnabled)!;
    expect(plan.environment).toEqual({
      CLEARANCE_PHASE: 'workflow-plan',
      DATA_BUCKET: dataBucket.name,
      LEDGER_TABLE: Object.values(local.tables)[0].name,
      POWERTOOLS_SERVICE_NAME: 'record-clearance',
    });
    expect(plan).toMatchObject({ timeoutSeconds: 30, memoryMb: 512, arn: `arn:aws:lambda:us-east-1:000000000000:function:${plan.logicalId}` });
    expect(local.findFunction(plan.arn)).toBe(plan);
    expect(local.findFunction(`${plan.arn}:$LATEST`)).toBe(plan);
    expect(local.findFunction(plan.functionName)).toBe(plan);
    // CDK's own helper function (bucket notifications) has no phase: it is never run locally.
    expect(Object.values(local.functions).filter((fn) => !fn.phase).length).toBeGreaterThan(0);
  });

  it('turns the DefinitionString Fn::Join into plain ASL with local names and ARNs', () => {
    const [machine] = Object.values(local.stateMachines);
    expect(unresolved(machine.definition)).toEqual([]);
    const states = machine.definition.States as Record<string, any>;
    const plan = Object.values(local.functions).find((fn) => fn.phase === 'workflow-plan')!;
    expect(states.Plan.Resource).toBe(plan.arn);
    expect(states.Plan.TimeoutSeconds).toBe(60);
    expect(states.Split.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: Object.values(local.buckets).find((bucket) => bucket.eventBridgeEnabled)!.name, 'Key.$': '$.plan.rangesKey' },
    });
    expect(states.Split.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(states.Split.ResultWriter.Parameters.Prefix).toBe('runs/map-results/split');
    expect(machine.arn).toBe(`arn:aws:states:us-east-1:000000000000:stateMachine:${machine.logicalId}`);
    expect(() => prepareStateMachine(machine.definition, runtimeFor(local), { name: machine.name })).not.toThrow();
  });

  it('resolves the EventBridge rule pattern and its state machine target', () => {
    const [rule] = Object.values(local.rules);
    const dataBucket = Object.values(local.buckets).find((bucket) => bucket.eventBridgeEnabled)!;
    expect(rule.eventPattern).toEqual({
      source: ['aws.s3'],
      'detail-type': ['Object Created'],
      detail: { bucket: { name: [dataBucket.name] }, object: { key: [{ prefix: 'incoming/' }] } },
    });
    expect(rule.targets).toEqual([
      expect.objectContaining({ stateMachineLogicalId: Object.keys(local.stateMachines)[0], arn: Object.values(local.stateMachines)[0].arn }),
    ]);
  });

  it('creates the buckets and tables on the stand-ins, idempotently', async () => {
    const standIns = await startStandIns();
    const config = localAwsConfig(standIns.endpoints);
    const s3 = new S3Client(config.s3);
    const dynamodb = new DynamoDBClient(config.dynamodb);
    try {
      await createLocalResources(local, { s3, dynamodb });
      await createLocalResources(local, { s3, dynamodb });
      for (const bucket of Object.values(local.buckets)) {
        await expect(s3.send(new HeadBucketCommand({ Bucket: bucket.name }))).resolves.toBeDefined();
      }
      const [table] = Object.values(local.tables);
      const described = await dynamodb.send(new DescribeTableCommand({ TableName: table.name }));
      expect(described.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byCounty']);
      expect(described.Table?.BillingModeSummary?.BillingMode ?? 'PAY_PER_REQUEST').toBe('PAY_PER_REQUEST');
    } finally {
      s3.destroy();
      dynamodb.destroy();
      await standIns.stop();
    }
  });
});

describe('intrinsic functions', () => {
  const base: CloudFormationTemplate = {
    Parameters: { Stage: { Type: 'String', Default: 'dev' }, BootstrapVersion: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/cdk-bootstrap/version' } },
    Conditions: { IsDev: { 'Fn::Equals': [{ Ref: 'Stage' }, 'dev'] }, IsProd: { 'Fn::Not': [{ Condition: 'IsDev' }] } },
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket' },
      Fn: { Type: 'AWS::Lambda::Function', Properties: { Timeout: 5 } },
      Key: { Type: 'AWS::KMS::Key' },
      ProdOnly: { Type: 'AWS::S3::Bucket', Condition: 'IsProd' },
      Cluster: { Type: 'AWS::ECS::Cluster' },
    },
  };
  const local = loadTemplate(base, { stackName: 'Demo' });

  it('resolves pseudo parameters, Ref and Fn::GetAtt', () => {
    expect(local.resolve({ 'Fn::Join': [':', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }, { Ref: 'AWS::Partition' }, { Ref: 'AWS::URLSuffix' }, { Ref: 'AWS::StackName' }]] })).toBe(
      'us-east-1:000000000000:aws:amazonaws.com:Demo',
    );
    expect(local.resolve({ Ref: 'Bucket' })).toBe('bucket');
    expect(local.resolve({ 'Fn::GetAtt': ['Bucket', 'Arn'] })).toBe('arn:aws:s3:::bucket');
    expect(local.resolve({ 'Fn::GetAtt': 'Fn.Arn' })).toBe('arn:aws:lambda:us-east-1:000000000000:function:Fn');
    expect(local.resolve({ Ref: 'Stage' })).toBe('dev');
  });

  it('resolves Fn::Sub (variables, resource attributes, escapes), Fn::Select, Fn::Split and Fn::If', () => {
    expect(local.resolve({ 'Fn::Sub': '${Bucket}/${AWS::Region}/${Fn.Arn}/${!Literal}' })).toBe(
      'bucket/us-east-1/arn:aws:lambda:us-east-1:000000000000:function:Fn/${Literal}',
    );
    expect(local.resolve({ 'Fn::Sub': ['${Name}-${Stage}', { Name: { Ref: 'Bucket' } }] })).toBe('bucket-dev');
    expect(local.resolve({ 'Fn::Select': [1, { 'Fn::Split': ['/', 'a/b/c'] }] })).toBe('b');
    expect(local.resolve({ 'Fn::If': ['IsDev', 'yes', 'no'] })).toBe('yes');
    expect(local.resolve({ list: ['a', { 'Fn::If': ['IsProd', 'x', { Ref: 'AWS::NoValue' }] }] })).toEqual({ list: ['a'] });
  });

  it('skips resources whose Condition is false', () => {
    expect(Object.keys(local.buckets)).toEqual(['Bucket']);
  });

  it('refuses what it cannot resolve, naming the place and the logical ID', () => {
    expect(() => local.resolve({ Ref: 'Cluster' }, 'Somewhere')).toThrow(TemplateResolutionError);
    expect(() => local.resolve({ Ref: 'Cluster' }, 'Somewhere')).toThrow(/Somewhere \(Ref\): cannot resolve Ref to Cluster of type AWS::ECS::Cluster/);
    expect(() => local.resolve({ Ref: 'Missing' })).toThrow(/unknown logical ID Missing/);
    expect(() => local.resolve({ Ref: 'BootstrapVersion' })).toThrow(/read from SSM/);
    expect(() => local.resolve({ 'Fn::ImportValue': 'x' })).toThrow(/Fn::ImportValue is not supported/);
    expect(() => local.resolve({ 'Fn::GetAtt': ['Key', 'Nope'] })).toThrow(/Fn::GetAtt Key.Nope/);
  });

  it('applies DefinitionSubstitutions and parses the definition', () => {
    const machine = loadTemplate({
      Resources: {
        Fn: { Type: 'AWS::Lambda::Function', Properties: {} },
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: {
            DefinitionString: '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"${fn}","End":true}}}',
            DefinitionSubstitutions: { fn: { 'Fn::GetAtt': ['Fn', 'Arn'] } },
          },
        },
      },
    }).stateMachines.Machine;
    expect((machine.definition.States as any).A.Resource).toBe('arn:aws:lambda:us-east-1:000000000000:function:Fn');
  });

  it('makes valid S3 names out of any logical ID', () => {
    expect(localBucketName('DataBucketE3889A50')).toBe('databuckete3889a50');
    expect(localBucketName('My_Bucket..Name-')).toBe('my-bucket.name');
    expect(localBucketName('A')).toBe('a00');
    expect(localBucketName('X'.repeat(80))).toHaveLength(63);
    expect(functionNameFromReference('arn:aws:lambda:us-east-1:1:function:Plan:live')).toBe('Plan');
    expect(functionNameFromReference('arn:aws:lambda:us-east-1:1:function:Plan:7')).toBe('Plan');
  });
});

const realStack = fs.existsSync(path.join(projectRoot, 'lib', 'clearance-stack.ts'));
(realStack ? describe : describe.skip)('the real ClearanceStack', () => {
  it('loads, resolves and prepares without refusal', async () => {
    // Required lazily so this file still runs while lib/ is being written.
    const { ClearanceStack } = (await import('../../lib/clearance-stack')) as typeof import('../../lib/clearance-stack');
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new ClearanceStack(app, 'RecordClearance', { env: { account: '123456789012', region: 'us-west-2' } });
    const local = loadTemplate(app.synth().getStackByName('RecordClearance').template as CloudFormationTemplate);

    const phases = Object.values(local.functions).map((fn) => fn.phase).filter(Boolean).sort();
    expect(phases).toEqual(['assemble', 'classify', 'compare', 'finalize', 'mark-failed', 'plan', 'reconcile', 'rollup', 'split', 'watch-runs']);
    for (const fn of Object.values(local.functions).filter((candidate) => candidate.phase)) {
      expect(fn.environment.DATA_BUCKET).toBe(Object.values(local.buckets).find((bucket) => bucket.eventBridgeEnabled)!.name);
      // The roll-up reads analytics/ only: it is given no ledger.
      expect(fn.environment.LEDGER_TABLE).toBe(fn.phase === 'rollup' ? undefined : Object.values(local.tables)[0].name);
      expect(fn.environment.CLEARANCE_PHASE).toBe(fn.phase);
    }
    const [table] = Object.values(local.tables);
    expect(table.keySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    expect(table.globalSecondaryIndexes.map((index) => index.IndexName)).toEqual(['byCounty']);
    // The workflow, the reconciler and Finalize.
    const machines = Object.values(local.stateMachines);
    expect(machines.map((machine) => machine.logicalId.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual(['OperationsReconcileStateMachine', 'ReviewStateMachine', 'WorkflowStateMachine']);
    for (const machine of machines) {
      expect(unresolved(machine.definition)).toEqual([]);
      // Tasks invoke published versions (Ref to AWS::Lambda::Version): resolved to a qualified ARN of a template function.
      const resources = [...JSON.stringify(machine.definition).matchAll(/"Resource":"(arn:aws:lambda:[^"]+)"/g)].map((m) => m[1]);
      expect(resources.length).toBeGreaterThan(0);
      for (const arn of resources) {
        expect(arn).toMatch(/:function:[A-Za-z0-9]+:1$/);
        expect(local.findFunction(arn)).toBeDefined();
      }
      expect(() => prepareStateMachine(machine.definition, runtimeFor(local), { name: machine.name })).not.toThrow();
    }
    const rules = Object.values(local.rules).filter((rule) => rule.targets.some((target) => target.stateMachineLogicalId));
    expect(rules.map((rule) => rule.eventPattern?.source)).toEqual(expect.arrayContaining([['aws.s3'], ['aws.states']]));
    // Two upload rules: extracts under incoming/ start the run, decision files under reviews/ start Finalize.
    const uploads = rules.filter((rule) => rule.eventPattern?.source?.toString() === 'aws.s3');
    expect(uploads.map((rule) => [(rule.eventPattern?.detail as { object: { key: unknown } }).object.key, rule.targets[0].stateMachineLogicalId?.replace(/[0-9A-F]{8}$/, '')])).toEqual([
      [[{ prefix: 'incoming/' }], 'WorkflowStateMachine'],
      [[{ prefix: 'reviews/' }], 'ReviewStateMachine'],
    ]);
  });
});
