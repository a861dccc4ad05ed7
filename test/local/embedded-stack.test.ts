import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { ExecutionEvent } from '../../local/asl-runner';
import { startEmbeddedStack, type EmbeddedStack } from '../../local/embedded-stack';
import type { LocalFunction, CloudFormationTemplate } from '../../local/template';
import { synthTestStack } from './fixtures/test-stack';

const fixtures = path.join(__dirname, 'fixtures');
const handlerResolver = (fn: LocalFunction) => path.join(fixtures, `${fn.phase}.js`);

// One synthesis for the whole file: CDK synth is the slowest step of these tests.
let template: CloudFormationTemplate;
beforeAll(() => {
  template = synthTestStack();
});

describe('embedded stack: upload → EventBridge rule → state machine → Lambda workers → S3/DynamoDB', () => {
  let stack: EmbeddedStack;
  let s3: S3Client;
  let dynamodb: DynamoDBClient;
  const events: ExecutionEvent[] = [];
  const logLines: string[] = [];

  beforeAll(async () => {
    stack = await startEmbeddedStack({
      template,
      workers: 2,
      handlerResolver,
      retryDelayMs: 10,
      functionLogs: ({ line }) => logLines.push(line),
    });
    stack.onExecutionEvent((event) => events.push(event));
    s3 = new S3Client(stack.s3Config);
    dynamodb = new DynamoDBClient(stack.dynamoDbConfig);
  });

  afterAll(async () => {
    s3?.destroy();
    dynamodb?.destroy();
    await stack?.stop();
  });

  const upload = (key: string, body: string) => s3.send(new PutObjectCommand({ Bucket: stack.bucketName(), Key: key, Body: body }));
  const read = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: stack.bucketName(), Key: key }))).Body!.transformToString();
  const runItem = async (runId: string) =>
    (await dynamodb.send(new GetItemCommand({ TableName: stack.tableName(), Key: { pk: { S: `RUN#${runId}` } } }))).Item;

  it('names the data bucket, the table and the handler environment', () => {
    expect(stack.bucketName()).toMatch(/^databucket/);
    expect(stack.tableName()).toMatch(/^Ledger/);
    expect(stack.env).toMatchObject({
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
      AWS_ENDPOINT_URL_DYNAMODB: stack.endpoints.dynamodb,
      AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
      CLEARANCE_S3_FORCE_PATH_STYLE: 'true',
    });
  });

  it('runs a whole workflow from an upload, retrying a transient failure, and writes its outputs', async () => {
    const lines = ['alpha', 'bravo flaky', 'charlie', 'delta', 'echo'];
    await upload('incoming/LA/extract.csv', lines.join('\n'));
    // The execution exists as soon as the upload returns (s3rver emits before answering).
    expect(stack.listExecutions().map((execution) => execution.trigger?.key)).toContain('incoming/LA/extract.csv');
    const started = await stack.executionStartedBy('incoming/LA/extract.csv');
    const finished = await stack.waitForExecution(started.executionArn, { timeoutMs: 30_000 });
    expect(finished.status).toBe('SUCCEEDED');
    const output = finished.output as { plan: { runId: string; rangeCount: number }; splitMap: { ResultWriterDetails: { Key: string } }; assemble: { parts: number } };
    expect(output.plan.rangeCount).toBe(5);
    expect(output.assemble.parts).toBe(5);
    expect(await read(`results/${output.plan.runId}/out.txt`)).toBe(lines.map((line) => line.toUpperCase()).join('\n'));
    expect((await runItem(output.plan.runId))?.status).toEqual({ S: 'SUCCEEDED' });

    const manifest = JSON.parse(await read(output.splitMap.ResultWriterDetails.Key)) as { ResultFiles: { SUCCEEDED: { Key: string }[] } };
    expect(JSON.parse(await read(manifest.ResultFiles.SUCCEEDED[0].Key))).toHaveLength(5);

    const own = events.filter((event) => event.executionArn === started.executionArn);
    expect(own.filter((event) => event.type === 'MapItemSucceeded')).toHaveLength(5);
    expect(own.filter((event) => event.type === 'StateRetried' && event.parent?.mapState === 'Split')).toHaveLength(1);
    expect(own[own.length - 1].type).toBe('ExecutionSucceeded');
    expect(stack.lambdaStats().workers).toBeLessThanOrEqual(2);
  });

  it('starts nothing for uploads outside incoming/ and ends a duplicate event quietly', async () => {
    const before = stack.listExecutions().length;
    await upload('policies/LA.json', '{}');
    await stack.waitForIdle();
    expect(stack.listExecutions()).toHaveLength(before);

    const first = stack.listExecutions().find((execution) => execution.trigger?.key === 'incoming/LA/extract.csv')!;
    const [redelivered] = stack.publishEvent(first.input);
    const duplicate = await stack.waitForExecution(redelivered.executionArn, { timeoutMs: 20_000 });
    expect(duplicate.status).toBe('SUCCEEDED');
    expect((duplicate.output as { plan: { duplicate: boolean } }).plan.duplicate).toBe(true);
    const visited = events.filter((event) => event.executionArn === redelivered.executionArn && event.type === 'StateEntered').map((event) => (event as { state: string }).state);
    expect(visited).toEqual(['Plan', 'Duplicate or ignored?', 'Nothing to do']);
  });

  it('routes a failed map run through Catch to Mark failed, then Fail', async () => {
    await upload('incoming/SF/broken.csv', 'fine\nbad line\nfine too');
    const started = await stack.executionStartedBy('incoming/SF/broken.csv');
    const finished = await stack.waitForExecution(started.executionArn, { timeoutMs: 30_000 });
    expect(finished).toMatchObject({ status: 'FAILED', error: 'RunFailed', cause: 'see the run ledger' });
    const own = events.filter((event) => event.executionArn === started.executionArn);
    expect(own.find((event) => event.type === 'MapRunFailed')).toMatchObject({ state: 'Split', failed: 1, total: 3 });
    expect(own.find((event) => event.type === 'StateCaught')).toMatchObject({ state: 'Split', next: 'Mark failed' });
    const reports = await s3.send(new ListObjectsV2Command({ Bucket: stack.bucketName(), Prefix: 'reports/' }));
    const errorKeys = (reports.Contents ?? []).map((object) => object.Key!).filter((key) => key.endsWith('/error.json'));
    const errors = await Promise.all(errorKeys.map(async (key) => JSON.parse(await read(key)) as { error: string }));
    expect(errors).toContainEqual({ error: 'States.ExceedToleratedFailureThreshold' });
  });

  it('captures handler output through the log sink, without the SDK Node-version warning', () => {
    expect(logLines).toContain('plan: 5 ranges');
    expect(logLines.filter((line) => line.includes('NodeVersionSupportWarning'))).toEqual([]);
  });
});

describe('embedded stack start-up checks', () => {
  it('refuses a template whose rule waits for a bucket that never sends events to EventBridge', async () => {
    // What CDK renders without `eventBridgeEnabled: true`: no S3BucketNotifications custom resource.
    const resources = Object.fromEntries(Object.entries(template.Resources!).filter(([, resource]) => resource.Type !== 'Custom::S3BucketNotifications'));
    await expect(startEmbeddedStack({ template: { ...template, Resources: resources }, handlerResolver })).rejects.toThrow(
      /does not send events to EventBridge \(set eventBridgeEnabled: true\)/,
    );
  });

  it('refuses to start when a handler module has not been built', async () => {
    await expect(startEmbeddedStack({ template, handlerResolver: (fn) => path.join(fixtures, 'missing', `${fn.phase}.js`) })).rejects.toThrow(
      /not found at .*missing.*run `npm run build` first/,
    );
  });

  it('prewarm starts the first functions (Plan, then the split map\'s) before an upload, and the run takes them', async () => {
    const fresh = await startEmbeddedStack({ template, workers: 2, handlerResolver, retryDelayMs: 10, functionLogs: 'discard' });
    const client = new S3Client(fresh.s3Config);
    try {
      fresh.prewarm();
      expect(fresh.lambdaStats()).toMatchObject({ prewarmed: 3, coldStarts: 3, workers: 3, invocations: 0 }); // Plan, 2 × Split
      await client.send(new PutObjectCommand({ Bucket: fresh.bucketName(), Key: 'incoming/LA/warm.txt', Body: 'one\ntwo\nthree' }));
      const finished = await fresh.waitForExecution((await fresh.executionStartedBy('incoming/LA/warm.txt')).executionArn);
      expect(finished.status).toBe('SUCCEEDED');
      // Plan and the split children ran on the prewarmed workers: the only cold start left is Assemble's (not warmed).
      expect(fresh.lambdaStats().coldStarts).toBe(4);
      expect(() => fresh.prewarm({ stateMachine: 'NoSuchMachine' })).toThrow(/unknown state machine NoSuchMachine/);
    } finally {
      client.destroy();
      await fresh.stop();
    }
  });

  it('stop() aborts running executions and terminates busy workers promptly', async () => {
    const stack = await startEmbeddedStack({ template, handlerResolver: (fn) => path.join(fixtures, fn.phase === 'workflow-plan' ? 'hang.js' : `${fn.phase}.js`) });
    const client = new S3Client(stack.s3Config);
    await client.send(new PutObjectCommand({ Bucket: stack.bucketName(), Key: 'incoming/LA/slow.csv', Body: 'a' }));
    client.destroy();
    const started = await stack.executionStartedBy('incoming/LA/slow.csv');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stack.lambdaStats().busy).toBe(1);
    const stopping = Date.now();
    await stack.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    expect(stack.listExecutions().find((execution) => execution.executionArn === started.executionArn)?.status).toBe('ABORTED');
  });

  it('keeps its state under keepStateDir across restarts (stop is idempotent)', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'clearance-embedded-'));
    try {
      const first = await startEmbeddedStack({ template, handlerResolver, keepStateDir: stateDir });
      const client = new S3Client(first.s3Config);
      await client.send(new PutObjectCommand({ Bucket: first.bucketName(), Key: 'policies/LA.json', Body: '{"kept":true}' }));
      client.destroy();
      await first.stop();
      await first.stop();
      const second = await startEmbeddedStack({ template, handlerResolver, keepStateDir: stateDir });
      const again = new S3Client(second.s3Config);
      const body = await (await again.send(new GetObjectCommand({ Bucket: second.bucketName(), Key: 'policies/LA.json' }))).Body!.transformToString();
      again.destroy();
      await second.stop();
      expect(body).toBe('{"kept":true}');
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
